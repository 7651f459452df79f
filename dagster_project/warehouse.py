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


def duckdb_config() -> dict[str, str]:
    """Settings of every DuckDB connection the pipeline opens: KPI_DUCKDB_MEMORY_LIMIT bounds its memory."""
    from dagster_project.environment import settings

    return {"memory_limit": settings().duckdb_memory_limit}


class WarehouseError(RuntimeError):
    """A warehouse file DuckDB cannot open; everything in it is rebuilt from the sources."""

    def __init__(self, path: str, cause: Exception):
        first = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
        super().__init__(
            f"{path}: the warehouse cannot be opened ({first}). It holds nothing that is not rebuilt from the "
            f"sources: `kpi build --rebuild` moves it aside and builds a new one (setting KPI_WAREHOUSE_PATH)"
        )


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse DuckDB file that the pipeline alone owns."""

    path: str

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if not read_only:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(self.path, read_only=read_only, config=duckdb_config())
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise  # another process holds it: waiting is the answer, not a rebuild
            raise WarehouseError(self.path, exc) from None
        except duckdb.Error as exc:
            raise WarehouseError(self.path, exc) from None
        try:
            yield con
        finally:
            con.close()
