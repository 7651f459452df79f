"""Reading the operational orders database (SQLite or PostgreSQL) by updated_at window, in batches."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta

import pyarrow as pa
import sqlalchemy as sa

from dagster_project.defs.ingest.readers import _text
from dagster_project.defs.ingest.spec import SourceSpec

BATCH_ROWS = 100_000


def engine_for(url: str) -> sa.Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url[len("postgresql://"):]
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def read_window(engine: sa.Engine, spec: SourceSpec, start: date, end: date) -> Iterator[pa.Table]:
    """Rows of `spec.table` whose updated_at falls in [start, end], as string batches with their partition day."""
    names = [c.name for c in spec.columns]
    columns = ", ".join(f'"{c.source}"' for c in spec.columns)
    query = sa.text(
        f'select {columns} from "{spec.table}" where updated_at >= :lo and updated_at < :hi order by id'
    )
    params = {"lo": f"{start.isoformat()} 00:00:00", "hi": f"{(end + timedelta(days=1)).isoformat()} 00:00:00"}
    with engine.connect() as conn:
        # Text timestamps compare as text in SQLite; PostgreSQL casts the bounds to the column's type.
        result = conn.execution_options(stream_results=True).execute(query, params)
        while batch := result.fetchmany(BATCH_ROWS):
            data: dict[str, list] = {name: [] for name in names}
            raws, days = [], []
            for row in batch:
                record = dict(zip(names, row))
                for name in names:
                    data[name].append(_text(record[name]))
                raws.append(json.dumps({k: _text(v) for k, v in record.items()}, sort_keys=True))
                days.append(_text(record["updated_at"])[:10])
            data["_source"] = [f"orders:{spec.table}"] * len(batch)
            data["_source_line"] = pa.nulls(len(batch), pa.int64())
            data["_raw"] = raws
            data["_parse_error"] = [None] * len(batch)
            data["_partition_date"] = days
            yield pa.table(data)
