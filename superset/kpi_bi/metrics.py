"""Superset dataset metrics rendered from the dbt manifest: each KPI column's `meta.kpi` and its docs description."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# The mart that the dbt project documents as holding only additive measures: a KPI that is one of its columns
# may be summed over rows; any other KPI (a ratio, a median) is a value per row and is averaged instead.
ADDITIVE_MODEL = "kpi_sales_daily"

D3_FORMATS = {
    "currency_usd": "$,.0f",
    "percent": ".1%",
    "ratio": ",.2f",
    "days": ",.1f",
    "integer": ",d",
}


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


def kpi_metrics(manifest: dict[str, Any], model: str) -> list[dict[str, Any]]:
    """The Superset metric definitions (import-YAML shape) of one model's KPI columns, in column order."""
    columns = model_columns(manifest)
    if model not in columns:
        return []
    additive = set(columns.get(ADDITIVE_MODEL, {}))
    metrics = []
    for name, column in columns[model].items():
        kpi = (column.get("meta") or {}).get("kpi") or (column.get("config", {}).get("meta") or {}).get("kpi")
        if not kpi:
            continue
        missing = {"name", "label", "format"} - set(kpi)
        if missing:
            raise ManifestError(f"{model}.{name}: meta.kpi lacks {sorted(missing)}")
        if kpi["format"] not in D3_FORMATS:
            raise ManifestError(f"{model}.{name}: unknown KPI format {kpi['format']!r} (known: {sorted(D3_FORMATS)})")
        aggregate = "SUM" if name in additive else "AVG"
        metrics.append({
            "metric_name": kpi["name"],
            "verbose_name": kpi["label"],
            "metric_type": aggregate.lower(),
            "expression": f'{aggregate}("{name}")',
            "description": column.get("description") or None,
            "d3format": D3_FORMATS[kpi["format"]],
            "currency": None,
            "extra": {"kpi_direction": kpi.get("direction")},
            "warning_text": None,
        })
    return metrics


def count_metric() -> dict[str, Any]:
    """Superset's usual row count, present on every dataset."""
    return {
        "metric_name": "count", "verbose_name": "Rows", "metric_type": "count", "expression": "COUNT(*)",
        "description": "Number of rows.", "d3format": ",d", "currency": None, "extra": None, "warning_text": None,
    }
