"""The same dbt project on PostgreSQL gives the same KPI values as on DuckDB."""

from __future__ import annotations

import pandas as pd
import psycopg2
import pytest

from tests.transform.dbt_runner import normalised, read_table, run_dbt
from tests.transform.pg_copy import PG_DSN, copy_raw_schema, scratch_database

pytestmark = pytest.mark.postgres


def _pg_table(database: str, table: str) -> pd.DataFrame:
    with psycopg2.connect(f"{PG_DSN} dbname={database}") as con, con.cursor() as cur:
        cur.execute(f"select * from marts.{table}")
        columns = [d[0] for d in cur.description]
        return pd.DataFrame(cur.fetchall(), columns=columns)


def _like(frame: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """The PostgreSQL rows with the DuckDB frame's dtypes (psycopg2 returns all-null columns as objects)."""
    frame = frame.copy()
    for col in frame.columns:
        kind = reference[col].dtype
        if pd.api.types.is_datetime64_any_dtype(kind):
            frame[col] = pd.to_datetime(frame[col])
        elif pd.api.types.is_numeric_dtype(kind) and not pd.api.types.is_bool_dtype(kind):
            frame[col] = pd.to_numeric(frame[col]).astype("float64")
    return frame


@pytest.mark.parametrize(
    "table", ["kpi_monthly", "kpi_channel_monthly", "kpi_target_attainment", "fct_orders", "fct_ad_spend"]
)
def test_postgres_build_matches_duckdb(tmp_path_factory, full_warehouse, table, pg_build):
    raw_duck = read_table(full_warehouse, table)
    for col in raw_duck.columns:
        if pd.api.types.is_numeric_dtype(raw_duck[col].dtype) and not pd.api.types.is_bool_dtype(
            raw_duck[col].dtype
        ):
            raw_duck[col] = raw_duck[col].astype("float64")
    duck = normalised(raw_duck)
    pg = normalised(_like(_pg_table(pg_build, table), raw_duck))
    assert len(duck) > 0
    pd.testing.assert_frame_equal(duck, pg, check_dtype=False, obj=table, rtol=1e-9, atol=1e-6)


@pytest.fixture(scope="module")
def pg_build(tmp_path_factory, full_warehouse):
    """A scratch PostgreSQL database with the fixture's raw schema, built by `dbt build --target postgres`."""
    with scratch_database() as database:
        counts = copy_raw_schema(full_warehouse, database)
        assert counts["crm_deals"] > 0
        target = tmp_path_factory.mktemp("pg") / "target"
        run_dbt(["build"], target="postgres", env={"KPI_PG_DATABASE": database}, target_path=target)
        # a windowed run exercises delete+insert on PostgreSQL (single and composite keys) and must change nothing
        run_dbt(
            ["build", "--select", "fct_orders", "fct_ad_spend", "fct_deals"],
            target="postgres",
            env={"KPI_PG_DATABASE": database},
            target_path=target,
            dbt_vars={"min_date": "2025-01-01", "max_date": "2025-01-31"},
        )
        yield database
