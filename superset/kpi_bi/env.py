"""Settings of the Superset layer, resolved from environment variables with local defaults when called."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

SUPERSET_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = SUPERSET_DIR.parent


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else default


def secrets_dir() -> Path:
    """The git-ignored folder where generated secrets live (one file each)."""
    return _path("KPI_SECRETS_DIR", REPO_ROOT / ".secrets")


def generated_secret(name: str, nbytes: int = 32) -> str:
    """A secret read from `.secrets/<name>`, generated there once (mode 0600) when the file does not exist."""
    path = secrets_dir() / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    value = secrets.token_urlsafe(nbytes)
    # O_EXCL: two processes starting together must not end up with two different secrets.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def secret(env_var: str, file_name: str) -> str:
    """A secret from `env_var` when set, else the generated one in `.secrets/<file_name>`."""
    return os.environ.get(env_var) or generated_secret(file_name)


@dataclass(frozen=True)
class SupersetSettings:
    """The Superset layer's configuration as read from the environment at one moment."""

    home: Path
    serving_path: Path
    database_uri: str
    broker_url: str
    result_backend: str
    bind: str
    port: int
    webdriver_baseurl: str
    public_base_url: str
    admin_username: str
    manifest_path: Path

    @property
    def uses_sqlite_metadata(self) -> bool:
        return self.database_uri.startswith("sqlite")

    @property
    def serving_uri(self) -> str:
        """SQLAlchemy URI of the read-only serving snapshot (absolute path: four slashes)."""
        return f"duckdb:///{self.serving_path}"


def settings() -> SupersetSettings:
    """Read the settings now (never at import time, so tests and bin scripts can point them elsewhere)."""
    home = _path("SUPERSET_HOME", REPO_ROOT / "data" / "superset")
    data_dir = _path("KPI_DATA_DIR", REPO_ROOT / "data")
    broker = os.environ.get("SUPERSET_CELERY_BROKER_URL", "")
    if broker:
        # A Redis broker keeps results in Redis too (another db number would be tidier but needs no extra setting).
        results = os.environ.get("SUPERSET_CELERY_RESULT_BACKEND", broker)
    else:
        broker = f"sqla+sqlite:///{home / 'celery-broker.db'}"
        results = os.environ.get(
            "SUPERSET_CELERY_RESULT_BACKEND", f"db+sqlite:///{home / 'celery-results.db'}"
        )
    port = int(os.environ.get("SUPERSET_PORT", "8088"))
    return SupersetSettings(
        home=home,
        serving_path=_path("KPI_SERVING_PATH", data_dir / "warehouse" / "serving.duckdb"),
        database_uri=os.environ.get("SUPERSET_DATABASE_URI", f"sqlite:///{home / 'superset.db'}"),
        broker_url=broker,
        result_backend=results,
        bind=os.environ.get("SUPERSET_BIND", "127.0.0.1"),
        port=port,
        webdriver_baseurl=os.environ.get("WEBDRIVER_BASEURL", f"http://127.0.0.1:{port}/"),
        # where readers of e-mails reach Superset (links in alerts and reports); the worker's own address otherwise
        public_base_url=os.environ.get(
            "KPI_PUBLIC_BASE_URL", os.environ.get("WEBDRIVER_BASEURL", f"http://127.0.0.1:{port}/")
        ),
        admin_username=os.environ.get("SUPERSET_ADMIN_USERNAME", "admin"),
        manifest_path=_path("KPI_DBT_MANIFEST_PATH", REPO_ROOT / "dbt_project" / "target" / "manifest.json"),
    )
