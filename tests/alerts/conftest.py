"""Two real alert stacks (web + Celery worker + beat): SQLite metadata with the embedded broker, PostgreSQL with Redis."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
import requests
import yaml

from tests.alerts.sinks import TimedSmtpSink, WebhookSink
from tests.superset.client import SupersetClient
from tests.support.ports import free_port as _free_port
from tests.support.superset import SUPERSET_DIR, serving_build  # noqa: F401 - fixture
from tests.support.superset import pg_admin as _pg

REDIS_DB = int(os.environ.get("KPI_TEST_REDIS_DB", "13"))
DROP_CHANNEL, HEALTHY_CHANNEL = "paid_search", "referral"
TEST_REPORTS = ("weekly_leadership_dashboard", "weekly_leadership_kpi_table")


@dataclass
class AlertStack:
    """One running stack with its sinks, env, files and processes."""

    name: str
    url: str
    env: dict[str, str]
    home: Path
    serving_path: Path
    alerts_path: Path
    smtp: TimedSmtpSink
    webhook: WebhookSink
    procs: list[subprocess.Popen] = field(default_factory=list)

    def client(self) -> SupersetClient:
        password = (self.home / "secrets" / "superset_admin_password").read_text().strip()
        return SupersetClient(self.url, "admin", password)

    def provision_alerts(self) -> str:
        done = subprocess.run(
            [str(SUPERSET_DIR / "bin" / "provision"), "--alerts-only"],
            env=self.env,
            cwd="/",
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def log(self, name: str) -> str:
        return (self.home / f"{name}.log").read_text()


def inject_conversion_drop(serving: Path) -> None:
    """Leads of two weeks before the last day (old enough to have converted, as the conversion alert's lag_days asks):
    one channel converts none (a drop), another as well as its baseline (healthy)."""
    with duckdb.connect(str(serving)) as con:
        as_of = con.execute("select max(date_day) from marts.kpi_sales_daily").fetchone()[0]
        rows = []
        for channel, recent_with_deal in ((DROP_CHANNEL, 0), (HEALTHY_CHANNEL, 20)):
            rows.append((f"{as_of - timedelta(days=14)}", channel, 40, recent_with_deal))
            rows.append((f"{as_of - timedelta(days=28)}", channel, 40, 20))
        for day, channel, leads, with_deal in rows:
            con.execute(
                "insert into marts.kpi_sales_daily (date_day, rep_id, team_id, region, channel, leads, leads_with_deal,"
                " deals_created, won_count, lost_count, won_amount_usd, lost_amount_usd, orders, gross_revenue_usd,"
                " refunds_usd, net_revenue_usd, new_customers)"
                " values (cast(? as date), 'usr_0001', 'team_01', 'North', ?, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)",
                [day, channel, leads, with_deal],
            )
        con.execute("checkpoint")


def write_test_alerts_file(path: Path, smtp_to: str, webhook_url: str) -> None:
    """superset/alerts.yaml with every cron each minute, sinks as recipients, a channel-scoped drop and a healthy twin."""
    doc = yaml.safe_load((SUPERSET_DIR / "alerts.yaml").read_text())
    doc["defaults"]["recipients"] = {"email": [smtp_to], "webhook": [webhook_url]}
    alerts = []
    for alert in doc["alerts"]:
        alert.pop("recipients", None)
        if alert["key"] == "conversion_drop":
            alert["scope"] = {"level": "channel", "ids": [DROP_CHANNEL]}
            healthy = {
                **alert,
                "key": "conversion_drop_healthy",
                "name": "Healthy channel conversion drop",
                "scope": {"level": "channel", "ids": [HEALTHY_CHANNEL]},
            }
            alerts.append(healthy)
        alerts.append(alert)
    doc["alerts"] = alerts
    doc["reports"] = [r for r in doc["reports"] if r["key"] in TEST_REPORTS]
    for item in doc["alerts"] + doc["reports"]:
        item["schedule"] = {"cron": "* * * * *", "timezone": "UTC"}
        item.pop("recipients", None)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def _flush_redis(db: int) -> None:
    with socket.create_connection(("127.0.0.1", 6379), timeout=5) as sock:
        sock.sendall(f"SELECT {db}\r\nFLUSHDB\r\n".encode())
        sock.recv(100)


def _start(name: str, serving_build: Path, tmp: Path) -> AlertStack:  # noqa: F811
    home = tmp / name
    home.mkdir()
    serving = home / "serving.duckdb"
    shutil.copy(serving_build / "serving.duckdb", serving)
    inject_conversion_drop(serving)
    smtp = TimedSmtpSink().__enter__()
    webhook = WebhookSink()
    port = _free_port()
    alerts_path = home / "alerts.yaml"
    write_test_alerts_file(alerts_path, "alerts-test@example.com", webhook.url)
    env = {
        **os.environ,
        "SUPERSET_HOME": str(home),
        "KPI_SECRETS_DIR": str(home / "secrets"),
        "KPI_SERVING_PATH": str(serving),
        "KPI_DBT_MANIFEST_PATH": str(serving_build / "target" / "manifest.json"),
        "SUPERSET_PORT": str(port),
        "WEBDRIVER_BASEURL": f"http://127.0.0.1:{port}/",
        "KPI_ALERTS_FILE": str(alerts_path),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "ALERT_REPORTS_WEBHOOK_HTTPS_ONLY": "false",
        "SUPERSET_WEB_WORKERS": "1",
        "SUPERSET_WORKER_CONCURRENCY": "2",
    }
    for var in (
        "SUPERSET_DATABASE_URI",
        "SUPERSET_SECRET_KEY",
        "SUPERSET_ADMIN_PASSWORD",
        "SUPERSET_CELERY_BROKER_URL",
        "SUPERSET_CELERY_RESULT_BACKEND",
        "SLACK_API_TOKEN",
    ):
        env.pop(var, None)
    if name == "postgres_redis":
        pg_db = f"superset_alerts_{uuid.uuid4().hex[:12]}"
        _pg(f"create database {pg_db}")
        env["SUPERSET_DATABASE_URI"] = f"postgresql+psycopg2://postgres@127.0.0.1:5432/{pg_db}"
        env["KPI_TEST_PG_DB"] = pg_db
        _flush_redis(REDIS_DB)
        env["SUPERSET_CELERY_BROKER_URL"] = f"redis://127.0.0.1:6379/{REDIS_DB}"
    stack = AlertStack(name, f"http://127.0.0.1:{port}", env, home, serving, alerts_path, smtp, webhook)
    with open(home / "provision.log", "w") as log:
        subprocess.run(
            [str(SUPERSET_DIR / "bin" / "provision"), "--quiet"],
            env=env,
            cwd="/",
            check=True,
            stdout=log,
            stderr=log,
        )
    for proc in ("web", "worker", "beat"):
        log = open(home / f"{proc}.log", "w")  # noqa: SIM115 - lives as long as the process
        stack.procs.append(
            subprocess.Popen(
                [str(SUPERSET_DIR / "bin" / proc)],
                env=env,
                cwd=str(home),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    deadline = time.monotonic() + 120
    while True:
        try:
            if requests.get(f"{stack.url}/health", timeout=10).status_code == 200:
                break
        except requests.RequestException:
            pass
        if time.monotonic() > deadline or any(p.poll() is not None for p in stack.procs):
            # a stack that failed to start is not handed to the fixture's teardown: stop what it started here
            _stop(stack)
            raise RuntimeError(f"{name}: stack did not start; see {home}/*.log")
        time.sleep(0.5)
    return stack


def _stop(stack: AlertStack) -> None:
    for proc in stack.procs:
        proc.terminate()
    for proc in stack.procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    stack.smtp.__exit__(None, None, None)
    stack.webhook.close()
    if stack.env.get("KPI_TEST_PG_DB"):
        _pg(f"drop database if exists {stack.env['KPI_TEST_PG_DB']} with (force)")


@pytest.fixture(scope="session")
def alert_stacks(serving_build, tmp_path_factory):  # noqa: F811
    """Both stacks, started side by side so their minute ticks overlap (the tests wait on ticks, not CPU)."""
    tmp = tmp_path_factory.mktemp("alerts")
    with ThreadPoolExecutor(2) as pool:
        futures = {
            name: pool.submit(_start, name, serving_build, tmp)
            for name in ("sqlite_embedded", "postgres_redis")
        }
        stacks = {}
        errors = []
        for name, future in futures.items():
            try:
                stacks[name] = future.result()
            except Exception as exc:  # noqa: BLE001 - stop what started, then fail
                errors.append(exc)
    try:
        if errors:
            raise errors[0]
        yield stacks
    finally:
        for stack in stacks.values():
            _stop(stack)
