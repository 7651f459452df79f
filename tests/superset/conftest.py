"""Real Superset servers for the tests: provisioned by bin/provision and served by bin/web, on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.superset.client import SupersetClient
from tests.support.ports import free_port as _free_port
from tests.support.superset import PG_ADMIN_DSN, REPO, SUPERSET_DIR, serving_build  # noqa: F401 - fixture
from tests.support.superset import pg_admin as _pg

ARTIFACTS = REPO / "tests" / "artifacts" / "superset"


@dataclass
class SupersetServer:
    """One running Superset: its URL, environment and where its generated secrets are."""

    backend: str
    url: str
    env: dict[str, str]
    secrets_dir: Path
    serving_path: Path

    def password(self, username: str) -> str:
        name = "superset_admin_password" if username == "admin" else f"superset_{username}_password"
        return (self.secrets_dir / name).read_text().strip()

    def client(self, username: str = "admin", password_file: str | None = None) -> SupersetClient:
        password = (
            (self.secrets_dir / password_file).read_text().strip()
            if password_file
            else self.password(username)
        )
        return SupersetClient(self.url, username, password)


def _postgres_roles():
    """ops/postgres_roles.py, the script that makes each application's PostgreSQL role."""
    spec = importlib.util.spec_from_file_location("ops_postgres_roles", REPO / "ops" / "postgres_roles.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["ops_postgres_roles"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def superset(request, serving_build, tmp_path_factory):  # noqa: F811 - the fixture imported above
    """A provisioned Superset web server on a free port, metadata in SQLite or in a fresh PostgreSQL database."""
    home = tmp_path_factory.mktemp(f"superset_{request.param}")
    port = _free_port()
    env = {
        **os.environ,
        "SUPERSET_HOME": str(home),
        "KPI_SECRETS_DIR": str(home / "secrets"),
        "KPI_SERVING_PATH": str(serving_build / "serving.duckdb"),
        "KPI_DBT_MANIFEST_PATH": str(serving_build / "target" / "manifest.json"),
        "SUPERSET_PORT": str(port),
        "WEBDRIVER_BASEURL": f"http://127.0.0.1:{port}/",
        # The tests log in as the same users many times a minute; test_sessions checks the real limit.
        "SUPERSET_AUTH_RATE_LIMIT": "600 per minute",
        # Short enough for test_connections to see a query interrupted, long for every other query here.
        "KPI_BI_QUERY_TIMEOUT_SECONDS": "15",
    }
    for var in (
        "SUPERSET_DATABASE_URI",
        "SUPERSET_SECRET_KEY",
        "SUPERSET_ADMIN_PASSWORD",
        "SUPERSET_CELERY_BROKER_URL",
    ):
        env.pop(var, None)
    pg_db = pg_role = None
    if request.param == "postgres":
        # As in production: Superset's own non-superuser role owning its database (ops/bin/postgres-roles).
        tag = uuid.uuid4().hex[:12]
        pg_db, pg_role = f"superset_test_{tag}", f"kpi_superset_test_{tag}"
        roles = _postgres_roles()
        roles.ensure_owner(PG_ADMIN_DSN, roles.Login(pg_role, None, pg_db))
        env["SUPERSET_DATABASE_URI"] = f"postgresql+psycopg2://{pg_role}@127.0.0.1:5432/{pg_db}"
    web = None
    log = open(home / "web.log", "w")  # noqa: SIM115 - lives as long as the server
    try:
        subprocess.run(
            [str(SUPERSET_DIR / "bin" / "provision"), "--quiet"],
            env=env,
            check=True,
            cwd="/",
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        web = subprocess.Popen([str(SUPERSET_DIR / "bin" / "web")], env=env, cwd="/", stdout=log, stderr=log)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{url}/health", timeout=10).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if web.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Superset web did not start; see {home / 'web.log'}")
            time.sleep(0.5)
        yield SupersetServer(request.param, url, env, home / "secrets", serving_build / "serving.duckdb")
    finally:
        if web is not None:
            web.terminate()
            try:
                web.wait(timeout=30)
            except subprocess.TimeoutExpired:
                web.kill()
        log.close()
        if pg_db:
            _pg(f"drop database if exists {pg_db} with (force)")
            _pg(f"drop role if exists {pg_role}")


@pytest.fixture(scope="session")
def production_web(superset):
    """A second web server on the same metadata with the production settings (as docker-compose sets them: Secure
    cookies, CSP, client addresses from the proxy) and a tight login limit; test_sessions and test_proxy share it."""
    port = _free_port()
    env = {
        **superset.env,
        "SUPERSET_PORT": str(port),
        "TALISMAN_ENABLED": "true",
        "SESSION_COOKIE_SECURE": "true",
        "SUPERSET_BEHIND_PROXY": "true",
        "SUPERSET_AUTH_RATE_LIMIT": "3 per minute",
        "SUPERSET_WEB_WORKERS": "1",
    }
    log = open(os.path.join(superset.env["SUPERSET_HOME"], "web-production.log"), "w")  # noqa: SIM115
    web = subprocess.Popen([str(SUPERSET_DIR / "bin" / "web")], env=env, cwd="/", stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{url}/health", timeout=10).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert web.poll() is None and time.monotonic() < deadline, "production-like web did not start"
            time.sleep(0.5)
        yield url
    finally:
        web.terminate()
        web.wait(timeout=30)
        log.close()
