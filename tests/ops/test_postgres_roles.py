"""Each application's PostgreSQL role (ops/bin/postgres-roles) can do its job and nothing another role's job needs."""

from __future__ import annotations

import os
import subprocess
import uuid
from contextlib import closing
from pathlib import Path

import dagster as dg
import psycopg2
import pytest
import yaml
from psycopg2 import errors

from dagster_project.instance import instance_config, write_instance_config

REPO = Path(__file__).resolve().parents[2]
ADMIN = os.environ.get("KPI_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
HOST = "127.0.0.1:5432"
# Real PostgreSQL roles and a Dagster instance migrating its schema: ~40 s.
pytestmark = pytest.mark.e2e


def _admin(database: str = "postgres"):
    con = psycopg2.connect(ADMIN.rsplit("/", 1)[0] + "/" + database)
    con.autocommit = True
    return con


def _as(role: str, database: str):
    con = psycopg2.connect(f"postgresql://{role}@{HOST}/{database}")
    con.autocommit = True
    return con


@pytest.fixture(scope="module")
def cluster():
    """Three applications' roles and databases with a unique suffix, made by the project's script, then dropped."""
    tag = uuid.uuid4().hex[:10]
    names = {
        "superset": (f"kpi_superset_{tag}", f"superset_{tag}"),
        "dagster": (f"kpi_dagster_{tag}", f"dagster_{tag}"),
        "orders": (f"kpi_orders_{tag}", f"orders_{tag}"),
    }
    orders_db = names["orders"][1]
    with closing(_admin()) as con:
        con.cursor().execute(f"create database {orders_db}")
        # Superset's database already exists, made by the superuser as before this script (an upgrade).
        con.cursor().execute(f"create database {names['superset'][1]}")
    with closing(_admin(names["superset"][1])) as con:
        con.cursor().execute(
            "create type report_state as enum ('ok', 'error');"
            "create table logs (id serial primary key, state report_state);"
            "create view recent_logs as select * from logs;"
            "create sequence free_counter;"
            "insert into logs (state) values ('ok');"
        )
    con = _admin(orders_db)
    con.cursor().execute(
        # The company's operational schema: tables the ingest reads, and one it does not (payroll).
        "create table orders (id bigint primary key, total numeric);"
        "create table order_lines (order_id bigint, qty int);"
        "create table payroll (rep text, salary numeric);"
        "insert into orders values (1, 10.5), (2, 20);"
    )
    con.close()
    env = {
        **os.environ,
        "KPI_PG_ADMIN_URL": ADMIN,
        "SUPERSET_DATABASE_URI": f"postgresql+psycopg2://{names['superset'][0]}:s3cret@{HOST}/{names['superset'][1]}",
        "KPI_DAGSTER_PG_URL": f"postgresql://{names['dagster'][0]}@{HOST}/{names['dagster'][1]}",
        "KPI_DAGSTER_PG_PASSWORD": "d4gster-secret",
        "KPI_ORDERS_DB_URL": f"postgresql://{names['orders'][0]}:r3ader@{HOST}/{orders_db}",
    }
    runs = [
        subprocess.run(
            [str(REPO / "ops/bin/postgres-roles")], env=env, capture_output=True, text=True, check=False
        )
        for _ in range(2)  # idempotent: the second run finds everything in place
    ]
    try:
        for run in runs:
            assert run.returncode == 0, run.stderr
        assert "tables not found, not granted: customers, products, refunds" in runs[-1].stdout
        assert "s3cret" not in runs[-1].stdout + runs[-1].stderr
        yield names
    finally:
        con = _admin()
        cur = con.cursor()
        for role, database in names.values():
            cur.execute(f"drop database if exists {database} with (force)")
        for role, _ in names.values():
            cur.execute(f"drop role if exists {role}")
        con.close()


def test_no_application_role_has_server_powers(cluster):
    with closing(_admin()) as con:
        cur = con.cursor()
        for role, _ in cluster.values():
            cur.execute(
                "select rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin"
                " from pg_roles where rolname = %s",
                (role,),
            )
            assert cur.fetchone() == (False, False, False, False, False, True), role


@pytest.mark.parametrize(
    ("who", "whose"),
    [("dagster", "superset"), ("superset", "dagster"), ("orders", "superset"), ("orders", "dagster")],
)
def test_a_role_cannot_open_another_applications_database(cluster, who, whose):
    with pytest.raises(psycopg2.OperationalError, match="permission denied for database"):
        _as(cluster[who][0], cluster[whose][1])


@pytest.mark.parametrize("app", ["superset", "dagster"])
def test_an_application_role_owns_its_own_database(cluster, app):
    role, database = cluster[app]
    con = _as(role, database)
    cur = con.cursor()
    cur.execute("create table migrations_probe (id int); insert into migrations_probe values (1)")
    cur.execute("select count(*) from migrations_probe")
    assert cur.fetchone() == (1,)
    for statement in (f"create database {database}_more", f"create role {role}_more"):
        with pytest.raises(errors.InsufficientPrivilege):
            cur.execute(statement)
    con.close()


def test_the_orders_reader_reads_the_declared_tables_and_writes_nothing(cluster):
    role, database = cluster["orders"]
    con = _as(role, database)
    cur = con.cursor()
    cur.execute("select sum(total) from orders")
    assert float(cur.fetchone()[0]) == 30.5
    # Read-only by privilege, not only by the session default it could switch off.
    cur.execute("set default_transaction_read_only = off")
    for statement in (
        "insert into orders values (3, 1)",
        "update orders set total = 0",
        "delete from orders",
        "truncate orders",
        "create table stolen as select * from orders",
        "select * from payroll",
    ):
        with pytest.raises(errors.InsufficientPrivilege):
            cur.execute(statement)
    con.close()
    with closing(_admin(database)) as admin:
        admin.cursor().execute("select count(*), sum(total) from orders")


def test_dagster_storage_runs_as_its_role_and_dagster_yaml_holds_no_password(cluster, tmp_path, monkeypatch):
    role, database = cluster["dagster"]
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    monkeypatch.setenv("KPI_DAGSTER_PG_URL", f"postgresql://{role}@{HOST}/{database}")
    monkeypatch.setenv("KPI_DAGSTER_PG_PASSWORD", "pw-from-the-environment")
    write_instance_config()
    text = (tmp_path / "dagster.yaml").read_text()
    assert "pw-from-the-environment" not in text
    assert yaml.safe_load(text)["storage"]["postgres"]["postgres_db"]["password"] == {
        "env": "KPI_DAGSTER_PG_PASSWORD"
    }

    @dg.asset
    def probe() -> int:
        return 1

    # Dagster migrates and writes its schema as the application's role, the password resolved from the environment.
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert "pw-from-the-environment" in instance.run_storage.postgres_url
        result = dg.materialize([probe], instance=instance)
        assert result.success
        assert instance.get_latest_materialization_event(probe.key).run_id == result.run_id
    with closing(_admin(database)) as admin:
        cur = admin.cursor()
        cur.execute("select tableowner from pg_tables where tablename = 'runs'")
        assert cur.fetchone() == (role,)


def test_a_password_in_the_dagster_url_is_refused(monkeypatch):
    monkeypatch.setenv("KPI_DAGSTER_PG_URL", "postgresql://kpi_dagster:secret@db:5432/dagster")
    with pytest.raises(ValueError, match="KPI_DAGSTER_PG_PASSWORD"):
        instance_config()


def test_an_existing_database_passes_to_the_application_role(cluster):
    role, database = cluster["superset"]
    con = _as(role, database)
    cur = con.cursor()
    # What the superuser made before keeps working for the application, which now owns it.
    cur.execute("insert into logs (state) values ('error') returning id")
    assert cur.fetchone() == (2,)
    cur.execute("select count(*) from recent_logs")
    assert cur.fetchone() == (2,)
    cur.execute("select nextval('free_counter')")
    cur.execute("alter table logs add column note text")  # migrations alter their tables
    con.close()
    with closing(_admin(database)) as admin:
        cur = admin.cursor()
        cur.execute(
            "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname = 'public' and pg_get_userbyid(c.relowner) <> %s",
            (role,),
        )
        assert cur.fetchone() == (0,)
