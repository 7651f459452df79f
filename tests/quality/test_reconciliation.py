"""Reconciliation of marts.fct_orders against the raw orders, to the cent, on a real DuckDB file."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from tests.quality.fixture import run_with_checks

FIRST, LAST = "2024-12-02", "2024-12-16"


def _reconciliation(warehouse):
    result = run_with_checks(warehouse, [("marts", "fct_orders")], FIRST, LAST)
    (evaluation,) = [
        e for e in result.get_asset_check_evaluations() if e.asset_check_key.name == "reconciliation"
    ]
    return evaluation


def test_the_mart_matches_the_raw_side(warehouse):
    evaluation = _reconciliation(warehouse)
    assert evaluation.passed
    assert evaluation.metadata["rows_validated"].value == 15
    assert evaluation.metadata["observed_value"].value < 0.005


def test_an_order_dropped_from_the_mart_is_caught(warehouse):
    with duckdb.connect(warehouse.path) as con:
        (net,) = con.execute("select net_amount_usd from marts.fct_orders where order_id = 41").fetchone()
        con.execute("delete from marts.fct_orders where order_id = 41")
    evaluation = _reconciliation(warehouse)
    assert not evaluation.passed
    assert evaluation.metadata["observed_value"].value == pytest.approx(net, abs=0.01)


def test_a_cancelled_order_dropped_from_the_mart_is_caught_by_the_count(warehouse):
    with duckdb.connect(warehouse.path) as con:
        con.execute("delete from marts.fct_orders where order_id = 40")  # cancelled: its net is zero
    evaluation = _reconciliation(warehouse)
    assert not evaluation.passed
    assert (
        "expect_column_pair_values_to_be_equal(mart_orders)"
        in evaluation.metadata["failed_expectations"].value
    )


def test_a_line_dropped_on_the_raw_side_is_caught(warehouse):
    with duckdb.connect(warehouse.path) as con:
        con.execute(
            "delete from raw.orders_order_lines where id = (select min(id) from raw.orders_order_lines "
            "where _partition_date = '2024-12-05')"
        )
    assert not _reconciliation(warehouse).passed


def test_one_cent_off_is_caught(warehouse):
    with duckdb.connect(warehouse.path) as con:
        con.execute("update marts.fct_orders set net_amount_usd = net_amount_usd + 0.01 where order_id = 33")
    assert not _reconciliation(warehouse).passed


def test_a_later_refund_and_status_change_are_followed(warehouse):
    with duckdb.connect(warehouse.path) as con:
        # a newer version of order 35 (cancelled) and a refund arrive in later partitions; the mart follows
        con.execute("""
            insert into raw.orders_orders
            select * replace ('cancelled' as status, updated_at + interval 5 day as updated_at,
                              _partition_date + 5 as _partition_date)
            from raw.orders_orders where id = 35 qualify row_number() over (order by updated_at desc) = 1
        """)
        con.execute(
            "update marts.fct_orders set status = 'cancelled', net_amount_usd = 0 where order_id = 35"
        )
    assert _reconciliation(warehouse).passed


def _plausibility(warehouse):
    result = run_with_checks(warehouse, [("marts", "fct_orders")], FIRST, LAST)
    (evaluation,) = [
        e for e in result.get_asset_check_evaluations() if e.asset_check_key.name == "plausibility"
    ]
    return evaluation


@pytest.mark.parametrize("refund_share, plausible", [(1.03, True), (1.2, False)])
def test_a_refund_beyond_its_sale_warns_unless_it_is_fx(warehouse, refund_share, plausible):
    """A full refund converted at a later rate may exceed the sale by the FX move; 20 % more is not an FX move."""
    with duckdb.connect(warehouse.path) as con:
        con.execute(
            "update marts.fct_orders set refunded_amount_usd = gross_amount_usd * ?, "
            "net_amount_usd = gross_amount_usd * (1 - ?) where order_id = 33",
            [refund_share, refund_share],
        )
    evaluation = _plausibility(warehouse)
    assert evaluation.passed is plausible
    assert evaluation.severity == dg.AssetCheckSeverity.WARN
