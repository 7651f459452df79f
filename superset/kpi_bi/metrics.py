"""Superset dataset metrics of the KPI columns (the registry's ids) with their docs description from the dbt manifest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kpi_bi.kpis import D3_FORMATS, heading

# The mart that the dbt project documents as holding only additive measures: a KPI that is one of its columns
# may be summed over rows; any other KPI (a ratio, a median) is a value per row and is averaged instead.
ADDITIVE_MODEL = "kpi_sales_daily"


class ManifestError(RuntimeError):
    """The dbt manifest is missing or lacks what the Superset layer needs."""


def load_manifest(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise ManifestError(f"dbt manifest {path} not found: run `dbt parse` (or `kpi build`) first")
    return json.loads(path.read_text())


def model_columns(manifest: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """Every model's columns by model name (the name is the table name in the serving snapshot)."""
    return {
        node["name"]: node.get("columns", {})
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") == "model"
    }


def kpi_metrics(
    manifest: dict[str, Any], model: str, registry: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The Superset metric definitions (import-YAML shape) of one model's KPI columns, in column order."""
    columns = model_columns(manifest)
    if model not in columns:
        return []
    additive = set(columns.get(ADDITIVE_MODEL, {}))
    metrics = []
    for name, column in columns[model].items():
        kpi = registry.get(name)
        if not kpi:
            continue
        aggregate = "SUM" if name in additive else "AVG"
        metrics.append(
            {
                "metric_name": name,
                "verbose_name": heading(kpi),
                "metric_type": aggregate.lower(),
                "expression": f'{aggregate}("{name}")',
                "description": column.get("description") or None,
                "d3format": D3_FORMATS[kpi["format"]],
                "currency": None,
                "extra": {"kpi_direction": kpi["direction"], "kpi_unit": kpi["unit"]},
                "warning_text": None,
            }
        )
    return metrics


def count_metric() -> dict[str, Any]:
    """Superset's usual row count, present on every dataset."""
    return {
        "metric_name": "count",
        "verbose_name": "Rows",
        "metric_type": "count",
        "expression": "COUNT(*)",
        "description": "Number of rows.",
        "d3format": ",d",
        "currency": None,
        "extra": None,
        "warning_text": None,
    }
