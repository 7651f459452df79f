"""Serving domain: the snapshot Superset reads, and the dashboards that read it (from the dbt exposures)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from dagster_project.defs.serving.assets import SERVING_KEY, build_serving_asset
from dagster_project.environment import settings


def dashboard_specs(manifest_path: Path) -> list[dg.AssetSpec]:
    """One asset per dbt exposure of type dashboard, downstream of the serving snapshot that Superset reads and of
    exactly the marts and bi models its charts read (the exposure's depends_on)."""
    if not manifest_path.exists():
        return []
    manifest = json.loads(manifest_path.read_text())
    nodes = manifest.get("nodes", {})
    specs = []
    for exposure in sorted(manifest.get("exposures", {}).values(), key=lambda e: e["name"]):
        if exposure.get("type") != "dashboard":
            continue
        reads = sorted(
            dg.AssetKey([nodes[n]["schema"], nodes[n]["name"]])
            for n in exposure["depends_on"]["nodes"]
            if n in nodes
        )
        marts = [".".join(key.path) for key in reads]
        specs.append(
            dg.AssetSpec(
                key=dg.AssetKey(["superset", exposure["name"]]),
                deps=[SERVING_KEY, *reads],
                description=exposure.get("description") or exposure.get("label"),
                group_name="dashboards",
                kinds={"superset"},
                owners=["team:data-engineering"],
                metadata={
                    "url": dg.MetadataValue.url(exposure["url"]) if exposure.get("url") else "",
                    "reads_marts": ", ".join(marts) if marts else "health schema only",
                    "dbt_exposure": exposure["unique_id"],
                },
            )
        )
    return specs


def build_defs(upstream: Sequence[dg.AssetKey], checks: Sequence[dg.AssetCheckSpec] = ()) -> dg.Definitions:
    config = settings()
    dashboards = dashboard_specs(config.dbt_project_dir / "target" / "manifest.json")
    return dg.Definitions(
        assets=[
            build_serving_asset(upstream, config.serving_path, checks, [d.key for d in dashboards]),
            *dashboards,
        ]
    )
