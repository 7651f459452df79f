"""The landing-files sensor: a run for each day whose files are new or changed, never twice for the same content."""

import os
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.defs.ingest.sensors import build_file_drop_sensor


@pytest.fixture
def sensor(sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("KPI_SOURCES_DIR", str(sources))
    monkeypatch.setenv("KPI_MAPPINGS_DIR", str(tmp_path / "mappings"))
    monkeypatch.setenv("KPI_START_DATE", "2024-12-01")
    return build_file_drop_sensor()


def _tick(sensor, cursor: str | None):
    with dg.DagsterInstance.ephemeral() as instance:
        context = dg.build_sensor_context(instance=instance, cursor=cursor)
        result = sensor(context)
        requests = [] if isinstance(result, dg.SkipReason) else list(result)
        return requests, context.cursor


def test_new_changed_and_unchanged_files(sensor, sources: Path) -> None:
    requests, cursor = _tick(sensor, None)
    first = {r.partition_key for r in requests}
    assert first == {f"2024-12-{d:02d}" for d in range(1, 15)}, "every day with files is new on the first tick"
    assert len({r.run_key for r in requests}) == len(requests)

    requests, cursor = _tick(sensor, cursor)
    assert requests == [], "unchanged files never trigger twice"

    report = sources / "ads" / "meta_ads" / "2024-12-05.csv"
    report.write_text(report.read_text() + "05/12/2024,1,late_row,1,1,1.00,EUR\n")
    requests, cursor = _tick(sensor, cursor)
    assert [r.partition_key for r in requests] == ["2024-12-05"]
    changed_key = requests[0].run_key

    os.utime(report)  # touched but the same bytes: no new run
    requests, cursor = _tick(sensor, cursor)
    assert requests == []

    day = sources / "crm" / "leads" / "date=2024-12-15"
    day.mkdir()
    (day / "part-000.jsonl").write_text('{"id": "lead_x"}\n')
    requests, cursor = _tick(sensor, cursor)
    assert [r.partition_key for r in requests] == ["2024-12-15"]
    assert requests[0].run_key != changed_key
