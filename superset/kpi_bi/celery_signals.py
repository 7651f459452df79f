"""Celery signal handlers for Superset's report worker: a string eta made a datetime (#25969), the alert's rows in
webhook messages, and a browser check."""

from __future__ import annotations

import logging
import os
import shutil
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("kpi_bi.celery")

REPORT_TASK = "reports.execute"


def eta_as_datetime(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    """Turn a report task's ISO-string `request.eta` into a naive UTC datetime before the task reads it.

    Superset passes `execute.request.eta` as the log's scheduled_dttm; Celery delivers it as a string, which
    PostgreSQL casts but SQLite's DateTime type rejects (upstream #25969), so every alert failed on SQLite.
    """
    if task is None or getattr(task, "name", None) != REPORT_TASK:
        return
    eta = getattr(task.request, "eta", None)
    if isinstance(eta, str):
        parsed = datetime.fromisoformat(eta)
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        task.request.eta = parsed


def webhook_rows(task: Any = None, **_: Any) -> None:
    """Before a report task: webhook messages carry the alert's rows (kpi_bi.webhook)."""
    if task is not None and getattr(task, "name", None) == REPORT_TASK:
        from kpi_bi import webhook

        webhook.install()


def browser_problems(chromium: str, chromedriver: str) -> list[str]:
    """What is missing for PNG/PDF reports (empty when the browser and its driver are both there)."""
    problems = []
    for what, path in (("chromium", chromium), ("chromedriver", chromedriver)):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)) and not shutil.which(path):
            problems.append(f"{what} not found at {path}")
    return problems


def check_browser(chromium: str, chromedriver: str) -> None:
    """Log an error at worker start when screenshots cannot work, instead of failing silently at the first report."""
    problems = browser_problems(chromium, chromedriver)
    if problems:
        log.error(
            "PNG/PDF reports will fail: %s (install Debian's chromium and chromium-driver, or set "
            "CHROMIUM_BIN / CHROMEDRIVER_BIN); CSV and TEXT reports and alerts still work",
            "; ".join(problems),
        )


def connect(chromium: str, chromedriver: str) -> None:
    """Connect the handlers (called from superset_config.py, which every Superset process loads before forking)."""
    from celery.signals import task_prerun, worker_ready

    task_prerun.connect(eta_as_datetime, weak=False, dispatch_uid="kpi_bi.eta_as_datetime")
    task_prerun.connect(webhook_rows, weak=False, dispatch_uid="kpi_bi.webhook_rows")
    worker_ready.connect(
        lambda **_: check_browser(chromium, chromedriver), weak=False, dispatch_uid="kpi_bi.check_browser"
    )
