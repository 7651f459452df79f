"""Superset configuration of the sales-KPI warehouse: every setting from environment variables with local defaults."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab

# The bin scripts set PYTHONPATH, but Superset may also load this file by path from elsewhere.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from kpi_bi import celery_signals, connections, rls_guard, sessions, tokens
from kpi_bi.env import secret, settings
from kpi_bi.event_logger import LoggingEventLogger
from superset.tasks.types import FixedExecutor
from superset.utils.log import DBEventLogger

_settings = settings()
_settings.home.mkdir(parents=True, exist_ok=True)
DATA_DIR = str(_settings.home)

SECRET_KEY = secret("SUPERSET_SECRET_KEY", "superset_secret_key")
# Embedded dashboards and async queries are off, but their token secrets must not stay Superset's published
# defaults: switching a feature flag on later would otherwise accept tokens anyone can sign.
GUEST_TOKEN_JWT_SECRET = secret("SUPERSET_GUEST_TOKEN_SECRET", "superset_guest_token_secret")
GLOBAL_ASYNC_QUERIES_JWT_SECRET = secret("SUPERSET_ASYNC_QUERIES_SECRET", "superset_async_queries_secret")
SQLALCHEMY_DATABASE_URI = _settings.database_uri
if _settings.uses_sqlite_metadata:
    # Web workers, Celery worker and beat share one SQLite file: wait for the lock instead of failing at once.
    SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"timeout": 30}}
    # The action log would add a write per request and lock SQLite between processes (KNOWN.md).
    EVENT_LOGGER = LoggingEventLogger()
else:
    EVENT_LOGGER = DBEventLogger()

FEATURE_FLAGS = {
    "ALERT_REPORTS": True,
    # RLS clauses use {{ current_username() }}.
    "ENABLE_TEMPLATE_PROCESSING": True,
    # Dashboards list and open only for the roles their YAML names (kpi_bi.dashboard_access).
    "DASHBOARD_RBAC": True,
    # Alerts in alerts.yaml may notify webhooks.
    "ALERT_REPORT_WEBHOOK": True,
}

# Chart results are cached per serving snapshot (kpi_bi.cache): a publish makes every key new, so the timeout only
# bounds how long an unused entry stays on disk. SUPERSET_DATA_CACHE_TIMEOUT=0 turns the cache off.
_DATA_CACHE_TIMEOUT = int(
    os.environ.get("SUPERSET_DATA_CACHE_TIMEOUT", str(int(timedelta(days=1).total_seconds())))
)
DATA_CACHE_CONFIG = (
    {
        "CACHE_TYPE": "kpi_bi.cache.SnapshotFileSystemCache",
        "CACHE_DIR": str(_settings.home / "cache" / "data"),
        "CACHE_DEFAULT_TIMEOUT": _DATA_CACHE_TIMEOUT,
        "CACHE_THRESHOLD": 5000,
        "KPI_SERVING_PATH": str(_settings.serving_path),
    }
    if _DATA_CACHE_TIMEOUT > 0
    else {"CACHE_TYPE": "NullCache"}
)

# SQL Lab never writes: per-database allow_dml is off in the bundle; CTAS/CVAS would need it too.
SQLLAB_CTAS_NO_LIMIT = False
SQL_MAX_ROW = 100_000
# The serving database is a local DuckDB file; Superset's guard against sqlite:// URIs does not cover duckdb, so
# every engine Superset makes is checked: only the serving snapshot may be connected (kpi_bi/connections.py).
PREVENT_UNSAFE_DB_CONNECTIONS = True
DB_SQLA_URI_VALIDATOR = connections.only_serving_database(_settings.serving_uri)


class CeleryConfig:
    """Celery for alerts and reports: embedded SQLite broker by default, Redis when SUPERSET_CELERY_BROKER_URL is set."""

    broker_url = _settings.broker_url
    result_backend = _settings.result_backend
    imports = ("superset.sql_lab", "superset.tasks.scheduler", "superset.tasks.cache")
    worker_prefetch_multiplier = 1
    task_acks_late = False
    beat_schedule = {  # noqa: RUF012 - Celery reads a plain class
        "reports.scheduler": {
            "task": "reports.scheduler",
            "schedule": crontab(minute="*", hour="*"),
            "options": {"expires": 3600},
        },
        "reports.prune_log": {"task": "reports.prune_log", "schedule": crontab(minute=0, hour=0)},
    }
    beat_schedule_filename = str(_settings.home / "celerybeat-schedule")


CELERY_CONFIG = CeleryConfig

ALERT_REPORTS_NOTIFICATION_DRY_RUN = False
ALERT_REPORTS_EXECUTORS = [FixedExecutor(_settings.admin_username)]
ALERT_REPORTS_WORKING_TIME_OUT_KILL = True
# Superset puts one space between the prefix and the subject.
EMAIL_REPORTS_SUBJECT_PREFIX = "[Sales KPI]"
# Webhooks must be HTTPS unless explicitly relaxed (a loopback sink in tests, an internal relay).
ALERT_REPORTS_WEBHOOK_HTTPS_ONLY = (
    os.environ.get("ALERT_REPORTS_WEBHOOK_HTTPS_ONLY", "true").lower() == "true"
)
# Slack recipients in alerts.yaml are provisioned only when this is set.
SLACK_API_TOKEN = os.environ.get("SLACK_API_TOKEN") or None

SMTP_HOST = os.environ.get("SMTP_HOST", "127.0.0.1")
SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
SMTP_USER = os.environ.get("SMTP_USER") or None
SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD") or None
SMTP_STARTTLS = os.environ.get("SMTP_STARTTLS", "false").lower() == "true"
SMTP_SSL = os.environ.get("SMTP_SSL", "false").lower() == "true"
SMTP_MAIL_FROM = os.environ.get("SMTP_MAIL_FROM", "kpi-warehouse@localhost")

# Screenshots for PNG/PDF reports through Debian's chromium (scripts/install_chromium.sh).
WEBDRIVER_TYPE = "chrome"
WEBDRIVER_OPTION_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
# No binary_location here: Superset 6.1 passes it on to WebDriver(), which rejects it ("unexpected keyword
# argument"); Debian's chromedriver finds /usr/bin/chromium itself. CHROMIUM_BIN only feeds the start-up check.
CHROMIUM_BIN = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
WEBDRIVER_CONFIGURATION = {
    "options": {"capabilities": {}, "preferences": {}},
    "service": {
        "executable_path": os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver"),
        "log_output": "/dev/null",
        "service_args": [],
        "port": 0,
        "env": {},
    },
}
# Report screenshots capture the page within the browser window; dashboard pages are as tall as their content
# (kpi_bi.layout.STANDALONE_CSS), so a tall window only keeps a long dashboard from being cut, never adds blank.
WEBDRIVER_WINDOW = {"dashboard": (1600, 3200), "slice": (3000, 1200), "pixel_density": 1}
WEBDRIVER_BASEURL = _settings.webdriver_baseurl
WEBDRIVER_BASEURL_USER_FRIENDLY = _settings.public_base_url
SCREENSHOT_LOAD_WAIT = int(timedelta(seconds=60).total_seconds())
# A cold dashboard page on a busy 2-core host can take longer than Superset's 10 s to show its grid; a report whose
# screenshot gives up sends its owners an error mail instead of the dashboard.
SCREENSHOT_LOCATE_WAIT = int(timedelta(seconds=30).total_seconds())

# Report tasks: string eta → datetime (SQLite metadata, upstream #25969); a missing browser is logged at start.
celery_signals.connect(CHROMIUM_BIN, WEBDRIVER_CONFIGURATION["service"]["executable_path"])


def FLASK_APP_MUTATOR(app) -> None:
    """Every process that builds queries (web, Celery) patches the query builder so RLS holds (kpi_bi/rls_guard.py)
    and stops serving-snapshot queries at KPI_BI_QUERY_TIMEOUT_SECONDS (kpi_bi/connections.py); every login
    endpoint is throttled (kpi_bi/sessions.py); REST tokens end with a logout (kpi_bi/tokens.py); each role
    lands on its own page after login (kpi_bi/dashboard_access.py)."""
    from kpi_bi.dashboard_access import install_landing_redirect

    rls_guard.install()
    connections.install_query_timeout()
    sessions.limit_logins(app)
    tokens.install(app)
    install_landing_redirect(app)


# Sessions live on the server (Redis in production, owner-only files locally): logout ends them for every copy
# of the cookie. Flask-Login's remember-me cookie is not used by the db login.
globals().update(sessions.session_settings(_settings.home))
PERMANENT_SESSION_LIFETIME = timedelta(hours=int(os.environ.get("SUPERSET_SESSION_HOURS", "12")))
# REST tokens: bearer tokens live 15 minutes, refresh tokens no longer than a session (Flask-JWT-Extended's default
# is 30 days); a logout, a password change or bin/revoke-tokens refuses both at once (kpi_bi/tokens.py).
JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=15)
JWT_REFRESH_TOKEN_EXPIRES = PERMANENT_SESSION_LIFETIME

# Failed and successful logins alike count per client address and username tried (kpi_bi.sessions.login_key);
# over the limit the login page and the REST login answer 429.
RATELIMIT_ENABLED = True
RATELIMIT_STORAGE_URI = sessions.limiter_storage()
RATELIMIT_KEY_FUNC = sessions.login_key
AUTH_RATE_LIMITED = True
AUTH_RATE_LIMIT = os.environ.get("SUPERSET_AUTH_RATE_LIMIT", "10 per minute")
# Self-service password changes need 10+ characters with upper and lower case, digits and a symbol (FAB's rule).
FAB_PASSWORD_COMPLEXITY_ENABLED = True

# Plain HTTP on loopback by default; in production (docker-compose) the reverse proxy terminates TLS and these are
# on: Secure cookies, CSP and frame options (Talisman), client addresses from the proxy's X-Forwarded-For.
TALISMAN_ENABLED = os.environ.get("TALISMAN_ENABLED", "false").lower() == "true"
SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "false").lower() == "true"
ENABLE_PROXY_FIX = os.environ.get("SUPERSET_BEHIND_PROXY", "false").lower() == "true"
WTF_CSRF_ENABLED = True
SUPERSET_WEBSERVER_TIMEOUT = 120

# Route maps are SVG images the pipeline draws (no map service): let chart HTML show images from data: URIs.
# An <img> never runs script, so this widens only what an image may load from.
HTML_SANITIZATION_SCHEMA_EXTENSIONS = {"protocols": {"src": ["http", "https", "data"]}}
