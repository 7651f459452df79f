"""Loading the demo sources: every table arrives, reloads are idempotent, counts reconcile."""

import os
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from dagster_project.defs.ingest.landing import InputError
from dagster_project.defs.ingest.load import load_tables
from dagster_project.environment import settings
from tests.ingest.conftest import ADS, CRM, DAYS, ORDERS, REFERENCE, START, checksum

WINDOW = (START, date.fromordinal(START.toordinal() + DAYS - 1))


def _load_all(con, sources: Path, tmp_path: Path, load_id: str = "l1", window=WINDOW):
    url = f"sqlite:///{sources / 'orders' / 'orders.sqlite'}"
    counts = load_tables(con, REFERENCE, None, load_id, sources, tmp_path / "no-mappings")
    counts |= load_tables(con, CRM + ADS + ORDERS, window, load_id, sources, tmp_path / "no-mappings", url)
    return counts


def test_every_source_row_is_loaded_and_counts_reconcile(sources: Path, warehouse, tmp_path: Path) -> None:
    counts = _load_all(warehouse, sources, tmp_path)
    for table, c in counts.items():
        assert c.read == c.loaded + c.quarantined, table
        assert warehouse.execute(f'select count(*) from raw."{table}"').fetchone()[0] == c.loaded
    assert all(c.quarantined == 0 for c in counts.values()), "clean demo data must not be quarantined"
    # NDJSON: every non-empty line of every deals file is one raw row.
    lines = sum(len(p.read_bytes().splitlines()) for p in (sources / "crm" / "deals").rglob("*.jsonl"))
    assert counts["crm_deals"].loaded == lines
    # Orders: every row of the database (all updated inside the window) arrives exactly once.
    with sqlite3.connect(sources / "orders" / "orders.sqlite") as db:
        for table in ("orders", "order_lines", "refunds", "customers"):
            expected = db.execute(f"select count(*) from {table}").fetchone()[0]
            assert counts[f"orders_{table}"].loaded == expected, table
    typed = warehouse.execute(
        "select typeof(cost_micros), typeof(day), typeof(_partition_date), _source from raw.ads_google_ads limit 1"
    ).fetchone()
    assert typed[:3] == ("BIGINT", "DATE", "DATE") and typed[3].startswith("ads/google_ads/")


def test_reloading_a_range_changes_nothing(sources: Path, warehouse, tmp_path: Path) -> None:
    _load_all(warehouse, sources, tmp_path, "first")
    before = {t: checksum(warehouse, t) for t in CRM + ADS + ORDERS + REFERENCE}
    _load_all(warehouse, sources, tmp_path, "second")
    # and a sub-range inside it
    middle = (date(2024, 12, 5), date(2024, 12, 8))
    load_tables(warehouse, CRM + ADS, middle, "third", sources, tmp_path / "no-mappings")
    after = {t: checksum(warehouse, t) for t in before}
    assert after == before


def test_yandex_decimal_comma_and_meta_day_first_dates(sources: Path, warehouse, tmp_path: Path) -> None:
    _load_all(warehouse, sources, tmp_path)
    first_line = (sources / "ads" / "yandex_direct" / "2024-12-03.csv").read_text().splitlines()[1].split(";")
    cost = warehouse.execute(
        "select cost, date from raw.ads_yandex_direct where _partition_date = '2024-12-03' and campaign_id = ?",
        [first_line[1]],
    ).fetchone()
    assert cost == (float(first_line[5].replace(",", ".")), date(2024, 12, 3))
    assert (
        warehouse.execute(
            "select count(*) from raw.ads_meta_ads where date_start <> _partition_date"
        ).fetchone()[0]
        == 0
    )


def test_a_range_load_that_fails_midway_leaves_the_previous_state(
    sources: Path, warehouse, tmp_path: Path
) -> None:
    _load_all(warehouse, sources, tmp_path, "first")
    before = {t: checksum(warehouse, t) for t in ORDERS}
    quarantined = warehouse.execute("select count(*) from raw.quarantine").fetchone()
    # Every row of the first tables changes, then the last table read becomes unreadable: the failure comes
    # after the changed rows were streamed into the load.
    with sqlite3.connect(sources / "orders" / "orders.sqlite") as db:
        db.execute("update orders set status = 'rewritten', order_number = order_number || '-x'")
        db.execute("update order_lines set quantity = quantity + 1")
        db.execute("alter table refunds rename column amount to refunded_amount")

    with pytest.raises(InputError) as failure:
        _load_all(warehouse, sources, tmp_path, "second")

    assert "refunds" in str(failure.value) and "KPI_ORDERS_DB_URL" in str(failure.value)
    assert {t: checksum(warehouse, t) for t in ORDERS} == before, "nothing of a failed load is visible"
    assert warehouse.execute("select count(*) from raw.quarantine").fetchone() == quarantined
    assert warehouse.execute(
        "select count(*) from raw.orders_orders where _load_id = 'second'"
    ).fetchone() == (0,)


def test_every_pipeline_connection_has_the_one_memory_limit(tmp_path: Path, monkeypatch) -> None:
    from dagster_project.defs.transform.resources import dbt_env
    from dagster_project.warehouse import WarehouseResource

    monkeypatch.setenv("KPI_DUCKDB_MEMORY_LIMIT", "300MB")
    with WarehouseResource(path=str(tmp_path / "w.duckdb")).connect() as con:
        assert con.execute("select current_setting('memory_limit')").fetchone() == ("286.1 MiB",)
    # dbt's profile reads the same setting: Dagster hands it to the dbt processes it starts
    monkeypatch.delenv("KPI_DUCKDB_MEMORY_LIMIT")
    with dbt_env(tmp_path / "w.duckdb"):
        assert os.environ["KPI_DUCKDB_MEMORY_LIMIT"] == settings().duckdb_memory_limit
    monkeypatch.setenv("KPI_DUCKDB_MEMORY_LIMIT", "300MB")
    with dbt_env(tmp_path / "w.duckdb"):
        assert os.environ["KPI_DUCKDB_MEMORY_LIMIT"] == "300MB"
