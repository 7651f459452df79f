"""The DuckDB warehouse as a Dagster resource: one writer at a time, short-lived connections."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

# Every step that writes the warehouse file runs in this pool; dagster.yaml limits it to one slot, because
# DuckDB lets a single process hold the file read-write.
WRITER_POOL = "duckdb_writer"


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse DuckDB file that the pipeline alone owns."""

    path: str

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if not read_only:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(self.path, read_only=read_only)
        try:
            yield con
        finally:
            con.close()
