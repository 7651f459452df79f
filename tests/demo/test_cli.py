"""The `kpi demo-data` command: arguments, output, and clear errors."""

from __future__ import annotations

import json

from click.testing import CliRunner

from dagster_project.cli import main


def test_demo_data_command_writes_and_reports(tmp_path):
    out = tmp_path / "sources"
    args = [
        "demo-data",
        "--scale",
        "0.02",
        "--seed",
        "1",
        "--start",
        "2025-01-01",
        "--days",
        "10",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["first_day"] == "2025-01-01" and report["last_day"] == "2025-01-10"
    assert report["rows"]["crm/leads"] > 0
    assert (out / "orders" / "orders.sqlite").is_file()
    appended = CliRunner().invoke(main, args + ["--append-day"])
    assert appended.exit_code == 0, appended.output
    assert json.loads(appended.output)["last_day"] == "2025-01-11"
    assert (out / "crm" / "leads" / "date=2025-01-11" / "part-000.jsonl").is_file()


def test_refuses_a_foreign_folder(tmp_path):
    (tmp_path / "keep.txt").write_text("not demo data")
    result = CliRunner().invoke(
        main, ["demo-data", "--start", "2025-01-01", "--days", "2", "--out", str(tmp_path)]
    )
    assert result.exit_code != 0
    assert "refusing to overwrite" in result.output
    assert (tmp_path / "keep.txt").read_text() == "not demo data"


def test_rejects_bad_arguments(tmp_path):
    result = CliRunner().invoke(
        main, ["demo-data", "--scale", "0", "--start", "2025-01-01", "--out", str(tmp_path)]
    )
    assert result.exit_code != 0 and "--scale must be positive" in result.output


def test_group_lists_other_commands():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "demo-data" in result.output and "build" in result.output
