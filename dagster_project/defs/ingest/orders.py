"""Reading the operational orders database (SQLite or PostgreSQL) by updated_at window, as a stream of Arrow
batches from an ADBC driver; the database is opened read-only."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from dagster_project.defs.ingest.landing import InputError
from dagster_project.defs.ingest.spec import SourceSpec

# Rows per Arrow batch handed to DuckDB: large enough that per-batch costs vanish, small enough to stay flat.
BATCH_ROWS = 65_536
SETTING = "KPI_ORDERS_DB_URL"


@dataclass
class OrdersDatabase:
    """An open, read-only ADBC connection to the orders database and the SQL dialect it speaks."""

    connection: object
    dialect: str  # "sqlite" or "postgresql"
    error: type[Exception]  # what the driver raises


@contextlib.contextmanager
def open_orders(url: str) -> Iterator[OrdersDatabase]:
    """Connect to the orders database named by a SQLAlchemy-style URL, read-only; an SQLite file must exist."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise InputError(f"{url!r} is not a database URL (setting {SETTING})") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        import adbc_driver_sqlite.dbapi as driver

        path = Path(parsed.database or "")
        if not parsed.database or not path.is_file():
            raise InputError(
                f"{path}: orders database not found (setting {SETTING}={url}); point the setting at the "
                f"database, or set sources.orders: false in the company profile (KPI_PROFILE) if there is none"
            )
        # mode=ro: SQLite neither creates nor writes the file, nor leaves a journal beside it
        connection = driver.connect(f"{path.resolve().as_uri()}?mode=ro")
    elif backend == "postgresql":
        import adbc_driver_postgresql.dbapi as driver

        # libpq takes the URL without SQLAlchemy's `+driver` suffix
        libpq = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            connection = driver.connect(libpq, autocommit=True)
        except driver.Error as exc:
            raise InputError(
                f"orders database cannot be reached (setting {SETTING}): {str(exc).splitlines()[0]}"
            ) from None
        with contextlib.closing(connection.cursor()) as cursor:
            cursor.execute("set default_transaction_read_only = on")
    else:
        raise InputError(
            f"{url}: the orders database must be SQLite (sqlite:///path) or PostgreSQL (postgresql://…), "
            f"not {backend} (setting {SETTING})"
        )
    try:
        yield OrdersDatabase(connection, backend, driver.Error)
    finally:
        connection.close()


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# An updated_at in the documented form `YYYY-MM-DD HH:MM:SS…`, which SQLite compares correctly as text.
CANONICAL = "typeof(updated_at) = 'text' and updated_at glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] *'"
# Any other SQLite value still has a day: ISO text with a `T` or an offset, or Unix seconds; none → first day.
OTHER_DAY = (
    "coalesce(case when typeof(updated_at) in ('integer', 'real') or updated_at not glob '*[^0-9.]*' "
    "then date(updated_at, 'unixepoch') when typeof(updated_at) = 'text' then date(updated_at) end, {first})"
)


def window_query(dialect: str, spec: SourceSpec, start: date, end: date, first_day: date) -> str:
    """SQL selecting every column as text plus `_partition_date`, for rows whose updated_at lies in the window.

    Text because the loader types and validates values itself (a value that does not parse is quarantined with
    its text), and because SQLite may hold a different type in every row of a column.
    """
    if dialect == "postgresql":
        columns = ", ".join(f'cast(_t."{c.source}" as text) as "{c.name}"' for c in spec.columns)
    else:
        # The SQLite driver infers a column's Arrow type from its first batch, and a batch of NULLs reads as
        # integers: every value is sent as '=' || text, NULL as '' (never NULL), and decoded in `_decoded`.
        # Columns are qualified: SQLite reads an unknown "name" as a string literal, not as an error.
        columns = ", ".join(
            f"coalesce('=' || cast(_t.\"{c.source}\" as text), '') as \"{c.name}\"" for c in spec.columns
        )
    lo, hi = _lit(f"{start.isoformat()} 00:00:00"), _lit(f"{(end + timedelta(days=1)).isoformat()} 00:00:00")
    if dialect == "postgresql":
        # a typed timestamp column: PostgreSQL casts the bounds to the column's type
        return (
            f'select {columns}, cast(cast(updated_at as date) as text) as _partition_date from "{spec.table}" as _t '
            f"where updated_at >= {lo} and updated_at < {hi}"
        )
    # SQLite stores whatever it is given: rows whose updated_at is not in the documented form are read on the day
    # it names (or, when it names none, with the first partition) and quarantined by the loader's type rules.
    other_day = OTHER_DAY.format(first=_lit(first_day.isoformat()))
    return (
        f'select {columns}, substr(updated_at, 1, 10) as _partition_date from "{spec.table}" as _t '
        f"where updated_at >= {lo} and updated_at < {hi} and {CANONICAL} union all "
        f'select {columns}, {other_day} as _partition_date from "{spec.table}" as _t '
        f"where not ({CANONICAL}) and {other_day} between {_lit(start.isoformat())} and {_lit(end.isoformat())}"
    )


def _decoded(column: pa.Array) -> pa.Array:
    """An SQLite column sent as '=' || text (NULL as ''), back as text with its NULLs."""
    column = column.cast(pa.string())
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), pc.utf8_slice_codeunits(column, 1))


def read_window(database: OrdersDatabase, spec: SourceSpec, start: date, end: date) -> pa.RecordBatchReader:
    """Rows of `spec.table` whose updated_at falls in [start, end], streamed as string batches with their
    partition day and lineage columns; nothing but one batch is held in memory.

    `_raw` stays NULL: the loader renders a database row's raw text as JSON of its columns, only in SQL.
    """
    from dagster_project.environment import settings

    query = window_query(database.dialect, spec, start, end, settings().start_date)
    cursor = database.connection.cursor()
    if database.dialect == "sqlite":
        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
    try:
        cursor.execute(query)
    except database.error as exc:
        cursor.close()
        raise InputError(
            f"orders database: table {spec.table} cannot be read as {spec.origin} describes it (setting "
            f"{SETTING}): {str(exc).splitlines()[0]}"
        ) from None
    decode = _decoded if database.dialect == "sqlite" else (lambda column: column.cast(pa.string()))
    source = pa.scalar(f"orders:{spec.table}", pa.string())
    batches = cursor.fetch_record_batch()
    schema = pa.schema(
        [
            *[pa.field(c.name, pa.string()) for c in spec.columns],
            pa.field("_partition_date", pa.string()),
            pa.field("_source", pa.string()),
            pa.field("_source_line", pa.int64()),
            pa.field("_raw", pa.string()),
            pa.field("_parse_error", pa.string()),
        ]
    )

    def with_lineage() -> Iterator[pa.RecordBatch]:
        try:
            for batch in batches:
                rows = batch.num_rows
                yield pa.RecordBatch.from_arrays(
                    [
                        *[decode(batch.column(i)) for i in range(len(spec.columns))],
                        batch.column(len(spec.columns)).cast(pa.string()),
                        pa.repeat(source, rows),
                        pa.nulls(rows, pa.int64()),
                        pa.nulls(rows, pa.string()),
                        pa.nulls(rows, pa.string()),
                    ],
                    schema=schema,
                )
        finally:
            cursor.close()

    return pa.RecordBatchReader.from_batches(schema, with_lineage())
