"""How dbt nodes become Dagster assets: keys say where the table lives, groups follow the dbt folder."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

# dbt folder under models/ → Dagster group (the layer a reader expects in the lineage graph)
LAYERS = ("staging", "intermediate", "features", "marts")


class WarehouseDbtTranslator(DagsterDbtTranslator):
    """Asset key [schema, model] for models and seeds; sources keep the key their meta names (the ingest assets)."""

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        folder = fqn[1] if len(fqn) > 2 else None
        if fqn[1:3] == ["marts", "bi"] and len(fqn) > 3:
            return "bi"  # the layer shaped for Superset, read from the serving snapshot
        if folder in LAYERS:
            return folder
        # seeds are static lookups read by staging-level logic
        return "staging" if dbt_resource_props["resource_type"] == "seed" else None
