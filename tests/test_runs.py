"""One run window, derived once from Dagster's partition tags, recorded alike by every step of a run.

A one-day run (Dagster's `dagster/partition` tag, as the daily schedule and a one-day sensor run get), a range
run as one run (the range tags `kpi build` and the sensor set) and a run over whole tables each give ingest, dbt,
the checks and the serving snapshot's build_info the same first and last day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import duckdb
import pytest

from dagster_project.defs.quality.checks import check_window
from dagster_project.defs.serving.assets import build_serving_asset
from dagster_project.runs import (
    PARTITION_TAG,
    PID_TAG,
    RANGE_END_TAG,
    RANGE_START_TAG,
    RunWindow,
)
from dagster_project.warehouse import WarehouseResource


def _scheduled_tags(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The tags Dagster gives the daily schedule's run: its partition key and the schedule's name."""
    from dagster_project.definitions import defs

    monkeypatch.setenv("KPI_START_DATE", "2025-01-01")
    repository = defs().get_repository_def()
    schedule = repository.get_schedule_def("daily_build")
    with dg.DagsterInstance.ephemeral() as instance:
        context = dg.build_schedule_context(
            instance=instance,
            scheduled_execution_time=datetime(2025, 3, 4, 6, tzinfo=UTC),
            repository_def=repository,
        )
        request = schedule.evaluate_tick(context).run_requests[0]
    return {**request.tags, PARTITION_TAG: request.partition_key, "dagster/schedule_name": schedule.name}


CASES = {
    "one_day": ({PARTITION_TAG: "2025-02-10", "dagster/sensor_name": "landing_files_sensor"}, "partition"),
    "range": ({RANGE_START_TAG: "2025-01-10", RANGE_END_TAG: "2025-02-08", PID_TAG: "4242"}, "range"),
}


def _window_everywhere(tags: dict[str, str]) -> dict[str, tuple]:
    """(first, last) as ingest, dbt and the checks take it from a run with these tags."""
    run_window = RunWindow.of(tags)
    env = run_window.dbt_env()
    checked = check_window(SimpleNamespace(run=SimpleNamespace(tags=tags)), partitioned=True)
    return {
        "ingest": (run_window.start, run_window.end),
        "dbt": (date.fromisoformat(env["KPI_WINDOW_START"]), date.fromisoformat(env["KPI_WINDOW_END"])),
        "checks": (checked.start, checked.end_exclusive - timedelta(days=1)),
    }


def _published_build_info(tmp_path: Path, tags: dict[str, str]) -> dict:
    """Run the real serving asset with these run tags and read the build_info it published."""
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "create schema if not exists marts; create or replace table marts.kpi_demo as select 1 as x"
        )
    serving = tmp_path / "serving.duckdb"
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            [build_serving_asset([], serving)],
            instance=instance,
            resources={"warehouse": WarehouseResource(path=str(warehouse))},
            tags=tags,
        )
    assert result.success
    with duckdb.connect(str(serving), read_only=True) as con:
        cursor = con.execute("select * from health.build_info")
        return dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))


def test_scheduled_run_is_the_newest_complete_day(monkeypatch: pytest.MonkeyPatch) -> None:
    window = RunWindow.of(_scheduled_tags(monkeypatch))
    assert (window.start, window.end, window.kind) == (date(2025, 3, 3), date(2025, 3, 3), "partition")
    assert window.origin == "schedule:daily_build"
    assert window.partitions == ("2025-03-03",)


@pytest.mark.parametrize("case", ["one_day", "range", "scheduled"])
def test_every_step_records_the_same_window(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tags, kind = CASES[case] if case in CASES else (_scheduled_tags(monkeypatch), "partition")
    window = RunWindow.of(tags)
    assert window.kind == kind
    assert set(_window_everywhere(tags).values()) == {(window.start, window.end)}
    info = _published_build_info(tmp_path, tags)
    # a one-day run records its day, not NULL (serving used to read only the range tags)
    assert (info["partition_start"], info["partition_end"]) == (window.start, window.end)
    assert info["partition_count"] == len(window.partitions) == (window.end - window.start).days + 1
    assert (info["window_kind"], info["run_origin"]) == (kind, window.origin)


def test_a_run_without_partition_tags_covers_whole_tables(tmp_path: Path) -> None:
    window = RunWindow.of({})
    assert not window.is_windowed and window.dbt_env() == {} and window.partitions == ()
    assert check_window(SimpleNamespace(run=SimpleNamespace(tags={})), partitioned=True) is None
    info = _published_build_info(tmp_path, {})
    assert info["partition_start"] is None and info["partition_count"] == 0 and info["window_kind"] == "none"


def test_a_window_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="start is after the end"):
        RunWindow.of({RANGE_START_TAG: "2025-02-02", RANGE_END_TAG: "2025-02-01"})
