"""Every path, URL and setting of the project, resolved from environment variables with local defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


class SettingError(ValueError):
    """An environment variable whose value cannot be used; the message names the variable."""


def _date(var: str, default: str) -> date:
    value = os.environ.get(var) or default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SettingError(f"{var}={value!r} is not a date (YYYY-MM-DD)") from None


def _number(var: str, default: str, kind: type = int, low: float | None = None, high: float | None = None):
    value = os.environ.get(var) or default
    try:
        number = kind(value)
    except ValueError:
        raise SettingError(f"{var}={value!r} is not {'an integer' if kind is int else 'a number'}") from None
    if (low is not None and number < low) or (high is not None and number > high):
        raise SettingError(f"{var}={value!r} must lie between {low} and {high}")
    return number


def _encodings(var: str) -> dict[str, str]:
    """`table=encoding,…` (e.g. `ads_yandex_direct=cp1251`): the encoding of a built-in format's files."""
    import codecs

    found = {}
    for item in filter(None, (i.strip() for i in os.environ.get(var, "").split(","))):
        table, _, encoding = item.partition("=")
        try:
            codecs.lookup(encoding.strip())
        except LookupError:
            raise SettingError(f"{var}: {item!r} is not raw_table=encoding with a known encoding") from None
        found[table.strip()] = encoding.strip()
    return found


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    """The project's configuration as read from the environment at one moment."""

    data_dir: Path
    sources_dir: Path
    warehouse_path: Path
    serving_path: Path
    orders_db_url: str
    mappings_dir: Path
    profile_path: Path
    start_date: date
    dbt_project_dir: Path
    dbt_target: str
    duckdb_memory_limit: str
    schedule_hour: int
    schedule_timezone: str
    smtp_host: str
    smtp_port: int
    smtp_user: str | None
    smtp_password: str | None
    smtp_starttls: bool
    mail_from: str
    data_team_emails: tuple[str, ...]
    dagster_url: str
    source_encodings: dict[str, str]
    earliest_plausible_date: date
    future_days_plausible: int
    quarantine_max_share: float
    routes_config_path: Path
    routing_url: str | None
    routes_time_limit_s: float
    routes_workers: int
    map_tile_url: str | None

    @property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def data_docs_dir(self) -> Path:
        """Where the Great Expectations Data Docs site of the quality checks is written."""
        return self.data_dir / "quality" / "data_docs"


def settings() -> Settings:
    """Read the settings now (never at import time, so tests can point them elsewhere)."""
    data_dir = _path("KPI_DATA_DIR", REPO_ROOT / "data")
    sources_dir = _path("KPI_SOURCES_DIR", data_dir / "sources")
    return Settings(
        data_dir=data_dir,
        sources_dir=sources_dir,
        warehouse_path=_path("KPI_WAREHOUSE_PATH", data_dir / "warehouse" / "warehouse.duckdb"),
        serving_path=_path("KPI_SERVING_PATH", data_dir / "warehouse" / "serving.duckdb"),
        orders_db_url=os.environ.get(
            "KPI_ORDERS_DB_URL", f"sqlite:///{sources_dir / 'orders' / 'orders.sqlite'}"
        ),
        mappings_dir=_path("KPI_MAPPINGS_DIR", data_dir / "mappings"),
        # the company's vocabulary (dagster_project/profile.py); the committed demo profile by default
        profile_path=_path("KPI_PROFILE", REPO_ROOT / "profiles" / "demo.yaml"),
        start_date=_date("KPI_START_DATE", "2024-12-01"),
        dbt_project_dir=_path("KPI_DBT_PROJECT_DIR", REPO_ROOT / "dbt_project"),
        dbt_target=os.environ.get("KPI_DBT_TARGET", "duckdb"),
        # DuckDB's buffer memory on every connection the pipeline opens (ingest, dbt, checks, publish); it spills
        # to disk beyond it, so a build's memory stays flat however long the history
        duckdb_memory_limit=os.environ.get("KPI_DUCKDB_MEMORY_LIMIT") or "2GB",
        schedule_hour=_number("KPI_SCHEDULE_HOUR", "6", int, 0, 23),
        schedule_timezone=os.environ.get("KPI_SCHEDULE_TIMEZONE", "UTC"),
        smtp_host=os.environ.get("SMTP_HOST", "127.0.0.1"),
        smtp_port=_number("SMTP_PORT", "25", int, 1, 65535),
        smtp_user=os.environ.get("SMTP_USER") or None,
        smtp_password=os.environ.get("SMTP_PASSWORD") or None,
        smtp_starttls=os.environ.get("SMTP_STARTTLS", "false").lower() == "true",
        mail_from=os.environ.get("SMTP_MAIL_FROM", "kpi-warehouse@localhost"),
        data_team_emails=tuple(
            a.strip()
            for a in os.environ.get("KPI_DATA_TEAM_EMAILS", "data-team@localhost").split(",")
            if a.strip()
        ),
        dagster_url=os.environ.get("KPI_DAGSTER_URL", "http://127.0.0.1:3000"),
        source_encodings=_encodings("KPI_SOURCE_ENCODINGS"),
        # dates outside [earliest, today + future days] are quarantined as implausible, never loaded
        earliest_plausible_date=_date("KPI_EARLIEST_DATE", "2000-01-01"),
        future_days_plausible=_number("KPI_FUTURE_DAYS", "366", int, 0),
        # a table-day with a larger share of its rows quarantined blocks the publish
        quarantine_max_share=_number("KPI_QUARANTINE_MAX_SHARE", "0.05", float, 0, 1),
        routes_config_path=_path(
            "KPI_ROUTES_CONFIG", REPO_ROOT / "dagster_project" / "defs" / "routes" / "routes.yaml"
        ),
        routing_url=os.environ.get("KPI_ROUTING_URL") or None,
        routes_time_limit_s=float(os.environ.get("KPI_ROUTES_TIME_LIMIT_S", "0.2")),
        routes_workers=int(os.environ.get("KPI_ROUTES_WORKERS", str(os.cpu_count() or 1))),
        map_tile_url=os.environ.get("KPI_MAP_TILE_URL") or None,
    )
