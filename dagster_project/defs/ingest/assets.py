"""Raw assets: the CRM export, the ad-platform reports and the orders database, loaded into DuckDB by day."""

import warnings
from datetime import timedelta

import dagster as dg

from dagster_project.defs.ingest.landing import InputError
from dagster_project.defs.ingest.load import load_tables
from dagster_project.defs.ingest.loader import LookupFileError
from dagster_project.defs.ingest.readers import HeaderError
from dagster_project.defs.ingest.resources import IngestSourcesResource
from dagster_project.defs.ingest.spec import SpecError, builtin_specs
from dagster_project.partitions import daily_partitions
from dagster_project.runs import RunWindow
from dagster_project.warehouse import WRITER_POOL, WarehouseResource

SOURCES = {
    "crm": {
        "tables": [
            "crm_users",
            "crm_accounts",
            "crm_leads",
            "crm_deals",
            "crm_deal_stage_events",
            "crm_activities",
        ],
        "kinds": {"duckdb", "json"},
        "description": "CRM export (NDJSON per entity per day)",
    },
    "ads": {
        "tables": ["ads_google_ads", "ads_meta_ads", "ads_yandex_direct"],
        "kinds": {"duckdb", "csv"},
        "description": "ad-platform daily reports (CSV, one format per platform)",
    },
    "orders": {
        "tables": [
            "orders_customers",
            "orders_products",
            "orders_orders",
            "orders_order_lines",
            "orders_refunds",
        ],
        "kinds": {"duckdb", "sql"},
        "description": "operational orders database, rows by updated_at day",
    },
    "reference": {
        "tables": ["ref_fx_rates", "ref_kpi_targets", "ref_sales_costs"],
        "kinds": {"duckdb", "csv"},
        "description": "reference files (FX rates, SMART targets, sales costs), reloaded whole",
    },
}
OWNERS = ["team:data-engineering"]


def raw_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


def landing_key(source: str) -> dg.AssetKey:
    """The landing folder (or database) of a source: where lineage starts."""
    return dg.AssetKey(["landing", source])


def landing_specs() -> list[dg.AssetSpec]:
    """The sources as they land, outside the warehouse: observed by the file-drop sensor, read by ingest."""
    return [
        dg.AssetSpec(
            key=landing_key(source),
            group_name="landing",
            kinds={"file"} if source != "orders" else {"sql"},
            owners=OWNERS,
            description=f"{SOURCES[source]['description']} under KPI_SOURCES_DIR/{source} (docs/sources.md).",
        )
        for source in SOURCES
    ]


def _spec(table: str, source: str, partitioned: bool) -> dg.AssetSpec:
    columns = builtin_specs()[table].columns
    schema = dg.TableSchema(
        columns=[
            dg.TableColumn(c.name, c.type, description="required" if c.required else None) for c in columns
        ]
    )
    return dg.AssetSpec(
        key=raw_key(table),
        deps=[landing_key(source)],
        group_name="ingest",
        kinds=SOURCES[source]["kinds"],
        owners=OWNERS,
        description=f"raw.{table}: {SOURCES[source]['description']}; every row carries lineage columns.",
        metadata={"dagster/column_schema": schema, "dagster/table_name": f"raw.{table}"},
        # Freshness as users see it: a daily source older than 26 hours is late.
        freshness_policy=dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=26))
        if partitioned
        else None,
    )


def build_source_asset(source: str, sources_resource: IngestSourcesResource) -> dg.AssetsDefinition:
    tables = SOURCES[source]["tables"]
    partitioned = source != "reference"

    @dg.multi_asset(
        name=f"ingest_{source}",
        specs=[_spec(t, source, partitioned) for t in tables],
        can_subset=True,
        partitions_def=daily_partitions() if partitioned else None,
        backfill_policy=dg.BackfillPolicy.single_run() if partitioned else None,
        pool=WRITER_POOL,
        # Bound from the settings when the definitions are built, so a caller that supplies the warehouse can run
        # these assets; KPI_SOURCES_DIR, KPI_MAPPINGS_DIR and KPI_ORDERS_DB_URL point them elsewhere.
        resource_defs={"sources": sources_resource},
    )
    def ingest(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: IngestSourcesResource
    ):
        selected = [t for t in tables if raw_key(t) in context.selected_asset_keys]
        run_window = RunWindow.of(context.run.tags)
        window = (run_window.start, run_window.end) if partitioned and run_window.is_windowed else None
        with warehouse.connect() as con:
            try:
                counts = load_tables(
                    con,
                    selected,
                    window,
                    context.run.run_id,
                    sources.sources_path,
                    sources.mappings_path,
                    sources.orders_db_url,
                )
            except (SpecError, HeaderError, LookupFileError, InputError) as exc:
                # The user's file is at fault, not the code: say what and where, without a traceback.
                raise dg.Failure(description=str(exc), allow_retries=False) from None
            totals = {t: con.execute(f'select count(*) from raw."{t}"').fetchone()[0] for t in selected}
        for table in selected:
            c = counts[table]
            folded = f" + aggregated {c.aggregated}" if c.aggregated else ""
            context.log.info(
                f"raw.{table}: read {c.read} = loaded {c.loaded} + quarantined {c.quarantined}{folded} "
                f"({c.files} files)"
            )
            if c.ignored:
                context.log.warning(
                    f"raw.{table}: {c.ignored} files in its landing folder are not loaded (health.ignored_files)"
                )
            yield dg.MaterializeResult(
                asset_key=raw_key(table),
                metadata={
                    "rows_read": c.read,
                    "rows_loaded": c.loaded,
                    "rows_quarantined": c.quarantined,
                    "rows_aggregated": c.aggregated,
                    "files_read": c.files,
                    "files_ignored": c.ignored,
                    "window": f"{window[0]} … {window[1]}" if window else "whole file",
                    "dagster/row_count": totals[table],
                },
            )

    ingest.__doc__ = f"Load {SOURCES[source]['description']} into raw tables."
    return ingest


def build_ingest_assets() -> list[dg.AssetsDefinition]:
    # One resource object for all: Dagster requires bound resources of a key to be the same instance.
    sources_resource = IngestSourcesResource.from_settings()
    with warnings.catch_warnings():
        # resource_defs on an asset is marked beta in Dagster 1.13; binding a default is all that is used here.
        warnings.simplefilter("ignore", dg.BetaWarning)
        return [build_source_asset(source, sources_resource) for source in SOURCES]
