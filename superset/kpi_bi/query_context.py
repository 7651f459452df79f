"""A chart's saved `query_context` derived from its params, so the YAML states each query once and the two never drift."""

from __future__ import annotations

import json
from typing import Any

from kpi_bi import kpis

TIME_GRAIN_DEFAULT = "P1M"
# Viz types whose x-axis is a time axis bucketed by time_grain_sqla.
TIME_AXIS_VIZ = {"big_number", "echarts_timeseries_line", "echarts_timeseries_bar", "echarts_area"}


def _filters(adhoc_filters: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """Simple adhoc filters as query filters, SQL ones joined into one WHERE expression."""
    filters, where = [], []
    for adhoc in adhoc_filters:
        if adhoc.get("expressionType") == "SQL":
            where.append(f"({adhoc['sqlExpression']})")
            continue
        item = {"col": adhoc["subject"], "op": adhoc["operator"], "val": adhoc.get("comparator")}
        filters.append(item)
    return filters, " AND ".join(where)


def _metrics(params: dict[str, Any]) -> list[Any]:
    if params.get("query_mode") == "raw":
        return []
    metrics = list(params.get("metrics") or [])
    if params.get("metric"):
        metrics.insert(0, params["metric"])
    if params.get("metric_2"):
        metrics.append(params["metric_2"])
    return metrics


def metric_label(metric: Any) -> str:
    """The label Superset gives a metric in results: a saved metric's name or an adhoc metric's label."""
    return metric if isinstance(metric, str) else metric["label"]


def build_query(viz_type: str, params: dict[str, Any]) -> dict[str, Any]:
    """The one query a chart of this viz type runs for its data (no post-processing: the data API returns raw rows)."""
    filters, where = _filters(params.get("adhoc_filters") or [])
    metrics = _metrics(params)
    columns: list[Any] = []
    orderby: list[list[Any]] = []
    if viz_type in TIME_AXIS_VIZ:
        axis = params["x_axis"]
        columns.append(
            {
                "timeGrain": params.get("time_grain_sqla", TIME_GRAIN_DEFAULT),
                "columnType": "BASE_AXIS",
                "sqlExpression": axis,
                "label": axis,
                "expressionType": "SQL",
            }
        )
        columns += params.get("groupby") or []
        orderby = [[axis, True]]
    elif params.get("query_mode") == "raw":
        columns = list(params.get("all_columns") or [])
        orderby = [json.loads(o) for o in params.get("order_by_cols") or []]
    else:
        columns = list(params.get("groupby") or [])
        # a table's "sort by" metric (need not be shown), else its first metric
        sort_by = params.get("timeseries_limit_metric") or (metrics[0] if metrics else None)
        if sort_by:
            orderby = [[sort_by, not params.get("order_desc", True)]]
    return {
        "filters": filters,
        "extras": {"having": "", "where": where, "time_grain_sqla": params.get("time_grain_sqla")},
        "applied_time_extras": {},
        "columns": columns,
        # a raw table sends no metrics at all: Superset groups by the columns whenever metrics is a list, even empty
        "metrics": None if params.get("query_mode") == "raw" else metrics,
        "orderby": orderby,
        "annotation_layers": [],
        "row_limit": params.get("row_limit", 10000),
        "series_limit": 0,
        "order_desc": params.get("order_desc", True),
        "url_params": {},
        "custom_params": {},
        "custom_form_data": {},
        "time_range": params.get("time_range", "No filter"),
    }


def kpi_axis(viz_type: str, params: dict[str, Any], registry: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A time-series chart of one registry KPI gets its y axis from the registry: the KPI's number format and its
    label with the unit as the axis title (ROAS reads "ROAS (× ad spend)"), never a format chosen per chart."""
    metrics = params.get("metrics") or []
    if viz_type not in TIME_AXIS_VIZ or len(metrics) != 1 or not isinstance(metrics[0], str):
        return params
    kpi = registry.get(metrics[0])
    if kpi is None:
        return params
    return {
        **params,
        "y_axis_format": kpis.D3_FORMATS[kpi["format"]],
        "y_axis_title": kpis.heading(kpi),
        "y_axis_title_position": "Left",
        "y_axis_title_margin": 40,
    }


# Status colours of the scorecard's comparison columns (raw column or aggregate metric label → comparison).
STATUS_COLUMNS = {
    "attainment": "ratio",
    "pace_to_target": "ratio",
    "attainment_points": "points",
    "Attainment": "ratio",
    "Pace to target": "ratio",
}
ON_TRACK_COLOUR, OFF_TRACK_COLOUR = "#5AC189", "#E04355"


def status_colours(params: dict[str, Any], bands: dict[str, dict[str, float]]) -> dict[str, Any]:
    """A table's attainment columns coloured by the scorecard's status bands: green on track, red off track. The
    columns already point the KPI's good direction (target / actual when less is better), so lower CAC and a
    shorter cycle read green without a rule per chart."""
    shown = list(params.get("all_columns") or []) + [
        m["label"] for m in params.get("metrics") or [] if isinstance(m, dict) and "label" in m
    ]
    rules = list(params.get("conditional_formatting") or [])
    styled = {rule["column"] for rule in rules}
    for column in shown:
        basis = STATUS_COLUMNS.get(column)
        if basis is None or column in styled:
            continue
        rules += [
            {
                "column": column,
                "operator": "≥",
                "targetValue": bands[basis]["on_track"],
                "colorScheme": ON_TRACK_COLOUR,
            },
            {
                "column": column,
                "operator": "<",
                "targetValue": bands[basis]["at_risk"],
                "colorScheme": OFF_TRACK_COLOUR,
            },
        ]
    return {**params, "conditional_formatting": rules} if rules else params


def render_chart(
    chart: dict[str, Any], dataset: dict[str, Any], registry: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The chart config with `params.datasource` placeholder and `query_context` filled in (remapped on import)."""
    rendered = dict(chart)
    params = kpi_axis(chart["viz_type"], dict(chart["params"]), kpis.load() if registry is None else registry)
    if chart["viz_type"] == "table":
        params = status_colours(params, kpis.status_bands())
    params["viz_type"] = chart["viz_type"]
    # The importer replaces the datasource id with the installed dataset's; this placeholder only keeps form
    # data well-formed until then.
    params.setdefault("datasource", "0__table")
    rendered["params"] = params
    rendered["query_context"] = json.dumps(
        {
            "datasource": {"id": 0, "type": "table"},
            "force": False,
            "queries": [build_query(chart["viz_type"], params)],
            "form_data": params,
            "result_format": "json",
            "result_type": "full",
        }
    )
    return rendered
