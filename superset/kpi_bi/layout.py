"""A dashboard's Superset `position` and native filters rendered from its compact `layout` and `filters` keys."""

from __future__ import annotations

from typing import Any

DEFAULT_HEIGHT = 50
# A layout item naming this instead of a chart uuid is the dashboard's title as a Markdown block: Superset's report
# screenshots (standalone mode) leave the dashboard header out, so a PNG would otherwise carry no title.
TITLE = "title"
# Standalone pages (report screenshots, ?standalone=…) are as tall as their content: Superset stretches the page to
# the browser window, which left the bottom of a report PNG blank when the dashboard was shorter than the window.
STANDALONE_CSS = (
    "html, body.standalone, body.standalone #app { height: auto !important; min-height: 0 !important; }"
)

# The warehouse's shared native filters: name, column and the dataset (table name) whose values the filter lists.
FILTERS = {
    "period": {"name": "Period", "type": "filter_time", "column": None, "values_from": None},
    "region": {"name": "Region", "type": "filter_select", "column": "region", "values_from": "dim_reps"},
    "team": {"name": "Team", "type": "filter_select", "column": "team_id", "values_from": "dim_reps"},
    "rep": {"name": "Rep", "type": "filter_select", "column": "rep_id", "values_from": "dim_reps"},
    "channel": {
        "name": "Channel",
        "type": "filter_select",
        "column": "channel",
        "values_from": "kpi_sales_daily",
    },
}


def _columns(dataset: dict[str, Any]) -> set[str]:
    return {c["column_name"] for c in dataset["columns"]}


def _native_filter(
    key: str,
    chart_ids: dict[str, int],
    charts: dict[str, tuple],
    datasets: dict[str, dict],
    period_excludes: frozenset[str] = frozenset(),
):
    spec = FILTERS[key]
    if spec["type"] == "filter_time":
        targets: list[dict[str, Any]] = [{}]
        # A period applies to every chart with a time column; the others would only show a warning. Charts of the
        # current state (the next route, today's priorities) are listed in the dashboard's `period_excludes`.
        excluded = [
            cid
            for uuid, cid in chart_ids.items()
            if uuid in period_excludes or not any(c["is_dttm"] for c in charts[uuid][1]["columns"])
        ]
    else:
        source = next((d for d in datasets.values() if d["table_name"] == spec["values_from"]), None)
        if source is None:
            raise ValueError(f"filter {key}: dataset {spec['values_from']} is not in the bundle")
        targets = [{"datasetUuid": source["uuid"], "column": {"name": spec["column"]}}]
        # Filters apply by column name; charts whose dataset lacks the column stay out of scope.
        excluded = [cid for uuid, cid in chart_ids.items() if spec["column"] not in _columns(charts[uuid][1])]
    return {
        "id": f"NATIVE_FILTER-{key}",
        "name": spec["name"],
        "filterType": spec["type"],
        "type": "NATIVE_FILTER",
        "targets": targets,
        "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
        "controlValues": (
            {}
            if spec["type"] == "filter_time"
            else {
                "enableEmptyFilter": False,
                "defaultToFirstItem": False,
                "multiSelect": True,
                "searchAllOptions": False,
                "inverseSelection": False,
            }
        ),
        "cascadeParentIds": [],
        "scope": {"rootPath": ["ROOT_ID"], "excluded": excluded},
        "description": "",
    }


def render_dashboard(
    config: dict[str, Any], charts: dict[str, tuple], datasets: dict[str, dict]
) -> dict[str, Any]:
    """The dashboard config with `position` and `metadata.native_filter_configuration` generated.

    `layout` is a list of rows, each a list of `[chart uuid, width]` (widths of a row add up to at most 12), or a
    section heading `{header: text}`;
    `filters` names entries of FILTERS. Chart ids in the output are local placeholders the importer remaps.
    """
    rendered = {
        k: v
        for k, v in config.items()
        if k not in ("layout", "filters", "roles", "landing_for", "period_excludes")
    }
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": config["dashboard_title"]}},
    }
    chart_ids: dict[str, int] = {}
    for row_number, row in enumerate(config["layout"], start=1):
        if isinstance(row, dict):
            # a section heading between rows: `{header: text}`
            header_id = f"HEADER-{row_number}"
            position["GRID_ID"]["children"].append(header_id)
            position[header_id] = {
                "type": "HEADER",
                "id": header_id,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID"],
                "meta": {
                    "text": row["header"],
                    "headerSize": "MEDIUM_HEADER",
                    "background": "BACKGROUND_TRANSPARENT",
                },
            }
            continue
        row_id = f"ROW-{row_number}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        if sum(width for _, width, *_ in row) > 12:
            raise ValueError(f"{config['slug']}: row {row_number} is wider than 12 columns")
        for uuid, width, *height in row:
            if uuid == TITLE:
                key = f"MARKDOWN-{row_number}"
                position[row_id]["children"].append(key)
                position[key] = {
                    "type": "MARKDOWN",
                    "id": key,
                    "children": [],
                    "parents": ["ROOT_ID", "GRID_ID", row_id],
                    "meta": {
                        "width": width,
                        "height": height[0] if height else DEFAULT_HEIGHT,
                        "code": f"# {config['dashboard_title']}\n\n{config.get('description') or ''}".strip(),
                    },
                }
                continue
            if uuid not in charts:
                raise ValueError(f"{config['slug']}: chart {uuid} is not in the bundle")
            chart = charts[uuid][0]
            chart_ids[uuid] = len(chart_ids) + 1
            chart_key = f"CHART-{chart_ids[uuid]}"
            position[row_id]["children"].append(chart_key)
            position[chart_key] = {
                "type": "CHART",
                "id": chart_key,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {
                    "width": width,
                    "height": height[0] if height else DEFAULT_HEIGHT,
                    "chartId": chart_ids[uuid],
                    "uuid": uuid,
                    "sliceName": chart["slice_name"],
                },
            }
    metadata = dict(config.get("metadata") or {})
    metadata["native_filter_configuration"] = [
        _native_filter(key, chart_ids, charts, datasets, frozenset(config.get("period_excludes") or []))
        for key in config.get("filters", [])
    ]
    metadata.setdefault("chart_configuration", {})
    metadata.setdefault("global_chart_configuration", {"scope": {"rootPath": ["ROOT_ID"], "excluded": []}})
    rendered["position"] = position
    rendered["metadata"] = metadata
    rendered["css"] = "\n".join(c for c in (STANDALONE_CSS, config.get("css") or "") if c)
    return rendered
