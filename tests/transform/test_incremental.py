"""Incremental builds over partition windows equal a full refresh, and re-running a window changes nothing."""

from __future__ import annotations

from datetime import date

import pandas as pd

from tests.transform.dbt_runner import mart_tables, normalised, read_table, run_dbt
from tests.transform.raw_fixture import write_raw

WINDOWS = [
    (date(2024, 12, 1), date(2024, 12, 31)),
    (date(2025, 1, 1), date(2025, 1, 31)),
    (date(2025, 2, 1), date(2025, 2, 28)),
]


def _window(start: date, end: date) -> dict:
    """The window as Dagster hands it to dbt (environment variables; the vars min_date/max_date work the same,
    see test_postgres_parity)."""
    return {"KPI_WINDOW_START": start.isoformat(), "KPI_WINDOW_END": end.isoformat()}


def _assert_same_marts(left, right) -> None:
    tables = mart_tables(left)
    assert tables == mart_tables(right)
    assert {"fct_orders", "fct_deals", "kpi_monthly", "kpi_scorecard"} <= set(tables)
    for table in tables:
        a, b = normalised(read_table(left, table)), normalised(read_table(right, table))
        assert len(a) > 0, f"{table} is empty"
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=table)


def _windowed_and_refreshed(tmp_path, tables: dict[str, pd.DataFrame]):
    """The raw tables built twice: window by window as the daily partitions load them, and by one full refresh."""
    warehouse, target = tmp_path / "incremental.duckdb", tmp_path / "target"
    build = ["build", "--exclude", "resource_type:test", "resource_type:unit_test"]
    for start, end in WINDOWS:
        write_raw(str(warehouse), tables, until=end)
        run_dbt(build, warehouse=warehouse, env=_window(start, end), target_path=target)
    refreshed = tmp_path / "full.duckdb"
    write_raw(str(refreshed), tables)
    run_dbt([*build, "--full-refresh"], warehouse=refreshed, target_path=tmp_path / "target_full")
    return warehouse, refreshed


def test_windowed_history_equals_full_refresh_and_reruns_are_idempotent(tmp_path, raw_tables, full_warehouse):
    warehouse = tmp_path / "incremental.duckdb"
    target = tmp_path / "target"
    # the history arrives window by window, as the daily partitions would load it
    for start, end in WINDOWS:
        write_raw(str(warehouse), raw_tables, until=end)
        run_dbt(
            ["build", "--exclude", "resource_type:test", "resource_type:unit_test"],
            warehouse=warehouse,
            env=_window(start, end),
            target_path=target,
        )
    _assert_same_marts(warehouse, full_warehouse)

    # re-running an old window on the complete raw data leaves every mart as it was
    run_dbt(
        ["build", "--exclude", "resource_type:test", "resource_type:unit_test"],
        warehouse=warehouse,
        env=_window(*WINDOWS[1]),
        target_path=target,
    )
    _assert_same_marts(warehouse, full_warehouse)


def test_a_windowed_run_rebuilds_only_what_its_window_touched(tmp_path, raw_tables):
    """The window the environment names is the one applied: a raw change outside it waits for a run that covers it."""
    import duckdb

    warehouse = tmp_path / "window.duckdb"
    target = tmp_path / "target"
    build = ["build", "--exclude", "resource_type:test", "resource_type:unit_test"]
    write_raw(str(warehouse), raw_tables)
    run_dbt(build, warehouse=warehouse, target_path=target)
    with duckdb.connect(str(warehouse)) as con:
        order_id, gross = con.execute(
            "select order_id, gross_amount from marts.fct_orders where order_date < '2024-12-20' "
            "and not is_cancelled and line_count = 1 order by order_id limit 1"
        ).fetchone()
        # the order's line is corrected in place, in its own (December) partition
        con.execute(
            "update raw.orders_order_lines set line_amount = line_amount * 2 where order_id = ?", [order_id]
        )

    def mart_gross() -> float:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute(
                "select gross_amount from marts.fct_orders where order_id = ?", [order_id]
            ).fetchone()[0]

    # a day after the fixture's history: nothing was loaded for it, so nothing is recomputed
    run_dbt(build, warehouse=warehouse, env=_window(date(2025, 6, 1), date(2025, 6, 1)), target_path=target)
    assert mart_gross() == gross, "a window without loads does not recompute a December order"
    run_dbt(
        build, warehouse=warehouse, env=_window(date(2024, 12, 1), date(2024, 12, 31)), target_path=target
    )
    assert mart_gross() != gross, "the December window does"


def test_a_late_change_to_an_old_deal_rewrites_the_months_it_left_and_entered(
    tmp_path, raw_tables, full_warehouse
):
    """A deal won in December gets a new version in February that moves its close into January and changes its
    amount: the February window must rewrite December and January, exactly as a full refresh computes them."""
    from datetime import datetime

    tables = {name: frame.copy() for name, frame in raw_tables.items()}
    deals = tables["crm_deals"]
    won = deals[(deals["stage"] == "won") & (deals["_partition_date"] < date(2024, 12, 20))]
    late = won.sort_values("_loaded_at").iloc[[0]].copy()
    late["amount"] = late["amount"] * 10
    late["closed_at"] = datetime(2025, 1, 15, 15)
    late["updated_at"] = datetime(2025, 2, 10, 9)
    late["_partition_date"] = date(2025, 2, 10)
    late["_loaded_at"] = datetime(2025, 2, 10, 23)
    tables["crm_deals"] = pd.concat([deals, late], ignore_index=True)

    warehouse, refreshed = _windowed_and_refreshed(tmp_path, tables)
    _assert_same_marts(warehouse, refreshed)

    # and the change did reach December and January (it is not equal to the history without it)
    def company(path):
        frame = read_table(path, "kpi_monthly")
        frame = frame[frame["owner_level"] == "company"]
        frame = frame.set_index(pd.to_datetime(frame["month_start"]).dt.strftime("%Y-%m"))
        return frame[["won_count", "won_amount_usd"]]

    before, after = company(full_warehouse), company(warehouse)
    assert after.loc["2024-12", "won_count"] == before.loc["2024-12", "won_count"] - 1
    assert after.loc["2025-01", "won_count"] == before.loc["2025-01", "won_count"] + 1


def test_a_lead_reattributed_later_carries_its_deal_and_orders_to_the_new_channel(
    tmp_path, raw_tables, full_warehouse
):
    """Two ways a lead's channel changes after it was built, both arriving in February: a referral lead whose deal
    was won in January gets a version that credits a Google Ads campaign, and a December lead's campaign is first
    reported by its platform in February. The February window must move the leads, the deal, its orders and the
    channel KPIs, exactly as a full refresh does."""
    from datetime import datetime

    import duckdb

    tables = {name: frame.copy() for name, frame in raw_tables.items()}
    leads = tables["crm_leads"]
    deals = tables["crm_deals"]
    orders = tables["orders_orders"]
    sold = deals[deals["lead_id"].notna() & deals["id"].isin(orders["crm_deal_id"])]
    organic = leads[leads["utm_source"].isna() & leads["id"].isin(sold["lead_id"])]
    lead_id = organic.sort_values("_loaded_at")["id"].iloc[0]
    late = leads[leads["id"] == lead_id].sort_values("_loaded_at").iloc[[-1]].copy()
    late["utm_source"], late["utm_campaign"] = "google_ads", "g1"
    late["updated_at"] = datetime(2025, 2, 10, 9)
    late["_partition_date"] = date(2025, 2, 10)
    late["_loaded_at"] = datetime(2025, 2, 10, 23)
    # a December lead from a campaign its platform reports only from February on
    unreported = (
        leads[leads["utm_source"].isna() & (leads["id"] != lead_id)]
        .sort_values("_loaded_at")
        .iloc[[0]]
        .copy()
    )
    unreported["utm_source"], unreported["utm_campaign"] = "google_ads", "g9"
    late_report = tables["ads_google_ads"].iloc[[0]].copy()
    late_report["campaign_id"], late_report["campaign"] = "g9", "search_late_report"
    late_report["day"] = date(2025, 2, 3)
    late_report["_partition_date"] = date(2025, 2, 3)
    late_report["_loaded_at"] = datetime(2025, 2, 3, 23)
    tables["ads_google_ads"] = pd.concat([tables["ads_google_ads"], late_report], ignore_index=True)
    leads = leads[leads["id"] != unreported["id"].iloc[0]]
    tables["crm_leads"] = pd.concat([leads, unreported, late], ignore_index=True)

    warehouse, refreshed = _windowed_and_refreshed(tmp_path, tables)
    _assert_same_marts(warehouse, refreshed)

    # the change reached every fact that inherits the lead's channel
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select channel from marts.fct_leads where lead_id = ?", [lead_id]).fetchone() == (
            "paid_search",
        )
        assert con.execute(
            "select channel from marts.fct_leads where lead_id = ?", [unreported["id"].iloc[0]]
        ).fetchone() == ("paid_search",)
        deal_channels = con.execute(
            "select distinct channel from marts.fct_deals where lead_id = ?", [lead_id]
        ).fetchall()
        order_channels = con.execute(
            "select distinct o.channel from marts.fct_orders o join marts.fct_deals d on o.deal_id = d.deal_id "
            "where d.lead_id = ?",
            [lead_id],
        ).fetchall()
    assert deal_channels == [("paid_search",)]
    assert order_channels == [("paid_search",)]


def test_a_reprocessed_window_that_lost_rows_equals_a_full_build(tmp_path, raw_tables):
    """January is re-delivered: an ad report without one campaign, a deal's newest version and every version of another
    deal now quarantined, an order whose currency became unknown (quarantined, so gone from raw). Re-running
    January on the changed raw data must leave the marts exactly as a full build of that data."""
    import duckdb

    january = WINDOWS[1]
    in_january = lambda frame: frame["_partition_date"].between(*january)
    tables = {name: frame.copy() for name, frame in raw_tables.items()}
    ads = tables["ads_google_ads"]
    tables["ads_google_ads"] = ads.drop(ads[in_january(ads)].index[:1])
    deals = tables["crm_deals"]
    versions = deals.groupby("id")["_partition_date"].agg(["count", "min", "max"])
    later = versions[(versions["min"] < january[0]) & versions["max"].between(*january)].index[0]
    only = versions[versions["min"].between(*january) & versions["max"].between(*january)].index[0]
    newest = deals[deals["id"] == later].sort_values("_loaded_at").index[-1]
    tables["crm_deals"] = deals.drop([newest, *deals[deals["id"] == only].index])
    orders = tables["orders_orders"]
    lost_order = orders[in_january(orders)]["id"].iloc[0]
    tables["orders_orders"] = orders[orders["id"] != lost_order]

    warehouse, target = tmp_path / "incremental.duckdb", tmp_path / "target"
    build = ["build", "--exclude", "resource_type:test", "resource_type:unit_test"]
    for start, end in WINDOWS:
        write_raw(str(warehouse), raw_tables, until=end)
        run_dbt(build, warehouse=warehouse, env=_window(start, end), target_path=target)
    write_raw(str(warehouse), tables, until=WINDOWS[-1][1])
    run_dbt(build, warehouse=warehouse, env=_window(*january), target_path=target)

    refreshed = tmp_path / "full.duckdb"
    write_raw(str(refreshed), tables)
    run_dbt([*build, "--full-refresh"], warehouse=refreshed, target_path=tmp_path / "target_full")
    _assert_same_marts(warehouse, refreshed)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_deals where deal_id = ?", [only]).fetchone() == (
            0,
        )
        assert con.execute(
            "select count(*) from marts.fct_orders where order_id = ?", [int(lost_order)]
        ).fetchone() == (0,)
