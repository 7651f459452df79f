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
    manifest = json.loads(dbt_project().manifest_path.read_text())
    nodes = manifest["nodes"]
    for exposure in manifest["exposures"].values():
        node = graph.get(dg.AssetKey(["superset", exposure["name"]]))
        # the snapshot, and exactly the marts and bi models the dashboard's charts read
        reads = {dg.AssetKey([nodes[n]["schema"], nodes[n]["name"]]) for n in exposure["depends_on"]["nodes"]}
        assert node.parent_keys == {SERVING_KEY, *reads}
        assert not node.is_materializable, "dashboards are served by Superset, not built by a run"
    leadership = graph.get(dg.AssetKey(["superset", "leadership_kpi_overview"])).parent_keys
    assert dg.AssetKey(["bi", "headline_kpis"]) in leadership
    assert dg.AssetKey(["marts", "fct_ad_spend"]) not in leadership
    ancestors = set()
    frontier = {dg.AssetKey(["superset", "leadership_kpi_overview"])}
    while frontier:
        key = frontier.pop()
        for parent in graph.get(key).parent_keys:
            if parent not in ancestors:
                ancestors.add(parent)
                frontier.add(parent)
    assert {dg.AssetKey(["marts", "kpi_monthly"]), dg.AssetKey(["raw", "crm_deals"])} <= ancestors


def test_dashboards_are_observed_when_the_snapshot_they_read_is_published(tmp_path):
    import duckdb

    from dagster_project.defs.serving.assets import build_serving_asset
    from dagster_project.warehouse import WarehouseResource

    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts; create table marts.kpi_demo as select 1 as x")
    dashboards = [dg.AssetKey(["superset", "board_a"]), dg.AssetKey(["superset", "board_b"])]
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            [build_serving_asset([], tmp_path / "serving.duckdb", dashboards=dashboards)],
            instance=instance,
            resources={"warehouse": WarehouseResource(path=str(warehouse))},
        )
        observed = [e.asset_key for e in result.get_asset_observation_events()]
        assert observed == dashboards
        # the UI reads the dashboards' state from the instance: observed, no longer "never materialized"
        assert all(instance.fetch_observations(key, limit=1).records for key in dashboards)
