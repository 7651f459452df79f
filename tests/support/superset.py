"""What the Superset and alert tests share: the superset/ folder on sys.path (kpi_bi), the PostgreSQL admin
connection, and the serving snapshot built by the real pipeline pieces."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.superset.serving_fixture import build_serving

REPO = Path(__file__).resolve().parents[2]
SUPERSET_DIR = REPO / "superset"
PG_ADMIN_DSN = os.environ.get("KPI_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")

# kpi_bi (the Superset layer's own modules) renders the bundle in this env too: it needs only yaml and duckdb.
if str(SUPERSET_DIR) not in sys.path:
    sys.path.insert(0, str(SUPERSET_DIR))


def pg_admin(sql: str) -> None:
    """Run one statement as the PostgreSQL admin (create or drop a test's own database)."""
    import psycopg2

    con = psycopg2.connect(PG_ADMIN_DSN)
    con.autocommit = True
    try:
        con.cursor().execute(sql)
    finally:
        con.close()


@pytest.fixture(scope="session")
def serving_build(tmp_path_factory) -> Path:
    """The folder holding a serving snapshot and the dbt manifest of the build that produced it."""
    workdir = tmp_path_factory.mktemp("serving")
    build_serving(workdir)
    return workdir
