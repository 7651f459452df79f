"""Fixtures of the quality tests: a fresh warehouse file and data dir per test, and a way to run assets with
their checks through Dagster."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg
import pytest

from dagster_project.defs.quality import build_defs
from dagster_project.partitions import daily_partitions
from dagster_project.warehouse import WarehouseResource
from tests.quality.fixture import DDL, START, build_warehouse


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KPI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KPI_START_DATE", START.isoformat())
    return tmp_path / "data"


@pytest.fixture
def warehouse(data_dir, tmp_path) -> WarehouseResource:
    path = tmp_path / "warehouse.duckdb"
    build_warehouse(str(path))
    return WarehouseResource(path=str(path))


def loaded_asset(key: Sequence[str], partitioned: bool = True) -> dg.AssetsDefinition:
    """An asset whose data the fixture already wrote (a stand-in for the ingest step that loads it)."""

    @dg.asset(
        key=list(key),
        partitions_def=daily_partitions() if partitioned else None,
        backfill_policy=dg.BackfillPolicy.single_run() if partitioned else None,
    )
    def _loaded() -> None:
        return None

    return _loaded


def downstream_of(keys: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    """A partitioned asset standing for the marts that must not build on bad raw data."""

    @dg.asset(
        key=["marts", "downstream"],
        deps=list(keys),
        partitions_def=daily_partitions(),
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def _downstream() -> None:
        return None

    return _downstream


def run_with_checks(
    warehouse: WarehouseResource,
    keys: Sequence[Sequence[str]],
    first_day: str,
    last_day: str | None = None,
    with_downstream: bool = False,
) -> dg.ExecuteInProcessResult:
    """Materialize stand-ins of `keys` (and a downstream asset) for a window with the quality checks attached."""
    assets = [loaded_asset(k, partitioned=k[1] not in {"ref_fx_rates"}) for k in keys]
    checks = build_defs([dg.Definitions(assets=assets)]).asset_checks
    if with_downstream:
        assets.append(downstream_of([dg.AssetKey(list(k)) for k in keys]))
    defs = dg.Definitions(
        assets=assets,
        asset_checks=list(checks),
        resources={"warehouse": warehouse},
        executor=dg.in_process_executor,
    )
    job = defs.resolve_implicit_global_asset_job_def()
    tags = {
        "dagster/asset_partition_range_start": first_day,
        "dagster/asset_partition_range_end": last_day or first_day,
    }
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), tags=tags, raise_on_error=False)


RAW_KEYS = [("raw", name) for name in DDL]
