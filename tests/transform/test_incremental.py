"""Incremental builds over partition windows equal a full refresh, and re-running a window changes nothing."""

from __future__ import annotations

from datetime import date

import pandas as pd

from tests.transform.dbt_runner import mart_tables, normalised, read_table, run_dbt
from tests.transform.raw_fixture import write_raw

WINDOWS = [(date(2024, 12, 1), date(2024, 12, 31)), (date(2025, 1, 1), date(2025, 1, 31)),
           (date(2025, 2, 1), date(2025, 2, 28))]


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


def test_windowed_history_equals_full_refresh_and_reruns_are_idempotent(tmp_path, raw_tables, full_warehouse):
    warehouse = tmp_path / "incremental.duckdb"
    target = tmp_path / "target"
    # the history arrives window by window, as the daily partitions would load it
    for start, end in WINDOWS:
        write_raw(str(warehouse), raw_tables, until=end)
        run_dbt(["build", "--exclude", "resource_type:test", "resource_type:unit_test"], warehouse=warehouse, env=_window(start, end), target_path=target)
    _assert_same_marts(warehouse, full_warehouse)

    # re-running an old window on the complete raw data leaves every mart as it was
    run_dbt(["build", "--exclude", "resource_type:test", "resource_type:unit_test"], warehouse=warehouse, env=_window(*WINDOWS[1]), target_path=target)
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
            "and not is_cancelled and line_count = 1 order by order_id limit 1").fetchone()
        # the order's line is corrected in place, in its own (December) partition
        con.execute("update raw.orders_order_lines set line_amount = line_amount * 2 where order_id = ?", [order_id])

    def mart_gross() -> float:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute("select gross_amount from marts.fct_orders where order_id = ?", [order_id]).fetchone()[0]

    # a day after the fixture's history: nothing was loaded for it, so nothing is recomputed
    run_dbt(build, warehouse=warehouse, env=_window(date(2025, 6, 1), date(2025, 6, 1)), target_path=target)
    assert mart_gross() == gross, "a window without loads does not recompute a December order"
    run_dbt(build, warehouse=warehouse, env=_window(date(2024, 12, 1), date(2024, 12, 31)), target_path=target)
    assert mart_gross() != gross, "the December window does"


def test_a_late_change_to_an_old_deal_rewrites_the_months_it_left_and_entered(tmp_path, raw_tables, full_warehouse):
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

    warehouse, target = tmp_path / "incremental.duckdb", tmp_path / "target"
    build = ["build", "--exclude", "resource_type:test", "resource_type:unit_test"]
    for start, end in WINDOWS:
        write_raw(str(warehouse), tables, until=end)
        run_dbt(build, warehouse=warehouse, env=_window(start, end), target_path=target)
    refreshed = tmp_path / "full.duckdb"
    write_raw(str(refreshed), tables)
    run_dbt([*build, "--full-refresh"], warehouse=refreshed, target_path=tmp_path / "target_full")
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
