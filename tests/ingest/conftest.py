"""Demo sources and a fresh warehouse per test, with the ingest loader pointed at them."""

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dagster_project.demo import writer
from dagster_project.demo.model import Config

START = date(2024, 12, 1)
DAYS = 14
CRM = ["crm_users", "crm_accounts", "crm_leads", "crm_deals", "crm_deal_stage_events", "crm_activities"]
ADS = ["ads_google_ads", "ads_meta_ads", "ads_yandex_direct"]
ORDERS = ["orders_customers", "orders_products", "orders_orders", "orders_order_lines", "orders_refunds"]
REFERENCE = ["ref_fx_rates", "ref_kpi_targets", "ref_sales_costs"]


@pytest.fixture(scope="session")
def demo_sources(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ingest-sources")
    writer.generate(out, Config(scale=0.03, seed=11, start=START, days=DAYS))
    return out


@pytest.fixture
def sources(demo_sources: Path, tmp_path: Path) -> Path:
    """A private copy of the demo sources that a test may damage."""
    copy = tmp_path / "sources"
    shutil.copytree(demo_sources, copy)
    return copy


@pytest.fixture
def warehouse(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield con
    con.close()


def checksum(con: duckdb.DuckDBPyConnection, table: str) -> tuple:
    """Row count and an order-independent hash of a raw table's content, lineage of the load excluded."""
    return con.execute(
        f'select count(*), sum(hash(columns(* exclude (_load_id, _loaded_at)))) from raw."{table}"'
    ).fetchone()
