"""The production configuration: the same build with Dagster's run and event storage in PostgreSQL."""

import uuid
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from tests.pipeline.conftest import Stack, last_day, mart_checksums

pytestmark = pytest.mark.e2e
PG_ADMIN = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def dagster_pg_url():
    name = f"dagster_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}"'))
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'drop database "{name}" with (force)'))
    admin.dispose()


def test_full_build_with_dagster_storage_in_postgres(
    built: Stack, pipeline_sources: Path, tmp_path: Path, dagster_pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = Stack(tmp_path / "prod", pipeline_sources)
    monkeypatch.setenv("KPI_DAGSTER_PG_URL", dagster_pg_url)

    stack.kpi("build", "--end", last_day())

    assert not (stack.root / "dagster_home" / "history").exists(), "no SQLite run storage in production"
    engine = sa.create_engine(dagster_pg_url.replace("postgresql://", "postgresql+psycopg2://"))
    with engine.connect() as conn:
        runs = conn.execute(sa.text("select status from runs")).scalars().all()
        run_id = conn.execute(sa.text("select run_id from runs")).scalar()
        materialized = conn.execute(
            sa.text(
                "select count(distinct asset_key) from event_logs where dagster_event_type = 'ASSET_MATERIALIZATION'"
            )
        ).scalar()
    engine.dispose()
    assert runs == ["SUCCESS"]
    assert materialized >= 60, "raw, staging, intermediate, marts and serving assets recorded in PostgreSQL"
    assert mart_checksums(stack.warehouse) == mart_checksums(built.warehouse)
    with duckdb.connect(str(stack.serving), read_only=True) as con:
        assert con.execute("select run_id from health.build_info").fetchone()[0] == run_id
