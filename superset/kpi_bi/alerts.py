"""Alerts and scheduled reports from superset/alerts.yaml, synced into Superset's report schedules in-process."""

from __future__ import annotations

import logging
import os
import re
import uuid
from pathlib import Path
from typing import Any

import yaml

from kpi_bi import kpis
from kpi_bi.alert_sql import LISTING_COLUMNS, AlertConfigError, count_sql, listing_sql
from kpi_bi.bundle import ASSETS_DIR, load_assets, render_database
from kpi_bi.datasets import render_dataset
from kpi_bi.env import SUPERSET_DIR, SupersetSettings
from kpi_bi.query_context import render_chart

log = logging.getLogger("kpi_bi.alerts")

ALERTS_FILE = SUPERSET_DIR / "alerts.yaml"
# The marker on everything this module owns: objects with it and no entry in the file are deleted.
MANAGED_BY = "alerts.yaml"
ALERT_DATASET_PREFIX = "alert__"
ALERT_CHART_PREFIX = "[alert] "
_UUID_NAMESPACE = uuid.UUID("6f1c7e0a-1d1b-5b9e-9a77-6b7069616c72")
_ENV_REF = re.compile(r"\$\{([A-Z0-9_]+)(?::-([^}]*))?\}")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,60}$")
FORMATS = ("PNG", "PDF", "CSV", "TEXT")


def alerts_file() -> Path:
    """The alerts file to sync: KPI_ALERTS_FILE when set (tests point it at a copy), else superset/alerts.yaml."""
    value = os.environ.get("KPI_ALERTS_FILE")
    return Path(value).expanduser().resolve() if value else ALERTS_FILE


def _expand(value: Any) -> Any:
    """${VAR:-default} references replaced from the environment, recursively."""
    if isinstance(value, str):
        return _ENV_REF.sub(lambda m: os.environ.get(m.group(1)) or (m.group(2) or ""), value)
    if isinstance(value, list):
        return [_expand(v) for v in value]
    if isinstance(value, dict):
        return {k: _expand(v) for k, v in value.items()}
    return value


def _recipients(raw: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """Superset recipient rows: e-mail and webhook always, Slack only when SLACK_API_TOKEN is set."""
    unknown = set(raw) - {"email", "webhook", "slack"}
    if unknown:
        raise AlertConfigError(f"{key!r}: unknown recipient kinds {sorted(unknown)}")
    rows = []
    emails = [e for e in raw.get("email") or [] if e]
    if emails:
        rows.append({"type": "Email", "recipient_config_json": {"target": ",".join(emails)}})
    for url in raw.get("webhook") or []:
        if url:
            rows.append({"type": "Webhook", "recipient_config_json": {"target": url}})
    channels = [c for c in raw.get("slack") or [] if c]
    if channels and os.environ.get("SLACK_API_TOKEN"):
        rows.append({"type": "SlackV2", "recipient_config_json": {"target": ",".join(channels)}})
    if not rows:
        raise AlertConfigError(f"{key!r}: no recipients (every e-mail and webhook entry is empty)")
    return rows


def load(path: Path | None = None) -> dict[str, list[dict[str, Any]]]:
    """The file's alerts and reports, env references expanded, defaults applied and checked (SQL rendered once)."""
    path = path or alerts_file()
    doc = _expand(yaml.safe_load(path.read_text()) or {})
    defaults = doc.get("defaults") or {}
    seen: set[str] = set()
    out: dict[str, list[dict[str, Any]]] = {"alerts": [], "reports": []}
    registry = kpis.load()
    for kind in ("alerts", "reports"):
        for entry in doc.get(kind) or []:
            key = entry.get("key")
            if not isinstance(key, str) or not _KEY.match(key):
                raise AlertConfigError(
                    f"{path}: {kind} entry key {key!r} must be lowercase letters, digits, _"
                )
            if key in seen:
                raise AlertConfigError(f"{path}: key {key!r} appears twice")
            seen.add(key)
            item = {**entry}
            item.setdefault("name", key)
            item["schedule"] = {**(defaults.get("schedule") or {}), **(entry.get("schedule") or {})}
            if not item["schedule"].get("cron"):
                raise AlertConfigError(f"{key!r}: schedule.cron missing (and no default)")
            item["schedule"].setdefault("timezone", "UTC")
            item["recipients"] = _recipients(entry.get("recipients") or defaults.get("recipients") or {}, key)
            item["grace_period"] = int(
                entry.get("grace_period_seconds", defaults.get("grace_period_seconds", 14400))
            )
            if kind == "alerts":
                item.setdefault("dashboard", defaults.get("dashboard"))
                item["listing_sql"] = listing_sql(item, registry)
                item["sql"] = count_sql(item, registry)
                if item.get("kpi"):
                    item["kpi_label"] = kpis.heading(registry[item["kpi"]])
            else:
                if bool(item.get("dashboard")) == bool(item.get("chart")):
                    raise AlertConfigError(f"report {key!r}: give exactly one of dashboard or chart")
                item["format"] = str(item.get("format", "PNG")).upper()
                if item["format"] not in FORMATS:
                    raise AlertConfigError(f"report {key!r}: format {item['format']!r} not in {FORMATS}")
            out[kind].append(item)
    return out


def _uuid(key: str, kind: str) -> str:
    return str(uuid.uuid5(_UUID_NAMESPACE, f"{kind}/{key}"))


def _dataset_sql(alert: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The alert dataset's SQL and extra; a rep-level listing gets a rep_id column declared for RLS (docs/security.md)."""
    extra: dict[str, Any] = {"managed_by": MANAGED_BY}
    sql = alert["listing_sql"]
    if (alert.get("scope") or {}).get("level") == "rep":
        # The listing's scope reads 'rep <id>' (alert_sql); the chart shows LISTING_COLUMNS only.
        sql = f"select *, regexp_extract(scope, '^rep (.+)$', 1) as rep_id from ({sql}) as listing"
        extra["rls"] = {"rep_column": "rep_id"}
    return sql, extra


def render_assets(
    cfg: SupersetSettings, config: dict[str, list[dict[str, Any]]], assets_dir: Path = ASSETS_DIR
) -> dict[str, str]:
    """Bundle files for the alerts: the serving database, one virtual dataset and one table chart per alert."""
    assets = load_assets(assets_dir)
    database = render_database(assets["databases/kpi_serving.yaml"], cfg)
    files: dict[str, Any] = {"metadata.yaml": assets["metadata.yaml"], "databases/kpi_serving.yaml": database}
    for alert in config["alerts"]:
        sql, extra = _dataset_sql(alert)
        dataset = render_dataset(
            {
                "table_name": f"{ALERT_DATASET_PREFIX}{alert['key']}",
                "schema": "marts",
                "catalog": None,
                "sql": sql,
                "main_dttm_col": None,
                "description": f"Rows breaching the alert {alert['name']!r} ({MANAGED_BY}).",
                "default_endpoint": None,
                "offset": 0,
                "cache_timeout": None,
                "filter_select_enabled": False,
                "fetch_values_predicate": None,
                "extra": extra,
                "normalize_columns": False,
                "always_filter_main_dttm": False,
                "uuid": _uuid(alert["key"], "dataset"),
                "database_uuid": database["uuid"],
                "version": "1.0.0",
            },
            cfg.serving_path,
            {},
        )
        chart = render_chart(
            {
                "slice_name": f"{ALERT_CHART_PREFIX}{alert['name']}",
                "description": f"What the alert {alert['key']} found ({MANAGED_BY}).",
                "certified_by": None,
                "certification_details": None,
                "viz_type": "table",
                "params": {
                    "viz_type": "table",
                    "query_mode": "raw",
                    "all_columns": list(LISTING_COLUMNS),
                    "order_by_cols": ['["scope", true]'],
                    "adhoc_filters": [],
                    "row_limit": 1000,
                    "server_pagination": False,
                },
                "cache_timeout": None,
                "uuid": _uuid(alert["key"], "chart"),
                "version": "1.0.0",
                "dataset_uuid": dataset["uuid"],
            },
            dataset,
        )
        files[f"datasets/kpi_serving/{dataset['table_name']}.yaml"] = dataset
        files[f"charts/{ALERT_DATASET_PREFIX}{alert['key']}.yaml"] = chart
    return {name: yaml.safe_dump(body, sort_keys=False, allow_unicode=True) for name, body in files.items()}


def _description(item: dict[str, Any], base_url: str, dashboard_title: str | None) -> str:
    """The e-mail's text above the table: what the alert checks and a link to its dashboard."""
    parts = [f"<p><b>{item['name']}</b></p>"]
    if item.get("kpi"):
        scope = item.get("scope") or {"level": "company"}
        ids = ", ".join(scope.get("ids") or []) or "all"
        condition = item["condition"]["kind"].replace("_", " ")
        parts.append(
            f"<p>KPI: {item.get('kpi_label', item['kpi'])}; scope: {scope['level']} ({ids}); "
            f"condition: {condition}. The table lists each breach with its value and threshold.</p>"
        )
    if item.get("dashboard"):
        url = f"{base_url.rstrip('/')}/superset/dashboard/{item['dashboard']}/"
        parts.append(f'<p>Dashboard: <a href="{url}">{dashboard_title or item["dashboard"]}</a> {url}</p>')
    return "\n".join(parts)


def _payload(
    item: dict[str, Any], kind: str, ids: dict[str, Any], owner_id: int, base_url: str
) -> dict[str, Any]:
    """The ReportSchedulePostSchema body of one alert or report (what POST /api/v1/report/ takes)."""
    dashboard = ids["dashboards"].get(item.get("dashboard")) if item.get("dashboard") else None
    if item.get("dashboard") and dashboard is None:
        raise AlertConfigError(f"{item['key']!r}: dashboard slug {item['dashboard']!r} is not in Superset")
    body: dict[str, Any] = {
        "name": item["name"],
        # the subject is the entry's name alone (Superset would append the chart's or dashboard's title to it)
        "email_subject": item["name"],
        "description": _description(item, base_url, dashboard.dashboard_title if dashboard else None),
        "crontab": item["schedule"]["cron"],
        "timezone": item["schedule"]["timezone"],
        "active": bool(item.get("active", True)),
        "creation_method": "alerts_reports",
        "owners": [owner_id],
        "recipients": item["recipients"],
        "grace_period": item["grace_period"],
        "working_timeout": int(item.get("working_timeout_seconds", 600)),
        "log_retention": 30,
        "extra": {"managed_by": MANAGED_BY, "key": item["key"]},
    }
    if kind == "alerts":
        body.update(
            {
                "type": "Alert",
                "database": ids["database"],
                "sql": item["sql"],
                "chart": ids["charts"][_uuid(item["key"], "chart")],
                "report_format": "TEXT",
                "validator_type": "operator",
                "validator_config_json": {"op": ">", "threshold": 0},
            }
        )
    else:
        body.update(
            {
                "type": "Report",
                "report_format": item["format"],
                "force_screenshot": item["format"] in ("PNG", "PDF"),
            }
        )
        if dashboard is not None:
            body["dashboard"] = dashboard.id
        else:
            chart_uuid = _chart_uuid(item["chart"])
            if chart_uuid not in ids["charts"]:
                raise AlertConfigError(f"report {item['key']!r}: chart {item['chart']!r} is not in Superset")
            body["chart"] = ids["charts"][chart_uuid]
    return body


def _chart_uuid(name: str, assets_dir: Path = ASSETS_DIR) -> str:
    path = assets_dir / "charts" / f"{name}.yaml"
    if not path.exists():
        raise AlertConfigError(f"chart {name!r}: {path} does not exist")
    return str(yaml.safe_load(path.read_text())["uuid"])


def _load_schema(schema_cls: Any, payload: dict[str, Any], key: str) -> dict[str, Any]:
    """The payload validated by Superset's own REST schema, so the file is checked exactly as the API would."""
    from marshmallow import ValidationError

    schema = schema_cls()
    try:
        return schema.load({k: v for k, v in payload.items() if k in schema.fields})
    except ValidationError as exc:
        raise AlertConfigError(f"{key!r} in {alerts_file()}: {exc.messages}") from exc


def sync(cfg: SupersetSettings, path: Path | None = None) -> dict[str, int]:
    """Make Superset's managed alerts and reports exactly the file's (run inside an app context with g.user set)."""
    from flask import g
    from superset.commands.importers.v1.assets import ImportAssetsCommand
    from superset.commands.report.create import CreateReportScheduleCommand
    from superset.commands.report.delete import DeleteReportScheduleCommand
    from superset.commands.report.update import UpdateReportScheduleCommand
    from superset.connectors.sqla.models import SqlaTable
    from superset.models.core import Database
    from superset.models.dashboard import Dashboard
    from superset.models.slice import Slice
    from superset.reports.models import ReportSchedule
    from superset.reports.schemas import ReportSchedulePostSchema, ReportSchedulePutSchema

    from superset import db

    config = load(path)
    contents = render_assets(cfg, config)
    ImportAssetsCommand({name: text for name, text in contents.items()}).run()

    database_uuid = yaml.safe_load(contents["databases/kpi_serving.yaml"])["uuid"]
    database = db.session.query(Database).filter(Database.uuid == uuid.UUID(database_uuid)).one()
    ids = {
        "database": database.id,
        "charts": {str(s.uuid): s.id for s in db.session.query(Slice).all()},
        "dashboards": {d.slug: d for d in db.session.query(Dashboard).all() if d.slug},
    }
    existing = {
        rs.extra.get("key"): rs
        for rs in db.session.query(ReportSchedule).all()
        if (rs.extra or {}).get("managed_by") == MANAGED_BY
    }
    counts = {"created": 0, "updated": 0, "deleted": 0}
    wanted: set[str] = set()
    for kind in ("alerts", "reports"):
        for item in config[kind]:
            wanted.add(item["key"])
            payload = _payload(item, kind, ids, g.user.id, cfg.public_base_url)
            current = existing.get(item["key"])
            if current is not None:
                UpdateReportScheduleCommand(
                    current.id, _load_schema(ReportSchedulePutSchema, payload, item["key"])
                ).run()
                counts["updated"] += 1
            else:
                CreateReportScheduleCommand(
                    _load_schema(ReportSchedulePostSchema, payload, item["key"])
                ).run()
                counts["created"] += 1
    stale = [rs.id for key, rs in existing.items() if key not in wanted]
    if stale:
        DeleteReportScheduleCommand(stale).run()
        counts["deleted"] = len(stale)

    # The per-alert chart and dataset of an alert no longer in the file go with it.
    keep = {_uuid(a["key"], kind) for a in config["alerts"] for kind in ("chart", "dataset")}
    for chart in db.session.query(Slice).filter(Slice.slice_name.startswith(ALERT_CHART_PREFIX)).all():
        if str(chart.uuid) not in keep:
            db.session.delete(chart)
    for dataset in (
        db.session.query(SqlaTable).filter(SqlaTable.table_name.startswith(ALERT_DATASET_PREFIX)).all()
    ):
        if str(dataset.uuid) not in keep:
            db.session.delete(dataset)
    db.session.commit()
    counts["managed"] = len(wanted)
    log.info("alerts and reports synced from %s: %s", path or alerts_file(), counts)
    return counts
