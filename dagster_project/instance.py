"""The Dagster instance configuration (DAGSTER_HOME/dagster.yaml), written from the environment in one place."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from dagster_project.environment import REPO_ROOT


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME", REPO_ROOT / "data" / "dagster_home")).resolve()


PG_PASSWORD_VAR = "KPI_DAGSTER_PG_PASSWORD"


def postgres_db_config(pg_url: str) -> dict:
    """Dagster's `postgres_db` storage block for a password-less URL; the password stays an env reference."""
    from sqlalchemy.engine import make_url

    url = make_url(pg_url)
    if url.password:
        raise ValueError(
            f"KPI_DAGSTER_PG_URL carries a password: set it in {PG_PASSWORD_VAR} instead "
            "(dagster.yaml is written from the URL and must not hold the password)"
        )
    block: dict = {
        "username": url.username or "postgres",
        "hostname": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "db_name": url.database,
        # SQLAlchemy 2.1 needs the driver spelled out.
        "scheme": "postgresql+psycopg2",
    }
    if url.query:
        block["params"] = dict(url.query)
    if os.environ.get(PG_PASSWORD_VAR):
        # Dagster reads the variable when it opens the storage: the file names the variable, never the value.
        block["password"] = {"env": PG_PASSWORD_VAR}
    return block


def instance_config() -> dict:
    """Local storage by default; PostgreSQL run/event/schedule storage when KPI_DAGSTER_PG_URL is set (its password
    in KPI_DAGSTER_PG_PASSWORD)."""
    config: dict = {
        "telemetry": {"enabled": False},
        # DuckDB allows one writer per file: one run at a time, one writing step at a time.
        # The daemon fails runs whose worker died and frees the pool slots they held.
        "run_monitoring": {
            "enabled": True,
            "poll_interval_seconds": 30,
            "free_slots_after_run_end_seconds": 30,
        },
        "concurrency": {
            "pools": {"default_limit": 1, "granularity": "op"},
            "runs": {"max_concurrent_runs": 1},
        },
    }
    pg_url = os.environ.get("KPI_DAGSTER_PG_URL")
    if pg_url:
        config["storage"] = {"postgres": {"postgres_db": postgres_db_config(pg_url)}}
    else:
        # Dagster's default SQLite layout, with the event log kept-engine and fsync-free (dagster_project/storage.py).
        home = str(dagster_home())
        config["run_storage"] = {
            "module": "dagster._core.storage.runs",
            "class": "SqliteRunStorage",
            "config": {"base_dir": f"{home}/history"},
        }
        config["event_log_storage"] = {
            "module": "dagster_project.storage",
            "class": "KeptEngineSqliteEventLogStorage",
            "config": {"base_dir": f"{home}/history/runs"},
        }
        config["schedule_storage"] = {
            "module": "dagster._core.storage.schedules",
            "class": "SqliteScheduleStorage",
            "config": {"base_dir": f"{home}/schedules"},
        }
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
    # The per-day materializations of a range run are stored in batches (dagster_project/storage.py).
    os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", "1000")
    return home
