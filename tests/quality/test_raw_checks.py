"""Raw-table checks on a real DuckDB file with real GX: clean days pass, corrupted days fail their blocking
checks and stop what is downstream, warning-level failures do not."""

from __future__ import annotations

import dagster as dg
import duckdb

from tests.quality.fixture import run_with_checks

DAY = "2024-12-12"
ORDER_KEYS = [("raw", "orders_orders"), ("raw", "orders_order_lines")]


def _evaluations(result: dg.ExecuteInProcessResult) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    return {
        (e.asset_check_key.asset_key.path[1], e.asset_check_key.name): e
        for e in result.get_asset_check_evaluations()
    }


def _materialized(result: dg.ExecuteInProcessResult) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def test_clean_window_passes_every_check(warehouse):
    result = run_with_checks(
        warehouse, ORDER_KEYS + [("raw", "ads_google_ads")], "2024-12-10", DAY, with_downstream=True
    )
    evaluations = _evaluations(result)
    assert result.success
    # with a volume_trend (drop) warning on each orders table and a quarantine_share check on each table
    assert len(evaluations) == 20
    assert {k: e.passed for k, e in evaluations.items() if not e.passed} == {}
    assert "marts/downstream" in _materialized(result)


def test_negative_amounts_fail_the_blocking_values_check(warehouse):
    with duckdb.connect(warehouse.path) as con:
        con.execute(
            "update raw.orders_order_lines set line_amount = -line_amount "
            "where _partition_date = $d and id % 2 = 0",
            {"d": DAY},
        )
    result = run_with_checks(warehouse, ORDER_KEYS, DAY, with_downstream=True)
    values = _evaluations(result)[("orders_order_lines", "values")]
    assert not values.passed
    assert values.severity == dg.AssetCheckSeverity.ERROR
    assert values.metadata["observed_value"].value > 0
    assert "expect_column_values_to_be_between(line_amount)" in values.metadata["failed_expectations"].value
    # the failure in words: rule, column, how many rows, up to five samples with their file and line
    with duckdb.connect(warehouse.path, read_only=True) as con:
        broken = con.execute(
            "select count(*) from raw.orders_order_lines where _partition_date = $d and line_amount < 0",
            {"d": DAY},
        ).fetchone()[0]
        [(logged,)] = con.execute(
            "select message from health.expectation_results where asset_key = "
            "'raw/orders_order_lines' and check_name = 'values'"
        ).fetchall()
    message = values.metadata["failure"].value
    assert message == logged == values.description
    assert (
        f"raw.orders_order_lines: rule 'line_amount must be at least 0' broken by {broken} rows in column "
        "line_amount; e.g. " in message
    )
    # database rows have no line number: the sample names the table and the row's id
    assert message.count("orders:order_lines (id=") == 5 and "line_amount=-" in message
    assert not result.success
    assert "marts/downstream" not in _materialized(result)
    # the day before is untouched, so the same check passes on it
    assert _evaluations(run_with_checks(warehouse, ORDER_KEYS, "2024-12-11"))[
        ("orders_order_lines", "values")
    ].passed


def test_a_missing_required_column_fails_schema_and_values(warehouse):
    with duckdb.connect(warehouse.path) as con:
        con.execute("alter table raw.orders_orders drop column status")
    result = run_with_checks(warehouse, ORDER_KEYS, DAY, with_downstream=True)
    evaluations = _evaluations(result)
    assert not evaluations[("orders_orders", "schema")].passed
    assert evaluations[("orders_orders", "schema")].metadata["observed_value"].value == 1
    assert (
        "raw.orders_orders: rule 'every contracted column exists with its type' broken by 1 column: status "
        "is missing (expected VARCHAR)" in evaluations[("orders_orders", "schema")].metadata["failure"].value
    )
    assert not evaluations[("orders_orders", "values")].passed
    assert "marts/downstream" not in _materialized(result)


def test_a_required_field_left_empty_fails_values(warehouse):
    with duckdb.connect(warehouse.path) as con:
        con.execute("update raw.orders_orders set currency = null where _partition_date = $d", {"d": DAY})
    evaluations = _evaluations(run_with_checks(warehouse, ORDER_KEYS, DAY))
    assert evaluations[("orders_orders", "schema")].passed
    assert not evaluations[("orders_orders", "values")].passed


def test_ten_times_the_usual_volume_fails_the_volume_check(warehouse):
    with duckdb.connect(warehouse.path) as con:
        con.execute(
            "insert into raw.orders_orders select o.* from raw.orders_orders o, range(9) "
            "where o._partition_date = $d",
            {"d": DAY},
        )
    result = run_with_checks(warehouse, ORDER_KEYS, "2024-12-11", "2024-12-13", with_downstream=True)
    volume = _evaluations(result)[("orders_orders", "volume")]
    assert not volume.passed
    assert volume.severity == dg.AssetCheckSeverity.ERROR
    assert volume.metadata["observed_value"].value > 5
    assert (
        "raw.orders_orders: rule 'rows loaded a day between 0× and 5× the median of the 7 days before' broken "
        f"on 1 day (column _partition_date); e.g. {DAY}: " in volume.metadata["failure"].value
    )
    assert "marts/downstream" not in _materialized(result)


def test_an_empty_day_warns_on_volume_and_ages_freshness(warehouse):
    with duckdb.connect(warehouse.path) as con:
        con.execute("delete from raw.orders_orders where _partition_date = $d", {"d": DAY})
    result = run_with_checks(warehouse, ORDER_KEYS, DAY, with_downstream=True)
    evaluations = _evaluations(result)
    # Weekends and holidays load next to nothing: a drop warns, it does not hold back the snapshot.
    assert evaluations[("orders_orders", "volume")].passed
    drop = evaluations[("orders_orders", "volume_trend")]
    assert not drop.passed and drop.severity == dg.AssetCheckSeverity.WARN
    assert "marts/downstream" in _materialized(result)
    freshness = evaluations[("orders_orders", "freshness")]
    assert not freshness.passed and freshness.severity == dg.AssetCheckSeverity.WARN
    assert freshness.metadata["observed_value"].value > 24


def test_the_first_empty_days_of_a_history_are_not_stale(warehouse):
    # a clean build's first days: no orders yet (a CRM's first deals arrive days after its first leads)
    with duckdb.connect(warehouse.path) as con:
        con.execute("delete from raw.orders_orders where _partition_date < $d", {"d": "2024-12-11"})
    result = run_with_checks(warehouse, ORDER_KEYS, "2024-12-10", DAY)
    assert _evaluations(result)[("orders_orders", "freshness")].passed
    # a table with nothing loaded at all is still stale
    with duckdb.connect(warehouse.path) as con:
        con.execute("delete from raw.orders_orders")
    result = run_with_checks(warehouse, ORDER_KEYS, "2024-12-10", DAY)
    assert not _evaluations(result)[("orders_orders", "freshness")].passed


def test_a_warning_failure_does_not_block(warehouse):
    with duckdb.connect(warehouse.path) as con:
        # legal (not negative) but implausible: only the warning-level plausibility suite objects
        con.execute(
            "update raw.orders_order_lines set quantity = 5000 where _partition_date = $d", {"d": DAY}
        )
    result = run_with_checks(warehouse, ORDER_KEYS, DAY, with_downstream=True)
    evaluations = _evaluations(result)
    plausibility = evaluations[("orders_order_lines", "plausibility")]
    assert not plausibility.passed
    assert plausibility.severity == dg.AssetCheckSeverity.WARN
    assert all(e.passed for (table, name), e in evaluations.items() if name != "plausibility")
    assert result.success
    assert "marts/downstream" in _materialized(result)


def test_a_missing_table_is_a_failed_check_not_a_crash(warehouse):
    with duckdb.connect(warehouse.path) as con:
        con.execute("drop table raw.orders_order_lines")
    result = run_with_checks(warehouse, ORDER_KEYS, DAY)
    evaluations = _evaluations(result)
    volume = evaluations[("orders_order_lines", "volume")]
    assert not volume.passed
    assert "orders_order_lines" in volume.metadata["error"].value
    assert evaluations[("orders_orders", "volume")].passed


def test_an_ad_platform_whose_reports_stop_does_not_block(warehouse):
    with duckdb.connect(warehouse.path) as con:
        # the company stopped buying on the platform: no report from the 12th on
        con.execute("delete from raw.ads_google_ads where _partition_date >= $d", {"d": DAY})
    result = run_with_checks(
        warehouse, [("raw", "ads_google_ads")], "2024-12-10", "2024-12-16", with_downstream=True
    )
    evaluations = _evaluations(result)
    assert evaluations[("ads_google_ads", "volume")].passed
    assert result.success and "marts/downstream" in _materialized(result)


def test_a_gap_before_the_platforms_last_report_still_blocks(warehouse):
    with duckdb.connect(warehouse.path) as con:
        con.execute("delete from raw.ads_google_ads where _partition_date = $d", {"d": DAY})
    result = run_with_checks(
        warehouse, [("raw", "ads_google_ads")], "2024-12-10", "2024-12-16", with_downstream=True
    )
    assert not _evaluations(result)[("ads_google_ads", "volume")].passed
    assert "marts/downstream" not in _materialized(result)
