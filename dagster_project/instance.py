"""The Dagster instance configuration (DAGSTER_HOME/dagster.yaml), written from the environment in one place."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from dagster_project.environment import REPO_ROOT


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME", REPO_ROOT / "data" / "dagster_home")).resolve()


def instance_config() -> dict:
    """Local storage by default; PostgreSQL run/event/schedule storage when KPI_DAGSTER_PG_URL is set."""
    config: dict = {
        "telemetry": {"enabled": False},
        # DuckDB allows one writer per file: one run at a time, one writing step at a time.
        # The daemon fails runs whose worker died and frees the pool slots they held.
        "run_monitoring": {"enabled": True, "poll_interval_seconds": 30, "free_slots_after_run_end_seconds": 30},
        "concurrency": {
            "pools": {"default_limit": 1, "granularity": "op"},
            "runs": {"max_concurrent_runs": 1},
        },
    }
    pg_url = os.environ.get("KPI_DAGSTER_PG_URL")
    if pg_url:
        # SQLAlchemy 2.1 needs the driver spelled out in the URL.
        if pg_url.startswith("postgresql://"):
            pg_url = "postgresql+psycopg2://" + pg_url[len("postgresql://"):]
        config["storage"] = {"postgres": {"postgres_url": pg_url}}
    return config


def write_instance_config() -> Path:
    """Write dagster.yaml into DAGSTER_HOME (idempotent) and return the home folder."""
    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    text = yaml.safe_dump(instance_config(), sort_keys=True)
    if not target.exists() or target.read_text() != text:
        target.write_text(text)
    os.environ["DAGSTER_HOME"] = str(home)
    # One planned event per asset for a day range rather than one per asset per day (see ops/bin/*).
    os.environ.setdefault("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", "true")
    return home



def relax_sqlite_durability() -> None:
    """Skip fsync on the embedded (SQLite) instance storage, which otherwise dominates a day-range run.

    Dagster writes one event per asset per partition day and commits each; on SQLite every commit waits for the
    disk (~15 ms here), so a two-year build spent minutes on bookkeeping. `synchronous=OFF` keeps the database
    safe from a crashed process (only an OS crash or power cut can lose the last events). PostgreSQL storage
    (KPI_DAGSTER_PG_URL) is unaffected.
    """
    global _RELAXED
    if _RELAXED:
        return
    import sqlalchemy as sa

    @sa.event.listens_for(sa.engine.Engine, "connect")
    def _no_fsync(dbapi_connection, _record) -> None:
        if type(dbapi_connection).__module__.startswith("sqlite3"):
            cursor = dbapi_connection.cursor()
            cursor.execute("pragma synchronous = off")
            cursor.close()

    _RELAXED = True


_RELAXED = False
