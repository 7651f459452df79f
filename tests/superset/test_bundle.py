"""The asset bundle holds only what someone sees: every chart is on a dashboard or is what a report sends."""

from __future__ import annotations

import yaml

from tests.superset.conftest import SUPERSET_DIR

ASSETS = SUPERSET_DIR / "assets"


def _yaml(path):
    return yaml.safe_load(path.read_text())


def test_every_chart_is_on_a_dashboard_or_in_a_report():
    charts = {path.stem: _yaml(path)["uuid"] for path in (ASSETS / "charts").glob("*.yaml")}
    on_dashboards = {
        item[0]
        for path in (ASSETS / "dashboards").glob("*.yaml")
        for row in _yaml(path)["layout"]
        for item in row
    }
    reported = {r["chart"] for r in _yaml(SUPERSET_DIR / "alerts.yaml")["reports"] if r.get("chart")}
    unused = sorted(name for name, uuid in charts.items() if uuid not in on_dashboards and name not in reported)
    assert charts and not unused, f"charts on no dashboard and in no report (use or remove them): {unused}"
