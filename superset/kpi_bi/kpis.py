"""The KPI registry (`vars.kpis` in dbt_project/dbt_project.yml) as read by the Superset side: metrics, formats,
alert KPIs and report columns all name KPIs by its ids."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]

# Superset (d3) number format of each registry format.
D3_FORMATS = {
    "currency_usd": "$,.0f",
    "percent": ".1%",
    "ratio": ",.2f",
    "days": ",.1f",
    "integer": ",d",
}


class KpiRegistryError(ValueError):
    """The registry is missing or malformed, or something names a KPI it does not define."""


def registry_path() -> Path:
    """dbt_project.yml of the project (KPI_DBT_PROJECT_DIR), read when asked, never at import time."""
    return Path(os.environ.get("KPI_DBT_PROJECT_DIR", REPO_ROOT / "dbt_project")) / "dbt_project.yml"


def load(path: Path | None = None) -> dict[str, dict[str, Any]]:
    """Every KPI of the registry by id (each entry also carries its id as `id`)."""
    path = path or registry_path()
    if not path.exists():
        raise KpiRegistryError(f"KPI registry {path} not found (set KPI_DBT_PROJECT_DIR)")
    raw = (yaml.safe_load(path.read_text()).get("vars") or {}).get("kpis") or {}
    if not raw:
        raise KpiRegistryError(f"{path}: vars.kpis (the KPI registry) is missing or empty")
    out = {}
    for kpi_id, spec in raw.items():
        if spec.get("format") not in D3_FORMATS:
            raise KpiRegistryError(
                f"KPI {kpi_id!r}: unknown format {spec.get('format')!r} (known: {sorted(D3_FORMATS)})"
            )
        out[kpi_id] = {"id": kpi_id, **spec}
    return out


def status_bands(path: Path | None = None) -> dict[str, dict[str, float]]:
    """vars.kpi_status_bands: per comparison (ratio, points) the value from which a KPI is on track / at risk."""
    path = path or registry_path()
    bands = (yaml.safe_load(path.read_text()).get("vars") or {}).get("kpi_status_bands")
    if not bands or set(bands) != {"ratio", "points"}:
        raise KpiRegistryError(f"{path}: vars.kpi_status_bands must give the ratio and points bands")
    return bands


def require(registry: dict[str, dict[str, Any]], kpi_id: Any, where: str) -> dict[str, Any]:
    """The KPI `kpi_id`, or an error naming it and `where` it was named."""
    if kpi_id not in registry:
        raise KpiRegistryError(
            f"{where} names KPI {kpi_id!r}, which is not in the KPI registry "
            f"({registry_path()} vars.kpis; known: {', '.join(sorted(registry))})"
        )
    return registry[kpi_id]


def heading(kpi: dict[str, Any]) -> str:
    """A column heading: the label with its unit unless the label already says it."""
    unit = kpi.get("unit") or ""
    return f"{kpi['label']} ({unit})" if unit and unit not in ("%",) else kpi["label"]


def format_value(kpi: dict[str, Any], value: Any) -> str:
    """A value as a reader expects it in an e-mail: $1,234 / 12.3 % / 1.25× / 14.0 days / 1,234; '–' for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    value = float(value)
    fmt = kpi["format"]
    if fmt == "currency_usd":
        return f"${value:,.0f}"
    if fmt == "percent":
        return f"{value * 100:,.1f} %"
    if fmt == "ratio":
        return f"{value:,.2f}×"
    if fmt == "days":
        return f"{value:,.1f} days"
    return f"{value:,.0f}"
