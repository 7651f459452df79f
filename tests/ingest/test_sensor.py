"""The landing-files sensor: one run per range of days whose files are new or changed, never twice for the same
content, and nothing for a history that a build has already loaded."""

import os
import time
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.defs.ingest.sensors import build_file_drop_sensor
from dagster_project.runs import RANGE_END_TAG, RANGE_START_TAG
from tests.ingest.conftest import ADS, CRM, ORDERS

RAW_KEYS = [dg.AssetKey(["raw", t]) for t in CRM + ADS + ORDERS]


@pytest.fixture
def sensor(sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("KPI_SOURCES_DIR", str(sources))
    monkeypatch.setenv("KPI_MAPPINGS_DIR", str(tmp_path / "mappings"))
    monkeypatch.setenv("KPI_START_DATE", "2024-12-01")
    return build_file_drop_sensor(RAW_KEYS)


def _tick(sensor, cursor: str | None, instance: dg.DagsterInstance | None = None):
    with dg.DagsterInstance.ephemeral() as ephemeral:
        context = dg.build_sensor_context(instance=instance or ephemeral, cursor=cursor)
        result = sensor(context)
        requests = list(result.run_requests or []) if isinstance(result, dg.SensorResult) else []
        return requests, context.cursor


def _days(request: dg.RunRequest) -> tuple[str, str]:
    if request.partition_key:
        return request.partition_key, request.partition_key
    return request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]


def test_new_changed_and_unchanged_files(sensor, sources: Path) -> None:
    requests, cursor = _tick(sensor, None)
    assert [_days(r) for r in requests] == [("2024-12-01", "2024-12-14")], (
        "the days with files, none loaded yet, are one range run"
    )

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


def test_first_tick_skips_the_history_a_build_loaded(sensor, sources: Path) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        time.sleep(0.01)  # the files are older than the load
        for key in RAW_KEYS:
            for day in range(1, 15):
                instance.report_runless_asset_event(
                    dg.AssetMaterialization(key, partition=f"2024-12-{day:02d}")
                )
        requests, cursor = _tick(sensor, None, instance)
        assert requests == [], "days loaded after their files last changed are not queued again"

        for day in ("2024-12-03", "2024-12-04", "2024-12-09"):
            report = sources / "ads" / "google_ads" / f"{day}.csv"
            report.write_bytes(report.read_bytes() + b"\n")
        requests, cursor = _tick(sensor, cursor, instance)
        assert sorted(_days(r) for r in requests) == [
            ("2024-12-03", "2024-12-04"),
            ("2024-12-09", "2024-12-09"),
        ]


def test_first_tick_reloads_a_day_changed_after_the_build(sensor, sources: Path) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        for key in RAW_KEYS:
            for day in range(1, 15):
                instance.report_runless_asset_event(
                    dg.AssetMaterialization(key, partition=f"2024-12-{day:02d}")
                )
        time.sleep(0.01)
        report = sources / "ads" / "meta_ads" / "2024-12-07.csv"
        report.write_bytes(report.read_bytes())  # rewritten after the load, before the daemon started
        requests, _ = _tick(sensor, None, instance)
        assert [_days(r) for r in requests] == [("2024-12-07", "2024-12-07")]


def test_each_tick_observes_the_landing_folders_whose_files_changed(sensor, sources: Path) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        context = dg.build_sensor_context(instance=instance, cursor=None)
        first = sensor(context)
        observed = {e.asset_key.path[-1]: e.metadata["files_changed"].value for e in first.asset_events}
        assert set(observed) >= {"crm", "ads"} and all(n > 0 for n in observed.values())
        context = dg.build_sensor_context(instance=instance, cursor=context.cursor)
        assert sensor(context).asset_events == [], "nothing changed: nothing observed"
        report = sources / "ads" / "meta_ads" / "2024-12-05.csv"
        report.write_text(report.read_text() + "05/12/2024,1,late_row,1,1,1.00,EUR\n")
        context = dg.build_sensor_context(instance=instance, cursor=context.cursor)
        [event] = sensor(context).asset_events
        assert event.asset_key == dg.AssetKey(["landing", "ads"])
        assert event.metadata["days"].value == "2024-12-05"


def test_lineage_starts_at_the_landing_folders(tmp_path: Path) -> None:
    from dagster_project.defs.ingest import build_defs
    from dagster_project.warehouse import WarehouseResource

    warehouse = WarehouseResource(path=str(tmp_path / "w.duckdb"))
    graph = dg.Definitions(
        assets=build_defs().assets, resources={"warehouse": warehouse}
    ).resolve_asset_graph()
    assert graph.get(dg.AssetKey(["raw", "crm_deals"])).parent_keys == {dg.AssetKey(["landing", "crm"])}
    assert graph.get(dg.AssetKey(["raw", "orders_orders"])).parent_keys == {
        dg.AssetKey(["landing", "orders"])
    }
    assert not graph.get(dg.AssetKey(["landing", "crm"])).is_materializable
