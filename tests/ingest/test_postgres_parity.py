"""The orders database on PostgreSQL, read as the read-only orders role, loads exactly what the SQLite file loads."""

import importlib.util
import sqlite3
import sys
import uuid
from datetime import date
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from dagster_project.defs.ingest.load import load_tables
from tests.ingest.conftest import DAYS, ORDERS, START, checksum

PG_ADMIN = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def pg_orders(demo_sources: Path):
    """A fresh PostgreSQL database holding a copy of the demo orders database (dropped afterwards)."""
    name = f"kpi_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}"'))
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://"))
    with sqlite3.connect(demo_sources / "orders" / "orders.sqlite") as lite, engine.begin() as pg:
        for (ddl,) in lite.execute("select sql from sqlite_master where type = 'table'"):
            pg.execute(sa.text(ddl.replace("INTEGER PRIMARY KEY", "BIGINT PRIMARY KEY")))
        for (table,) in lite.execute("select name from sqlite_master where type = 'table'"):
            cursor = lite.execute(f"select * from {table}")
            columns = [d[0] for d in cursor.description]
            rows = [dict(zip(columns, r)) for r in cursor.fetchall()]
            if rows:
                pg.execute(
                    sa.text(
                        f"insert into {table} ({', '.join(columns)}) values "
                        f"({', '.join(':' + c for c in columns)})"
                    ),
                    rows,
                )
    engine.dispose()
    # The ingest reads as production does: a read-only role made by ops/bin/postgres-roles from this URL.
    reader = f"{name}_reader"
    roles = _postgres_roles()
    admin_url = PG_ADMIN.replace("+psycopg2", "")
    missing = roles.ensure_reader(admin_url, roles.Login(reader, None, name), roles.orders_tables())
    assert missing == []
    yield f"postgresql://{reader}@127.0.0.1:5432/{name}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'drop database "{name}" with (force)'))
        conn.execute(sa.text(f'drop role "{reader}"'))
    admin.dispose()


def _postgres_roles():
    spec = importlib.util.spec_from_file_location("ops_postgres_roles", REPO / "ops" / "postgres_roles.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["ops_postgres_roles"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_sqlite_and_postgres_load_the_same_orders(demo_sources: Path, pg_orders: str, tmp_path: Path) -> None:
    window = (START, date.fromordinal(START.toordinal() + DAYS - 1))
    results = {}
    for label, url in {
        "sqlite": f"sqlite:///{demo_sources / 'orders' / 'orders.sqlite'}",
        "postgres": pg_orders,
    }.items():
        con = duckdb.connect(str(tmp_path / f"{label}.duckdb"))
        counts = load_tables(con, ORDERS, window, label, demo_sources, tmp_path / "none", url)
        results[label] = (
            {t: (c.read, c.loaded, c.quarantined) for t, c in counts.items()},
            {t: checksum(con, t) for t in ORDERS},
            con.execute(
                "select round(sum(line_amount), 2), sum(quantity) from raw.orders_order_lines"
            ).fetchone(),
            con.execute("select round(sum(amount), 2) from raw.orders_refunds").fetchone(),
            con.execute(
                "select count(*) from raw.orders_orders o join raw.orders_customers c on o.customer_id = c.id"
            ).fetchone(),
        )
        con.close()
    assert results["sqlite"] == results["postgres"]
    assert results["sqlite"][0]["orders_order_lines"][1] > 0
