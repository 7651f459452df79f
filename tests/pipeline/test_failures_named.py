"""Every failure of `kpi build` names its cause in the summary it prints: a usage error for a bad argument or
setting, the file and the setting for a missing input, how to rebuild a corrupt warehouse — never a traceback."""

import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from tests.pipeline.conftest import KPI, REPO, START, Stack, file_digest

pytestmark = pytest.mark.e2e
DAY = "2025-02-10"


def _private(built: Stack, tmp_path: Path) -> Stack:
    """A copy of the built installation with its own sources, which a test may damage."""
    stack = built.copy(tmp_path / "stack")
    stack.sources = tmp_path / "sources"
    shutil.copytree(built.sources, stack.sources)
    return stack


def _kpi(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [KPI, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=900, check=False
    )


def test_a_bad_date_is_a_usage_error(built: Stack) -> None:
    result = _kpi(built.env, "build", "--start", "2025-13-01")
    assert result.returncode == 2 and "'2025-13-01' is not a date" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout

    result = _kpi({**built.env, "KPI_START_DATE": "yesterday"}, "build")
    assert result.returncode == 2 and "KPI_START_DATE='yesterday' is not a date" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_missing_reference_file_fails_naming_it_and_keeps_the_snapshot(
    built: Stack, tmp_path: Path
) -> None:
    stack = _private(built, tmp_path)
    before = file_digest(stack.serving)
    (stack.sources / "reference" / "fx_rates.csv").unlink()

    result = stack.kpi("backfill", "--start", DAY, "--end", DAY, check=False)

    assert result.returncode == 1
    summary = result.stdout[result.stdout.index("FAILED (run") :]
    assert "FAILED step" in summary and "reference/fx_rates.csv" in summary and "KPI_SOURCES_DIR" in summary
    assert "the serving snapshot was NOT published" in summary
    assert file_digest(stack.serving) == before


def test_a_corrupt_warehouse_says_how_to_rebuild_and_rebuild_works(built: Stack, tmp_path: Path) -> None:
    stack = _private(built, tmp_path)
    stack.warehouse.write_bytes(b"this is not a duckdb file" * 1000)
    last = (START + timedelta(days=2)).isoformat()

    result = stack.kpi("backfill", "--start", START.isoformat(), "--end", last, check=False)

    assert result.returncode == 1
    summary = result.stdout[result.stdout.index("FAILED (run") :]
    assert str(stack.warehouse) in summary and "kpi build --rebuild" in summary

    rebuilt = stack.kpi("build", "--rebuild", "--end", last)
    assert "moved the old warehouse to" in rebuilt.stdout
    assert [p.name for p in stack.warehouse.parent.glob("warehouse.duckdb.broken-*")], "the old file is kept"
    assert "succeeded" in rebuilt.stdout and os.path.getsize(stack.warehouse) > 0


def test_a_day_whose_rows_are_all_quarantined_blocks_the_publish_naming_the_reasons(
    built: Stack, tmp_path: Path
) -> None:
    stack = _private(built, tmp_path)
    before = file_digest(stack.serving)
    leads = stack.sources / "crm" / "leads" / f"date={DAY}" / "part-000.jsonl"
    assert leads.read_text().strip(), "the chosen day must have leads"
    leads.write_text(leads.read_text().replace('"status":', '"lead_status":'))  # a field renamed upstream

    result = stack.kpi("backfill", "--start", DAY, "--end", DAY, check=False)

    assert result.returncode == 1
    summary = result.stdout[result.stdout.index("FAILED (run") :]
    assert "BLOCKED by check raw/crm_leads · quarantine_share" in summary
    assert f"raw.crm_leads on {DAY}" in summary and "missing required field: status" in summary
    assert f"crm/leads/date={DAY}/part-000.jsonl:1" in summary, "a sample row with its file and line"
    assert file_digest(stack.serving) == before
