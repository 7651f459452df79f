"""Reading the operational orders database (SQLite or PostgreSQL) by updated_at window, in batches."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from dagster_project.defs.ingest.landing import InputError
from dagster_project.defs.ingest.readers import _text
from dagster_project.defs.ingest.spec import SourceSpec

BATCH_ROWS = 100_000


def engine_for(url: str) -> sa.Engine:
    """An engine that only reads: an SQLite file is opened read-only and must exist (it is never created)."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url[len("postgresql://") :]
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if not parsed.database or not path.is_file():
            raise InputError(
                f"{path}: orders database not found (setting KPI_ORDERS_DB_URL={url}); point the setting at the "
                f"database, or set sources.orders: false in the company profile (KPI_PROFILE) if there is none"
            )
        return sa.create_engine(
            "sqlite://",
            poolclass=sa.pool.NullPool,
            creator=lambda: sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True),
        )
    return sa.create_engine(url, poolclass=sa.pool.NullPool, execution_options={"postgresql_readonly": True})


def _column(values: tuple) -> pa.Array:
    """One fetched column as strings; Arrow converts typed columns, mixed SQLite values fall back to str()."""
    try:
        array = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        array = pa.array([_text(v) for v in values], pa.string())
    if pa.types.is_boolean(array.type):
        return pa.array([_text(v) for v in values], pa.string())
    return array if pa.types.is_string(array.type) else pc.cast(array, pa.string())


# An updated_at in the documented form `YYYY-MM-DD HH:MM:SS…`, which SQLite compares correctly as text.
CANONICAL = "typeof(updated_at) = 'text' and updated_at glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] *'"
# Any other SQLite value still has a day: ISO text with a `T` or an offset, or Unix seconds; none → first day.
OTHER_DAY = (
    "coalesce(case when typeof(updated_at) in ('integer', 'real') or updated_at not glob '*[^0-9.]*' "
    "then date(updated_at, 'unixepoch') when typeof(updated_at) = 'text' then date(updated_at) end, :first)"
)


def _window_query(engine: sa.Engine, spec: SourceSpec) -> sa.TextClause:
    columns = ", ".join(f'"{c.source}"' for c in spec.columns)
    day = "substr(updated_at, 1, 10)" if engine.dialect.name == "sqlite" else "cast(updated_at as date)"
    in_window = (
        f'select {columns}, {day} as _day from "{spec.table}" where updated_at >= :lo and updated_at < :hi'
    )

    if engine.dialect.name != "sqlite":
        # a typed timestamp column: PostgreSQL casts the bounds to the column's type
        return sa.text(f"{in_window} order by id")
    # SQLite stores whatever it is given: rows whose updated_at is not in the documented form are read on the day
    # it names (or, when it names none, with the first partition) and quarantined by the loader's type rules.
    return sa.text(
        f"select * from ({in_window} and {CANONICAL}) union all "
        f'select {columns}, {OTHER_DAY} as _day from "{spec.table}" '
        f"where not ({CANONICAL}) and {OTHER_DAY} >= :lo_day and {OTHER_DAY} <= :hi_day order by id"
    )


def read_window(engine: sa.Engine, spec: SourceSpec, start: date, end: date) -> Iterator[pa.Table]:
    """Rows of `spec.table` whose updated_at falls in [start, end], as string batches with their partition day.

    `_raw` stays NULL: the loader renders a database row's raw text as JSON of its columns, only in SQL.
    """
    from dagster_project.environment import settings

    names = [c.name for c in spec.columns]
    query = _window_query(engine, spec)
    params = {
        "lo": f"{start.isoformat()} 00:00:00",
        "hi": f"{(end + timedelta(days=1)).isoformat()} 00:00:00",
        "lo_day": start.isoformat(),
        "hi_day": end.isoformat(),
        "first": settings().start_date.isoformat(),
    }
    params = {k: v for k, v in params.items() if f":{k}" in str(query)}
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True).execute(query, params)
        while batch := result.fetchmany(BATCH_ROWS):
            columns = list(zip(*batch))
            data = {name: _column(values) for name, values in zip(names, columns)}
            rows = len(batch)
            data["_source"] = pa.array([f"orders:{spec.table}"] * rows, pa.string())
            data["_source_line"] = pa.nulls(rows, pa.int64())
            data["_raw"] = pa.nulls(rows, pa.string())
            data["_parse_error"] = pa.nulls(rows, pa.string())
            data["_partition_date"] = pa.array([str(d) for d in columns[-1]], pa.string())
            yield pa.table(data)
