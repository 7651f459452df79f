"""Reconciliation against the real dbt models: fct_orders as dbt builds it from the transform tests' raw
fixture agrees with the independent raw-side SQL, and stops agreeing when one order goes missing."""

from __future__ import annotations

import duckdb
import pytest

from dagster_project.warehouse import WarehouseResource
from tests.quality.fixture import run_with_checks
from tests.transform.dbt_runner import run_dbt
from tests.transform.raw_fixture import START, build_tables, write_raw

FIRST, LAST = START.isoformat(), "2025-02-28"


@pytest.fixture(scope="module")
def dbt_warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("dbt") / "warehouse.duckdb"
    write_raw(str(path), build_tables())
    run_dbt(
        [
            "build",
            "--select",
            "+fct_orders",
            "--exclude",
            "resource_type:test",
            "resource_type:unit_test",
            "--full-refresh",
        ],
        warehouse=path,
        target_path=path.parent / "target",
    )
    return path


@pytest.fixture
def warehouse(dbt_warehouse, tmp_path, data_dir) -> WarehouseResource:
    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes(dbt_warehouse.read_bytes())
    return WarehouseResource(path=str(copy))


def _reconciliation(warehouse):
    result = run_with_checks(warehouse, [("marts", "fct_orders")], FIRST, LAST)
    return {e.asset_check_key.name: e for e in result.get_asset_check_evaluations()}


def test_dbt_fct_orders_reconciles_to_the_cent(warehouse):
    evaluations = _reconciliation(warehouse)
    assert evaluations["reconciliation"].passed
    assert evaluations["values"].passed
    with duckdb.connect(warehouse.path) as con:
        orders, cancelled, refunded = con.execute(
            "select count(*), count(*) filter (where is_cancelled), count(*) filter (where refunded_amount_usd > 0) "
            "from marts.fct_orders"
        ).fetchone()
    # the fixture exercises what the reconciliation has to get right
    assert orders > 20 and cancelled > 0 and refunded > 0


def test_one_order_deleted_from_the_dbt_mart_fails(warehouse):
    with duckdb.connect(warehouse.path) as con:
        con.execute(
            "delete from marts.fct_orders where order_id = (select min(order_id) from marts.fct_orders "
            "where not is_cancelled and net_amount_usd > 0)"
        )
    assert not _reconciliation(warehouse)["reconciliation"].passed
