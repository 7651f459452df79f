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
        if isinstance(row, list)
        for item in row
    }
    reported = {r["chart"] for r in _yaml(SUPERSET_DIR / "alerts.yaml")["reports"] if r.get("chart")}
    unused = sorted(
        name for name, uuid in charts.items() if uuid not in on_dashboards and name not in reported
    )
    assert charts and not unused, f"charts on no dashboard and in no report (use or remove them): {unused}"


def test_a_kpi_chart_takes_its_axis_format_and_unit_from_the_registry():
    from kpi_bi import kpis
    from kpi_bi.query_context import render_chart

    registry = kpis.load()
    for name, title, fmt in (
        ("marketing_roas_by_channel", "ROAS (× ad spend)", ",.2f"),
        ("marketing_cac_by_channel", "CAC (USD)", "$,.0f"),
    ):
        params = render_chart(_yaml(ASSETS / "charts" / f"{name}.yaml"), {}, registry)["params"]
        assert (params["y_axis_title"], params["y_axis_format"]) == (title, fmt), name
    # the registry decides: a KPI whose format changes redraws its axis everywhere
    changed = {**registry, "roas": {**registry["roas"], "format": "percent", "unit": "%"}}
    params = render_chart(_yaml(ASSETS / "charts" / "marketing_roas_by_channel.yaml"), {}, changed)["params"]
    assert params["y_axis_format"] == ".1%"


def test_attainment_columns_are_coloured_by_the_status_bands():
    from kpi_bi import kpis
    from kpi_bi.query_context import render_chart

    bands = kpis.status_bands()
    params = render_chart(_yaml(ASSETS / "charts" / "leadership_kpi_vs_target.yaml"), {}, kpis.load())[
        "params"
    ]
    rules = {
        (r["column"], r["operator"]): (r["targetValue"], r["colorScheme"])
        for r in params["conditional_formatting"]
    }
    # attainment points the KPI's good direction (target / actual for CAC), so one rule fits every KPI
    assert rules[("attainment", "≥")][0] == bands["ratio"]["on_track"] == 1.0
    assert rules[("attainment", "<")][0] == bands["ratio"]["at_risk"] == 0.9
    # a growth rate is judged in points: on track from 0 pp
    assert rules[("attainment_points", "≥")][0] == bands["points"]["on_track"] == 0.0
    assert rules[("attainment", "≥")][1] != rules[("attainment", "<")][1]
