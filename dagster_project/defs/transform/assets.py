"""The dbt models (staging → intermediate → marts) as one partitioned Dagster multi-asset with dbt tests as checks."""

import json
from datetime import timedelta

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from dagster_project.defs.transform.resources import warehouse_env
from dagster_project.defs.transform.translator import WarehouseDbtTranslator
from dagster_project.partitions import daily_partitions
from dagster_project.warehouse import WRITER_POOL, WarehouseResource


def partition_vars(context: AssetExecutionContext) -> dict[str, str]:
    """The dbt vars min_date / max_date of the run's partition window; none for an unpartitioned run."""
    if not context.has_partition_key_range and not context.has_partition_key:
        return {}
    window = context.partition_time_window
    # the window end is exclusive (midnight after the last day); dbt's filter is inclusive
    last_day = (window.end - timedelta(days=1)).date()
    return {"min_date": window.start.date().isoformat(), "max_date": last_day.isoformat()}


def build_dbt_assets(project: DbtProject) -> dg.AssetsDefinition:
    """The multi-asset of every dbt model and seed in the project's manifest."""

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=WarehouseDbtTranslator(),
        partitions_def=daily_partitions(),
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=WRITER_POOL,
        name="dbt_models",
    )
    def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
        """Build the selected dbt models and run their tests over the partition window."""
        # unit tests prove the SQL logic, which only changes with the code: CI runs them, daily runs skip them
        args = ["build", "--exclude", "test_type:unit"]
        window = partition_vars(context)
        if window:
            args += ["--vars", json.dumps(window)]
        with warehouse_env(warehouse.path):
            yield from dbt.cli(args, context=context).stream()

    return dbt_models
