"""The company profile (KPI_PROFILE) written into the warehouse before the models that read it."""

import dagster as dg

from dagster_project.defs.profile.tables import SCHEMA, TABLES, write_profile_tables
from dagster_project.profile import load_profile
from dagster_project.warehouse import WRITER_POOL, WarehouseResource


def profile_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([SCHEMA, table])


def build_profile_asset() -> dg.AssetsDefinition:
    """One multi-asset writing every profile table (they change together, when the profile file does)."""

    @dg.multi_asset(
        name="company_profile",
        specs=[
            dg.AssetSpec(
                key=profile_key(table),
                group_name="profile",
                kinds={"duckdb", "yaml"},
                owners=["team:data-engineering"],
                description=f"profile.{table}: the company profile's {table.replace('_', ' ')} (KPI_PROFILE).",
            )
            for table in TABLES
        ],
        pool=WRITER_POOL,
    )
    def company_profile(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        """Write the company profile's vocabulary into the warehouse's profile schema."""
        profile = load_profile()
        with warehouse.connect() as con:
            counts = write_profile_tables(con, profile)
        for table, rows in counts.items():
            yield dg.MaterializeResult(
                asset_key=profile_key(table), metadata={"dagster/row_count": rows, "profile": profile.path}
            )

    return company_profile
