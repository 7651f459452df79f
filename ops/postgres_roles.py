"""One PostgreSQL login per application, each with the least it needs, made from the URLs the applications use.

- Superset's metadata (`SUPERSET_DATABASE_URI`) and Dagster's storage (`KPI_DAGSTER_PG_URL`, password in
  `KPI_DAGSTER_PG_PASSWORD`): a non-superuser role that owns its own database and nothing else; nobody else may
  connect to that database.
- The orders reader (`KPI_ORDERS_DB_URL`): SELECT on the orders tables the ingest specs read (`format: sql`), in a
  database the role does not own, and read-only transactions by default.

Run it with a superuser URL in `KPI_PG_ADMIN_URL` (and `KPI_ORDERS_PG_ADMIN_URL` when the orders database lives
on another server). Running it again changes nothing but the passwords, which it sets to the URLs' (rotation).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# Everything a login of one application must never be able to do on the server.
_LIMITED = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS"


# Tables, views, free-standing sequences and enum types of `public` owned by another role are handed to the owner;
# a sequence that belongs to a table column follows its table.
_HAND_OVER = """
DO $$
DECLARE
    item record;
    target text := %(role)s;
BEGIN
    FOR item IN
        SELECT c.relname AS name,
               CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                              ELSE 'TABLE' END AS kind
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public'
          AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
          AND pg_get_userbyid(c.relowner) <> target
          AND NOT (c.relkind = 'S' AND EXISTS (
              SELECT 1 FROM pg_depend d
              WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
    LOOP
        EXECUTE format('ALTER %%s public.%%I OWNER TO %%I', item.kind, item.name, target);
    END LOOP;
    FOR item IN
        SELECT t.typname AS name
        FROM pg_type t
        JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' AND t.typtype = 'e' AND pg_get_userbyid(t.typowner) <> target
    LOOP
        EXECUTE format('ALTER TYPE public.%%I OWNER TO %%I', item.name, target);
    END LOOP;
END
$$
"""


@dataclass(frozen=True)
class Login:
    """A role, its password and the database it is for, as read from an application's URL."""

    role: str
    password: str | None
    database: str

    @classmethod
    def from_url(cls, url: str, password: str | None = None) -> Login:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        if not parsed.username or not parsed.database:
            raise ValueError(
                f"{parsed.render_as_string(hide_password=True)}: a role and a database are needed"
            )
        if parsed.username == "postgres":
            raise ValueError(
                f"{parsed.database}: give the application its own role, not the superuser 'postgres'"
            )
        return cls(parsed.username, password or parsed.password, parsed.database)


def _connect(admin_url: str, database: str | None = None):
    import psycopg2
    from sqlalchemy.engine import make_url

    url = make_url(admin_url)
    if database:
        url = url.set(database=database)
    con = psycopg2.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database or "postgres",
    )
    con.autocommit = True
    return con


def _ensure_role(cur, login: Login) -> None:
    from psycopg2 import sql

    cur.execute("select 1 from pg_roles where rolname = %s", (login.role,))
    verb = "ALTER" if cur.fetchone() else "CREATE"
    statement = sql.SQL(f"{verb} ROLE {{}} {_LIMITED}").format(sql.Identifier(login.role))
    if login.password:
        statement += sql.SQL(" PASSWORD {}").format(sql.Literal(login.password))
    cur.execute(statement)


def ensure_owner(admin_url: str, login: Login) -> None:
    """The application's role owns its database (created when missing); no other role may connect to it."""
    from psycopg2 import sql

    con = _connect(admin_url)
    try:
        cur = con.cursor()
        _ensure_role(cur, login)
        ident = sql.Identifier(login.database)
        cur.execute("select 1 from pg_database where datname = %s", (login.database,))
        if cur.fetchone():
            cur.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(ident, sql.Identifier(login.role)))
        else:
            cur.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(ident, sql.Identifier(login.role)))
        # PUBLIC may connect to every new database by default: another application's role could then read it.
        cur.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(ident))
    finally:
        con.close()
    con = _connect(admin_url, login.database)
    try:
        cur = con.cursor()
        # The owner's schema: before PostgreSQL 15 every role could create objects in `public`.
        cur.execute(
            sql.SQL("ALTER SCHEMA public OWNER TO {}; REVOKE CREATE ON SCHEMA public FROM PUBLIC").format(
                sql.Identifier(login.role)
            )
        )
        # A database the application used as another role (the superuser, before this script) keeps working:
        # what that role created in `public` passes to the application's role.
        cur.execute(_HAND_OVER, {"role": login.role})
    finally:
        con.close()


def orders_tables() -> list[str]:
    """The tables the ingest reads from the orders database: every `format: sql` spec, built in or mapped."""
    from dagster_project.defs.ingest.spec import builtin_specs, mapping_specs
    from dagster_project.environment import settings

    specs = [*builtin_specs().values(), *mapping_specs(settings().mappings_dir)]
    return sorted({spec.table for spec in specs if spec.format == "sql" and spec.table})


def ensure_reader(admin_url: str, login: Login, tables: list[str]) -> list[str]:
    """SELECT on exactly `tables` (those that exist) and read-only sessions; returns the tables not found."""
    from psycopg2 import sql

    con = _connect(admin_url)
    try:
        cur = con.cursor()
        _ensure_role(cur, login)
        cur.execute(
            sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(sql.Identifier(login.role))
        )
        cur.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(login.database), sql.Identifier(login.role)
            )
        )
    finally:
        con.close()
    con = _connect(admin_url, login.database)
    missing = []
    try:
        cur = con.cursor()
        for table in tables:
            cur.execute("select to_regclass(%s)", (table,))
            qualified = cur.fetchone()[0]
            if qualified is None:
                missing.append(table)
                continue
            cur.execute(
                "select relnamespace::regnamespace::text from pg_class where oid = %s::regclass", (table,)
            )
            schema = cur.fetchone()[0]
            cur.execute(
                sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(
                    sql.Identifier(schema), sql.Identifier(login.role)
                )
            )
            cur.execute(
                sql.SQL("GRANT SELECT ON {} TO {}").format(
                    sql.SQL(str(qualified)) if "." in str(qualified) else sql.Identifier(str(qualified)),
                    sql.Identifier(login.role),
                )
            )
    finally:
        con.close()
    return missing


def main() -> int:
    admin = os.environ.get("KPI_PG_ADMIN_URL")
    if not admin:
        print("set KPI_PG_ADMIN_URL to a superuser URL of the PostgreSQL server", file=sys.stderr)
        return 2
    done = []
    superset = os.environ.get("SUPERSET_DATABASE_URI", "")
    if superset.startswith("postgresql"):
        login = Login.from_url(superset)
        ensure_owner(admin, login)
        done.append(f"superset: role {login.role} owns database {login.database}")
    dagster = os.environ.get("KPI_DAGSTER_PG_URL", "")
    if dagster.startswith("postgresql"):
        login = Login.from_url(dagster, os.environ.get("KPI_DAGSTER_PG_PASSWORD"))
        ensure_owner(admin, login)
        done.append(f"dagster: role {login.role} owns database {login.database}")
    orders = os.environ.get("KPI_ORDERS_DB_URL", "")
    if orders.startswith("postgresql"):
        login = Login.from_url(orders)
        missing = ensure_reader(os.environ.get("KPI_ORDERS_PG_ADMIN_URL", admin), login, orders_tables())
        done.append(f"orders: role {login.role} reads database {login.database} (read-only)")
        if missing:
            done.append(f"orders: tables not found, not granted: {', '.join(missing)}")
    for line in done or ["no PostgreSQL URL set: nothing to do"]:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
