"""The long-running services of the stack, their commands and health checks: one place for make, tests and compose."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Service:
    """One process of the stack: what runs, and how to tell it is up."""

    name: str
    command: list[str]
    health_url: str | None = None
    # Variables that switch the service to the production stack (PostgreSQL metadata, Redis broker);
    # docker-compose.yml sets exactly these, pointing at its own postgres and redis services.
    production_env: tuple[str, ...] = ()


DAGSTER_PRODUCTION_ENV = (
    "DAGSTER_HOME",
    "DAGSTER_HOST",
    "KPI_DAGSTER_PG_URL",
    "KPI_DAGSTER_PG_PASSWORD",
    "KPI_DATA_DIR",
)
SUPERSET_PRODUCTION_ENV = (
    "KPI_SERVING_PATH",
    "SUPERSET_HOME",
    "SUPERSET_BIND",
    "SUPERSET_DATABASE_URI",
    "SUPERSET_CELERY_BROKER_URL",
    "SUPERSET_SECRET_KEY",
    "SUPERSET_ADMIN_PASSWORD",
    "WEBDRIVER_BASEURL",
    "SMTP_HOST",
    "SMTP_PORT",
)
PROXY_PRODUCTION_ENV = (
    "KPI_PROXY_HOSTS",
    "KPI_PROXY_PUBLIC_HTTPS_PORT",
    "KPI_PROXY_SUPERSET_UPSTREAM",
    "KPI_PROXY_DAGSTER_UPSTREAM",
    "KPI_DAGSTER_UI_PASSWORD",
    "KPI_SECRETS_DIR",
    "KPI_DATA_DIR",
)


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def services() -> list[Service]:
    """The stack as configured by the current environment."""
    dagster_port = _env("DAGSTER_PORT", "3000")
    superset_port = _env("SUPERSET_PORT", "8088")
    return [
        Service(
            "dagster-webserver",
            ["ops/bin/dagster-webserver"],
            health_url=f"http://127.0.0.1:{dagster_port}/server_info",
            production_env=DAGSTER_PRODUCTION_ENV,
        ),
        Service("dagster-daemon", ["ops/bin/dagster-daemon"], production_env=DAGSTER_PRODUCTION_ENV),
        Service(
            "superset-web",
            ["superset/bin/web"],
            health_url=f"http://127.0.0.1:{superset_port}/health",
            production_env=SUPERSET_PRODUCTION_ENV,
        ),
        Service("superset-worker", ["superset/bin/worker"], production_env=SUPERSET_PRODUCTION_ENV),
        Service("superset-beat", ["superset/bin/beat"], production_env=SUPERSET_PRODUCTION_ENV),
        # The only service listening beyond loopback: TLS, the Host check and the Dagster UI's password (ops/proxy.py).
        Service("proxy", ["ops/bin/proxy"], production_env=PROXY_PRODUCTION_ENV),
    ]


def run_dir() -> Path:
    return Path(_env("KPI_RUN_DIR", str(REPO / ".run")))


def _pidfile(service: Service) -> Path:
    return run_dir() / f"{service.name}.pid"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_pid(service: Service) -> int | None:
    path = _pidfile(service)
    if not path.exists():
        return None
    pid = int(path.read_text().strip() or 0)
    return pid if pid and _alive(pid) else None


def start(service: Service) -> int:
    """Start a service in its own process group, logging to .run/<name>.log; a running one is left alone."""
    pid = _read_pid(service)
    if pid:
        return pid
    # Logs, pid files and whatever the services write are readable by their owner only (the children inherit it).
    os.umask(0o077)
    run_dir().mkdir(parents=True, exist_ok=True)
    with open(run_dir() / f"{service.name}.log", "ab") as log:
        proc = subprocess.Popen(
            [str(REPO / service.command[0]), *service.command[1:]],
            cwd=REPO,
            env=dict(os.environ),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    _pidfile(service).write_text(str(proc.pid))
    return proc.pid


def stop(service: Service, timeout: float = 20.0) -> bool:
    """Stop the process group recorded in the service's pid file; True if something was stopped."""
    pid = _read_pid(service)
    _pidfile(service).unlink(missing_ok=True)
    if not pid:
        return False
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return True
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not _alive(pid):
                return True
            time.sleep(0.2)
    return True


def wait_healthy(service: Service, timeout: float = 180.0) -> None:
    """Block until the service answers its health check, or fail naming the log to read."""
    if service.health_url is None:
        time.sleep(1)
        if not _read_pid(service):
            raise SystemExit(f"{service.name} exited at start; see {run_dir() / (service.name + '.log')}")
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _read_pid(service):
            raise SystemExit(f"{service.name} exited at start; see {run_dir() / (service.name + '.log')}")
        try:
            with urllib.request.urlopen(service.health_url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(1)
    raise SystemExit(f"{service.name} did not answer {service.health_url} within {timeout:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["up", "down", "status"])
    parser.add_argument("names", nargs="*", help="services to act on (default: all)")
    args = parser.parse_args(argv)
    chosen = [s for s in services() if not args.names or s.name in args.names]
    if args.action == "up":
        for service in chosen:
            print(f"starting {service.name} (pid {start(service)})", flush=True)
        for service in chosen:
            wait_healthy(service)
            print(f"{service.name} is up", flush=True)
        for service in chosen:
            if service.name in ("dagster-webserver", "superset-web"):
                print(f"{service.name}: {service.health_url.rsplit('/', 1)[0]}/ (this machine only)")
        if any(service.name == "proxy" for service in chosen):
            from proxy import settings as proxy_settings  # ops/proxy.py, beside this file

            proxy = proxy_settings()
            print(
                f"proxy: https://{proxy.hosts[0]}:{proxy.https_port}/ (Superset), "
                f"https://{proxy.hosts[0]}:{proxy.dagster_port}/ (Dagster UI: user {proxy.dagster_user}, "
                "password in KPI_DAGSTER_UI_PASSWORD or the secrets folder's dagster_ui_password)"
            )
    elif args.action == "down":
        for service in reversed(chosen):
            print(f"{service.name}: {'stopped' if stop(service) else 'not running'}")
    else:
        for service in chosen:
            pid = _read_pid(service)
            print(f"{service.name}: {f'running (pid {pid})' if pid else 'stopped'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
