"""The transform domain's Dagster definitions: keys, groups, lineage to raw, blocking checks, partition vars."""

from __future__ import annotations

import dagster as dg
import pytest

from dagster_project.defs.transform import build_defs
from dagster_project.runs import RunWindow
from dagster_project.warehouse import WarehouseResource

MARTS = {
    "dim_date",
    "dim_reps",
    "dim_rep_teams",
    "dim_accounts",
    "dim_campaigns",
    "fct_orders",
    "fct_deals",
    "fct_deal_funnel",
    "fct_deal_stage_durations",
    "fct_leads",
    "fct_ad_spend",
    "fct_activities",
    "kpi_sales_daily",
    "kpi_monthly",
    "kpi_channel_monthly",
    "kpi_target_attainment",
    "kpi_scorecard",
    "route_accounts",
    "route_reps",
    "route_field_visits",
    "route_location_issues",
    "rep_analysis",
    "rep_visibility",
}


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    defs = dg.Definitions.merge(
        build_defs(),
        dg.Definitions(
            resources={"warehouse": WarehouseResource(path=str(tmp_path_factory.mktemp("w") / "w.duckdb"))}
        ),
    )
    return defs.resolve_asset_graph()


def test_keys_are_schema_and_model_and_groups_follow_folders(graph):
    materialized = {
        key: graph.get(key) for key in graph.get_all_asset_keys() if graph.get(key).is_materializable
    }
    assert {key.path[1] for key in materialized if key.path[0] == "marts"} == MARTS
    for key, node in materialized.items():
        assert len(key.path) == 2
        assert key.path[0] in {"staging", "intermediate", "features", "marts", "bi"}
        assert node.group_name == key.path[0]
    # the BI layer reads the marts and nothing upstream of them
    bi = {key for key in materialized if key.path[0] == "bi"}
    assert len(bi) >= 7
    assert {p.path[0] for key in bi for p in graph.get(key).parent_keys} == {"marts"}


def test_staging_reads_the_ingest_assets(graph):
    parents = graph.get(dg.AssetKey(["staging", "stg_crm__deals"])).parent_keys
    assert parents == {dg.AssetKey(["raw", "crm_deals"])}
    raw = {key for key in graph.get_all_asset_keys() if key.path[0] == "raw"}
    assert dg.AssetKey(["raw", "ref_kpi_targets"]) in raw and len(raw) == 17


def test_error_tests_are_blocking_checks(graph):
    checks = list(graph.asset_check_keys)
    assert len(checks) > 40
    # a channel without its own CAC threshold leaves a KPI unjudged, not a number wrong: that test only warns
    warnings = {k.name for k in checks if not graph.get_check_spec(k).blocking}
    assert warnings == {"assert_channel_cac_has_a_threshold"}
    scorecard = {k.name for k in checks if k.asset_key == dg.AssetKey(["marts", "kpi_scorecard"])}
    assert "not_null_kpi_scorecard_status" in scorecard


def test_dbt_assets_follow_the_raw_partitions_without_being_partitioned(graph):
    node = graph.get(dg.AssetKey(["marts", "kpi_monthly"]))
    assert node.partitions_def is None


def test_run_day_range_becomes_inclusive_dbt_window():
    ranged = RunWindow.of(
        {
            "dagster/asset_partition_range_start": "2025-01-01",
            "dagster/asset_partition_range_end": "2025-01-03",
        }
    )
    assert ranged.dbt_env() == {"KPI_WINDOW_START": "2025-01-01", "KPI_WINDOW_END": "2025-01-03"}
    assert RunWindow.of({"dagster/partition": "2025-02-01"}).dbt_env() == {
        "KPI_WINDOW_START": "2025-02-01",
        "KPI_WINDOW_END": "2025-02-01",
    }
    assert RunWindow.of({}).dbt_env() == {}


def test_partitioned_materialization_passes_the_window_to_dbt(tmp_path, full_warehouse, monkeypatch):
    """A real Dagster run over a one-day range rebuilds only the orders that day touched (with the staging tables
    they read), and its dbt tests pass: raw lines changed in every partition reach the marts only where the day
    loaded them, and the orders the day did not touch keep their values."""
    import shutil

    import duckdb

    from dagster_project.defs.transform.assets import build_dbt_assets
    from dagster_project.defs.transform.resources import dbt_project, dbt_resource
    from tests.transform.dbt_runner import read_table

    monkeypatch.setenv("KPI_START_DATE", "2024-12-01")
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(full_warehouse, warehouse)
    before = read_table(warehouse, "fct_orders").set_index("order_id")
    with duckdb.connect(str(warehouse)) as con:
        # the day that loaded the lines of the most orders it is also the newest load of
        day = con.execute(
            "select orders.loaded_for_date from marts.fct_orders as orders inner join raw.orders_order_lines as lines "
            "on lines.order_id = orders.order_id and lines._partition_date = orders.loaded_for_date "
            "group by 1 order by count(*) desc, 1 limit 1"
        ).fetchone()[0]
        relined = {
            r[0]
            for r in con.execute(
                "select distinct order_id from raw.orders_order_lines where _partition_date = ?", [day]
            ).fetchall()
        }
        con.execute("update raw.orders_order_lines set line_amount = line_amount + 1000")

    project = dbt_project()
    result = dg.materialize(
        [build_dbt_assets(project)],
        resources={"dbt": dbt_resource(project), "warehouse": WarehouseResource(path=str(warehouse))},
        tags={
            "dagster/asset_partition_range_start": f"{day:%Y-%m-%d}",
            "dagster/asset_partition_range_end": f"{day:%Y-%m-%d}",
        },
        selection=dg.AssetSelection.assets(dg.AssetKey(["marts", "fct_orders"]))
        | dg.AssetSelection.groups("staging"),
    )
    assert result.success
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert dg.AssetKey(["marts", "fct_orders"]) in materialized
    assert dg.AssetKey(["marts", "kpi_monthly"]) not in materialized
    assert all(e.passed for e in result.get_asset_check_evaluations())
    after = read_table(warehouse, "fct_orders").set_index("order_id").loc[before.index]
    changed = (after["gross_amount"] - before["gross_amount"]).abs() > 0.5
    touched = before["customer_id"].isin(
        before.loc[before["loaded_for_date"].astype(str) == f"{day:%Y-%m-%d}", "customer_id"]
    )
    assert 0 < int(touched.sum()) < len(before)
    assert relined and changed[before.index.isin(relined)].all() and not changed[~touched].any()
