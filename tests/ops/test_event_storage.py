"""The embedded event-log storage: a day-range run records every partition as the stock SQLite storage would."""

import dagster as dg
import pytest

from dagster_project.instance import instance_config
from dagster_project.storage import KeptEngineSqliteEventLogStorage

DAYS = dg.DailyPartitionsDefinition(start_date="2025-01-01", end_date="2025-03-02")


@dg.asset(partitions_def=DAYS, backfill_policy=dg.BackfillPolicy.single_run())
def daily_table(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"days": len(context.partition_keys)})


@dg.asset(partitions_def=DAYS, deps=[daily_table], backfill_policy=dg.BackfillPolicy.single_run())
def downstream(context: dg.AssetExecutionContext) -> None:
    return None


@pytest.fixture(params=["batched", "one by one"])
def instance(request, tmp_path, monkeypatch):
    batches = []
    store_batch = KeptEngineSqliteEventLogStorage.store_event_batch

    def counting_store_batch(self, events):
        batches.append(len(events))
        return store_batch(self, events)

    monkeypatch.setattr(KeptEngineSqliteEventLogStorage, "store_event_batch", counting_store_batch)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    monkeypatch.delenv("KPI_DAGSTER_PG_URL", raising=False)
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "25" if request.param == "batched" else "0")
    config = instance_config()
    assert config["event_log_storage"]["class"] == "KeptEngineSqliteEventLogStorage"
    with dg.instance_for_test(temp_dir=str(tmp_path), overrides=config) as instance:
        yield instance
    # the batched path really ran (Dagster would silently fall back to single events if it raised)
    assert (max(batches, default=0) == 25) == (request.param == "batched")


def _range_run(instance: dg.DagsterInstance, first: str, last: str) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [daily_table, downstream],
        instance=instance,
        tags={"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last},
    )


def test_a_range_run_records_every_day_of_every_asset(instance, capfd):
    result = _range_run(instance, "2025-01-01", "2025-03-01")
    assert result.success
    assert "Exception while storing event batch" not in capfd.readouterr().err
    days = DAYS.get_partition_keys()
    assert len(days) == 60
    for key in (daily_table.key, downstream.key):
        assert instance.get_materialized_partitions(key) == set(days)
        # each day keeps its own event, findable by partition as the UI and backfills look it up
        latest = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=key, asset_partitions=["2025-02-14"]), limit=5
        ).records
        assert [(r.run_id, r.partition_key) for r in latest] == [(result.run_id, "2025-02-14")]
        assert instance.get_latest_materialization_event(key).run_id == result.run_id
    run_events = instance.all_logs(result.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
    assert len(run_events) == 2 * 60


def test_a_rerun_adds_events_and_keeps_partition_status(instance):
    first = _range_run(instance, "2025-01-01", "2025-03-01")
    second = _range_run(instance, "2025-02-01", "2025-02-10")
    assert first.success and second.success
    assert instance.get_materialized_partitions(daily_table.key) == set(DAYS.get_partition_keys())
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=daily_table.key, asset_partitions=["2025-02-05"]), limit=5
    ).records
    assert [r.run_id for r in records] == [second.run_id, first.run_id]
    untouched = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=daily_table.key, asset_partitions=["2025-01-05"]), limit=5
    ).records
    assert [r.run_id for r in untouched] == [first.run_id]
    assert instance.get_latest_materialization_event(daily_table.key).run_id == second.run_id
