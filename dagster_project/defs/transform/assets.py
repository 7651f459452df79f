"""The dbt models (staging → intermediate → marts) as one Dagster multi-asset with dbt tests as checks."""

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from dagster_project.defs.transform.resources import dbt_env
from dagster_project.defs.transform.translator import WarehouseDbtTranslator
from dagster_project.runs import RunWindow
from dagster_project.warehouse import WRITER_POOL, WarehouseResource

# The dbt assets are not partitioned themselves: Dagster records one materialization per asset per day, and for
# ~50 models over two years that bookkeeping cost more than dbt. Incremental models still follow the window of the
# raw partitions the run loads (RunWindow.dbt_env). The window travels as environment variables, not `--vars`: dbt
# re-parses the whole project whenever its vars change, which every daily run would do.


def build_dbt_assets(project: DbtProject) -> dg.AssetsDefinition:
    """The multi-asset of every dbt model and seed in the project's manifest."""

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=WarehouseDbtTranslator(),
        pool=WRITER_POOL,
        name="dbt_models",
    )
    def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
        """Build the selected dbt models and run their tests over the partition window."""
        # unit tests prove the SQL logic, which only changes with the code: CI runs them, daily runs skip them
        args = ["build", "--exclude", "test_type:unit"]
        window = RunWindow.of(context.run.tags)
        context.log.info(f"dbt window: {window.label()}")
        with dbt_env(warehouse.path, window.dbt_env()):
            yield from dbt.cli(args, context=context).stream()

    return dbt_models
