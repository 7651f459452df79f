"""Copying the raw schema of a DuckDB warehouse into a fresh PostgreSQL database (parity test and benchmark)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import psycopg2

PG_TYPES = {
    "VARCHAR": "text",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "BOOLEAN": "boolean",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "HUGEINT": "numeric",
    "SMALLINT": "smallint",
}
PG_DSN = "host=127.0.0.1 port=5432 user=postgres"


def _pg_type(duck_type: str) -> str:
    if duck_type.startswith("DECIMAL"):
        return duck_type.replace("DECIMAL", "numeric")
    return PG_TYPES[duck_type]


@contextmanager
def scratch_database(prefix: str = "kpi_test") -> Iterator[str]:
    """A new, empty PostgreSQL database named <prefix>_<uuid>, dropped on exit."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(f"{PG_DSN} dbname=postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'create database "{name}"')
        yield name
    finally:
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


def copy_raw_schema(warehouse: Path, database: str) -> dict[str, int]:
    """Create schemas raw and profile in the PG database with the DuckDB tables' columns and rows; row counts."""
    counts: dict[str, int] = {}
    with (
        duckdb.connect(str(warehouse), read_only=True) as duck,
        psycopg2.connect(f"{PG_DSN} dbname={database}") as pg,
        pg.cursor() as cur,
    ):
        for schema in ("raw", "profile"):
            cur.execute(f"create schema if not exists {schema}")
            tables = [
                r[0]
                for r in duck.execute(
                    "select table_name from information_schema.tables where table_schema = ? order by 1",
                    [schema],
                ).fetchall()
            ]
            for table in tables:
                columns = duck.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, table],
                ).fetchall()
                ddl = ", ".join(f'"{c}" {_pg_type(t)}' for c, t in columns)
                cur.execute(
                    f'drop table if exists {schema}."{table}"; create table {schema}."{table}" ({ddl})'
                )
                buffer = io.StringIO()
                frame = duck.execute(f'select * from {schema}."{table}"').df()
                frame.to_csv(
                    buffer, index=False, header=False, na_rep="\\N", date_format="%Y-%m-%d %H:%M:%S.%f"
                )
                buffer.seek(0)
                cur.copy_expert(f"copy {schema}.\"{table}\" from stdin with (format csv, null '\\N')", buffer)
                counts[table if schema == "raw" else f"{schema}.{table}"] = len(frame)
    return counts
