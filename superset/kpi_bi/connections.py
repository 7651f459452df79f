"""The one database Superset may connect to (the serving snapshot) and the DuckDB settings it is opened with."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any


def serving_duckdb_config() -> dict[str, Any]:
    """DuckDB settings of every connection to the serving snapshot, locked so that no query can change them."""
    return {
        # No files, URLs, ATTACH, COPY or INSTALL from SQL.
        "enable_external_access": False,
        "memory_limit": os.environ.get("KPI_BI_DUCKDB_MEMORY_LIMIT", "1GB"),
        "threads": int(os.environ.get("KPI_BI_DUCKDB_THREADS", "2")),
        # SET / PRAGMA / RESET of any option fails from here on.
        "lock_configuration": True,
    }


def only_serving_database(serving_uri: str) -> Callable[[Any], None]:
    """DB_SQLA_URI_VALIDATOR: refuse every connection but the serving snapshot (checked on each engine Superset makes)."""
    from sqlalchemy.engine.url import make_url

    allowed = make_url(serving_uri)

    def validate(uri: Any) -> None:
        if uri.get_backend_name() != allowed.get_backend_name() or (uri.database or "") != (
            allowed.database or ""
        ):
            raise ValueError("this Superset connects only to the serving snapshot (KPI_SERVING_PATH)")

    return validate


def query_timeout_seconds() -> float:
    """How long one chart or SQL Lab query may run on the serving snapshot (KPI_BI_QUERY_TIMEOUT_SECONDS)."""
    return float(os.environ.get("KPI_BI_QUERY_TIMEOUT_SECONDS", "60"))


_timeout_installed = False


def install_query_timeout() -> None:
    """Interrupt a DuckDB query that runs past the limit, from a timer thread.

    Superset's SQL Lab timeout is a SIGALRM, which never fires in gunicorn's threaded workers; DuckDB's own
    `interrupt()` works from any thread. The timer starts with `execute` and stops when the rows are fetched."""
    global _timeout_installed
    if _timeout_installed:
        return
    import logging
    import threading

    from superset.db_engine_specs.duckdb import DuckDBEngineSpec

    log = logging.getLogger("kpi_bi.connections")
    execute = DuckDBEngineSpec.execute.__func__
    fetch_data = DuckDBEngineSpec.fetch_data.__func__

    def _interrupt(cursor: Any) -> None:
        try:
            cursor.interrupt()
            log.warning(
                "query interrupted after %.0f s (KPI_BI_QUERY_TIMEOUT_SECONDS)", query_timeout_seconds()
            )
        except Exception as exc:  # noqa: BLE001 - the cursor may be closed already; nothing left to stop
            log.debug("nothing to interrupt: %s", exc)

    def _stop(cursor: Any) -> None:
        timer = getattr(cursor, "_kpi_timer", None)
        if timer is not None:
            timer.cancel()

    def timed_execute(cls, cursor, query, database, **kwargs):
        _stop(cursor)
        timer = threading.Timer(query_timeout_seconds(), _interrupt, args=(cursor,))
        timer.daemon = True
        cursor._kpi_timer = timer
        timer.start()
        try:
            return execute(cls, cursor, query, database, **kwargs)
        except BaseException:
            timer.cancel()
            raise

    def timed_fetch_data(cls, cursor, *args, **kwargs):
        try:
            return fetch_data(cls, cursor, *args, **kwargs)
        finally:
            _stop(cursor)

    DuckDBEngineSpec.execute = classmethod(timed_execute)
    DuckDBEngineSpec.fetch_data = classmethod(timed_fetch_data)
    _timeout_installed = True
