"""The quality domain's definitions: one check per suite, partitioned like its asset, blocking as specified."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.quality import build_defs
from dagster_project.defs.quality.suites import suites_by_asset
from dagster_project.warehouse import WarehouseResource
from tests.quality.fixture import loaded_asset


def test_checks_follow_their_assets():
    assets = [
        loaded_asset(("raw", "crm_deals")),
        loaded_asset(("raw", "ref_fx_rates"), partitioned=False),
        loaded_asset(("raw", "not_in_the_contract")),
    ]
    defs = dg.Definitions.merge(
        dg.Definitions(assets=assets, resources={"warehouse": WarehouseResource(path="unused.duckdb")}),
        build_defs([dg.Definitions(assets=assets)]),
    )
    graph = defs.resolve_asset_graph()
    specs = {key: graph.get_check_spec(key) for key in graph.asset_check_keys}
    names = {(k.asset_key.path[1], k.name) for k in specs}
    assert names == {
        ("crm_deals", n) for n in ("schema", "values", "plausibility", "volume", "volume_trend", "freshness")
    } | {("ref_fx_rates", n) for n in ("schema", "values", "plausibility")} | {
        # every raw table, in the contract or not, has its quarantine-share limit
        (t, "quarantine_share")
        for t in ("crm_deals", "ref_fx_rates", "not_in_the_contract")
    }
    deals = {k.name: s for k, s in specs.items() if k.asset_key.path[1] == "crm_deals"}
    assert {n for n, s in deals.items() if s.blocking} == {"schema", "values", "volume", "quarantine_share"}
    # Checks read the run's day range from its tags rather than being partitioned (see checks.partition_window).
    assert all(s.partitions_def is None for s in specs.values())


def test_every_raw_table_of_the_contract_has_a_suite():
    keys = set(suites_by_asset())
    for table in [
        "crm_users",
        "crm_accounts",
        "crm_leads",
        "crm_deals",
        "crm_deal_stage_events",
        "crm_activities",
        "ads_google_ads",
        "ads_meta_ads",
        "ads_yandex_direct",
        "orders_customers",
        "orders_products",
        "orders_orders",
        "orders_order_lines",
        "orders_refunds",
        "ref_fx_rates",
        "ref_kpi_targets",
        "ref_sales_costs",
    ]:
        assert ("raw", table) in keys
    assert ("marts", "fct_orders") in keys
