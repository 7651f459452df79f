"""Lineage ends at the dashboards: every Superset dashboard is a dbt exposure and a Dagster asset after the snapshot."""

import json

import dagster as dg
import yaml

from dagster_project.definitions import defs
from dagster_project.defs.serving.assets import SERVING_KEY
from dagster_project.defs.transform.resources import dbt_project
from dagster_project.environment import REPO_ROOT

DASHBOARDS = REPO_ROOT / "superset" / "assets" / "dashboards"


def _slugs() -> set[str]:
    return {yaml.safe_load(p.read_text())["slug"] for p in DASHBOARDS.glob("*.yaml")}


def test_every_dashboard_is_an_exposure_reading_the_marts_its_charts_use():
    manifest = json.loads(dbt_project().manifest_path.read_text())
    exposures = {e["url"].rstrip("/").rsplit("/", 1)[-1]: e for e in manifest["exposures"].values()}
    assert set(exposures) == _slugs()
    depends = set(exposures["marketing-efficiency"]["depends_on"]["nodes"])
    assert "model.kpi_warehouse.kpi_channel_monthly" in depends
    assert all(e["type"] == "dashboard" for e in exposures.values())


def test_dagster_lineage_runs_from_raw_to_each_dashboard():
    graph = defs().resolve_asset_graph()
    dashboards = {k for k in graph.get_all_asset_keys() if k.path[0] == "superset"}
    assert {k.path[1].replace("_", "-") for k in dashboards} == _slugs()
    for key in dashboards:
        node = graph.get(key)
        assert node.parent_keys == {SERVING_KEY}
        assert not node.is_materializable, "dashboards are served by Superset, not built by a run"
    ancestors = set()
    frontier = {dg.AssetKey(["superset", "leadership_kpi_overview"])}
    while frontier:
        key = frontier.pop()
        for parent in graph.get(key).parent_keys:
            if parent not in ancestors:
                ancestors.add(parent)
                frontier.add(parent)
    assert {dg.AssetKey(["marts", "kpi_monthly"]), dg.AssetKey(["raw", "crm_deals"])} <= ancestors
