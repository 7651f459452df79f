"""The KPI registry (`vars.kpis` in dbt_project/dbt_project.yml) as read by the Python side of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

FORMATS = ("currency_usd", "percent", "ratio", "days", "integer")
REQUIRED = ("label", "unit", "format", "direction", "docs", "grain", "levels", "additive", "target_basis")


class KpiRegistryError(ValueError):
    """The registry is malformed, or something names a KPI it does not define."""


@dataclass(frozen=True)
class Kpi:
    """One registered KPI."""

    id: str
    label: str
    unit: str
    format: str
    direction: str
    docs: str
    grain: str
    levels: tuple[str, ...]
    additive: bool
    target_basis: str
    mature_after_days: int | None = None
    daily: tuple[str, str | None] | None = None
    # the optional source of the company profile the KPI needs (orders, ads, activities); None = always there
    requires: str | None = None
    # how an actual is compared with its target: ratio (1 = met) or points (a growth rate: actual − target)
    attainment: str = "ratio"

    @property
    def target_direction(self) -> str:
        """The planning-sheet direction a target of this KPI must carry."""
        return "at_most" if self.direction == "down" else "at_least"


def load(dbt_project_dir: Path) -> dict[str, Kpi]:
    """Every KPI of the registry by id, validated."""
    path = dbt_project_dir / "dbt_project.yml"
    raw: dict[str, Any] = (yaml.safe_load(path.read_text()).get("vars") or {}).get("kpis") or {}
    if not raw:
        raise KpiRegistryError(f"{path}: vars.kpis (the KPI registry) is missing or empty")
    out = {}
    for kpi_id, spec in raw.items():
        missing = [k for k in REQUIRED if k not in (spec or {})]
        if missing:
            raise KpiRegistryError(f"KPI {kpi_id!r} in {path} lacks {missing}")
        if spec["format"] not in FORMATS:
            raise KpiRegistryError(f"KPI {kpi_id!r}: format {spec['format']!r} not in {FORMATS}")
        if spec.get("attainment", "ratio") not in ("ratio", "points"):
            raise KpiRegistryError(
                f"KPI {kpi_id!r}: attainment must be ratio or points, not {spec['attainment']!r}"
            )
        if spec["direction"] not in ("up", "down"):
            raise KpiRegistryError(f"KPI {kpi_id!r}: direction must be up or down, not {spec['direction']!r}")
        out[kpi_id] = Kpi(
            id=kpi_id,
            **{
                **spec,
                "levels": tuple(spec["levels"]),
                "daily": tuple(spec["daily"]) if spec.get("daily") else None,
            },
        )
    return out


def require(registry: dict[str, Kpi], kpi_id: str, where: str) -> Kpi:
    """The KPI `kpi_id`, or an error naming it and `where` it was named."""
    if kpi_id not in registry:
        raise KpiRegistryError(
            f"{where} names KPI {kpi_id!r}, which is not in the KPI registry "
            f"(dbt_project/dbt_project.yml vars.kpis; known: {', '.join(sorted(registry))})"
        )
    return registry[kpi_id]
