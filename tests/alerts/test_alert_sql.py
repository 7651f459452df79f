"""The alert SQL of every condition kind, run on a real serving snapshot, and alerts.yaml loading and errors."""

from __future__ import annotations

import shutil
from datetime import datetime
from types import SimpleNamespace

import duckdb
import pytest
from kpi_bi import alert_sql, alerts
from kpi_bi.celery_signals import browser_problems, eta_as_datetime

from tests.alerts.conftest import DROP_CHANNEL, HEALTHY_CHANNEL, inject_conversion_drop
from tests.support.superset import SUPERSET_DIR, serving_build  # noqa: F401 - fixture


@pytest.fixture(scope="module")
def serving(serving_build, tmp_path_factory):  # noqa: F811
    path = tmp_path_factory.mktemp("alert_sql") / "serving.duckdb"
    shutil.copy(serving_build / "serving.duckdb", path)
    inject_conversion_drop(path)
    return path


def _run(serving, sql):
    with duckdb.connect(str(serving), read_only=True, config={"enable_external_access": False}) as con:
        return con.execute(sql).fetchall(), [d[0] for d in con.description]


def test_every_default_alert_renders_sql_that_runs(serving):
    config = alerts.load(SUPERSET_DIR / "alerts.yaml")
    assert {a["key"] for a in config["alerts"]} >= {
        "company_revenue_pace",
        "channel_cac_above_threshold",
        "conversion_drop",
        "rep_revenue_pace",
        "data_stale",
    }
    for alert in config["alerts"]:
        rows, columns = _run(serving, alert["listing_sql"])
        assert tuple(columns) == alert_sql.LISTING_COLUMNS
        (count,), _ = _run(serving, alert["sql"])
        assert count == (len(rows),)


def test_conditions_fire_only_on_breaches(serving):
    def count(**alert):
        return _run(serving, alert_sql.count_sql({"key": "t", **alert}))[0][0][0]

    drop = {"kind": "change_vs_previous", "beyond": 0.2, "lag_days": 14}
    assert (
        count(
            kpi="conversion_lead_to_deal", scope={"level": "channel", "ids": [DROP_CHANNEL]}, condition=drop
        )
        == 1
    )
    assert (
        count(
            kpi="conversion_lead_to_deal",
            scope={"level": "channel", "ids": [HEALTHY_CHANNEL]},
            condition=drop,
        )
        == 0
    )
    # without the lag the recent window is the last 7 days, which do not hold the injected leads of 14 days ago
    no_lag = {**drop, "lag_days": 0}
    assert (
        count(
            kpi="conversion_lead_to_deal", scope={"level": "channel", "ids": [DROP_CHANNEL]}, condition=no_lag
        )
        == 0
    )
    # The fixture's February company revenue is negative against a 40 000 target: pace far under 90 %.
    assert count(kpi="net_revenue_usd", condition={"kind": "pace_under", "ratio": 0.9}) == 1
    assert count(kpi="net_revenue_usd", condition={"kind": "pace_under", "ratio": -5}) == 0
    # The fixture built in 2025 is older than 26 hours; a threshold of a century is not exceeded.
    assert count(condition={"kind": "stale_data", "max_age_hours": 26}) == 2
    assert count(condition={"kind": "stale_data", "max_age_hours": 24 * 365 * 100}) == 0
    # Sales cycle 12 days against the company's 10-day target; a fixed threshold overrides the target.
    assert count(kpi="sales_cycle_median_days", condition={"kind": "above_threshold"}) == 1
    assert count(kpi="sales_cycle_median_days", condition={"kind": "above_threshold", "threshold": 30}) == 0


@pytest.mark.parametrize(
    "alert, message",
    [
        ({"kpi": "x", "condition": {"kind": "nope"}}, "condition kind"),
        ({"kpi": "x", "scope": {"level": "planet"}, "condition": {"kind": "below_target"}}, "scope level"),
        (
            {
                "kpi": "x",
                "scope": {"level": "rep", "ids": ["a'; drop"]},
                "condition": {"kind": "below_target"},
            },
            "scope id",
        ),
        ({"kpi": "roas", "condition": {"kind": "change_vs_previous", "beyond": 0.2}}, "supports"),
        ({"kpi": "net_revenue_usd", "condition": {"kind": "pace_under", "ratio": "low"}}, "must be a number"),
        # a growth rate is compared with its target in points: no ratio of rates
        ({"kpi": "revenue_growth_yoy", "condition": {"kind": "pace_under", "ratio": 0.9}}, "in points"),
        (
            {"kpi": "revenue", "condition": {"kind": "pace_under", "ratio": 0.9}},
            "'revenue', which is not in the KPI registry",
        ),
        ({"kpi": "cac", "condition": {"kind": "above_threshold"}}, "'cac', which is not in the KPI registry"),
    ],
)
def test_bad_alerts_are_refused_with_a_reason(alert, message):
    with pytest.raises(alert_sql.AlertConfigError, match=message):
        alert_sql.listing_sql({"key": "bad", **alert})


def test_alerts_file_errors_and_env_references(tmp_path, monkeypatch):
    path = tmp_path / "alerts.yaml"
    path.write_text(
        "alerts:\n  - {key: a, kpi: net_revenue_usd, condition: {kind: pace_under, ratio: 0.9},"
        " schedule: {cron: '* * * * *'}, recipients: {email: ['${KPI_T_MAIL:-x@example.com}']}}\n"
        "  - {key: a, kpi: net_revenue_usd, condition: {kind: pace_under, ratio: 0.9},"
        " schedule: {cron: '* * * * *'}, recipients: {email: [y@example.com]}}\n"
    )
    with pytest.raises(alert_sql.AlertConfigError, match="appears twice"):
        alerts.load(path)
    path.write_text("\n".join(path.read_text().splitlines()[:2]) + "\n")
    monkeypatch.setenv("KPI_T_MAIL", "ops@example.com")
    (alert,) = alerts.load(path)["alerts"]
    assert alert["recipients"] == [{"type": "Email", "recipient_config_json": {"target": "ops@example.com"}}]
    monkeypatch.delenv("SLACK_API_TOKEN", raising=False)
    assert alerts._recipients({"email": ["a@example.com"], "slack": ["#x"]}, "k") == [
        {"type": "Email", "recipient_config_json": {"target": "a@example.com"}}
    ]
    with pytest.raises(alert_sql.AlertConfigError, match="no recipients"):
        alerts._recipients({"email": [""], "webhook": [""]}, "k")


def test_string_eta_becomes_naive_utc_datetime_for_report_tasks():
    task = SimpleNamespace(name="reports.execute", request=SimpleNamespace(eta="2025-03-03T07:00:00+01:00"))
    eta_as_datetime(task=task)
    assert task.request.eta == datetime(2025, 3, 3, 6, 0)
    other = SimpleNamespace(
        name="sql_lab.get_sql_results", request=SimpleNamespace(eta="2025-03-03T07:00:00")
    )
    eta_as_datetime(task=other)
    assert other.request.eta == "2025-03-03T07:00:00"


def test_missing_browser_is_named(tmp_path):
    problems = browser_problems(str(tmp_path / "no-chromium"), str(tmp_path / "no-driver"))
    assert len(problems) == 2 and "chromium not found" in problems[0]
