"""Every file parses as docs/sources.md describes it (DuckDB readers for text, sqlite3 for the database)."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import timedelta

import pytest

from tests.demo.conftest import START, connect, scalar

DAYS = 30
CRM_FIELDS = {
    "users": "id email full_name role team_id team_name region manager_id hire_date home_lat home_lon is_active "
    "updated_at",
    "accounts": "id name industry country city lat lon owner_id created_at updated_at",
    "leads": "id created_at email company_name source_channel utm_source utm_campaign status owner_id account_id "
    "updated_at",
    "deals": "id lead_id account_id owner_id name stage amount currency created_at expected_close_date closed_at "
    "updated_at",
    "deal_stage_events": "id deal_id from_stage to_stage changed_at changed_by",
    "activities": "id type rep_id account_id deal_id occurred_at duration_min latitude longitude outcome",
}
ENUMS = {
    ("users", "role"): {"rep", "manager", "director"},
    ("users", "region"): {"North", "Central", "South"},
    ("leads", "source_channel"): {"paid_search", "paid_social", "organic", "referral", "events"},
    ("leads", "status"): {"new", "qualified", "converted", "disqualified"},
    ("deals", "stage"): {"new", "qualified", "proposal", "negotiation", "won", "lost"},
    ("deals", "currency"): {"USD", "EUR"},
    ("activities", "type"): {"call", "email", "meeting", "field_visit"},
    ("activities", "outcome"): {"completed", "no_show", "follow_up"},
}
SQLITE_COLUMNS = {
    "customers": "id external_crm_id name email country created_at updated_at",
    "products": "id sku name category unit_price currency updated_at",
    "orders": "id order_number customer_id crm_deal_id status currency ordered_at created_at updated_at",
    "order_lines": "id order_id product_id quantity unit_price discount line_amount updated_at",
    "refunds": "id order_id amount reason refunded_at updated_at",
}
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
SQL_TS = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


@pytest.fixture(scope="module")
def root(make_sources):
    return make_sources(scale=0.05, seed=7, days=DAYS)


def test_one_file_per_entity_and_platform_per_day(root):
    for d in range(DAYS):
        day = (START + timedelta(days=d)).isoformat()
        for entity in CRM_FIELDS:
            assert (root / "crm" / entity / f"date={day}" / "part-000.jsonl").is_file()
        for platform in ("google_ads", "meta_ads", "yandex_direct"):
            assert (root / "ads" / platform / f"{day}.csv").is_file()
    assert len(list((root / "ads" / "google_ads").iterdir())) == DAYS


@pytest.mark.parametrize("entity", sorted(CRM_FIELDS))
def test_ndjson_fields_in_documented_order(root, entity):
    lines = [
        ln
        for p in sorted((root / "crm" / entity).glob("*/part-000.jsonl"))
        for ln in p.read_text().splitlines()
    ]
    assert lines
    for line in lines:
        record = json.loads(line)
        assert list(record) == CRM_FIELDS[entity].split()
        for key in ("updated_at", "created_at", "changed_at", "occurred_at"):
            if key in record:
                assert ISO.match(record[key]), (key, record[key])


def test_ndjson_enums_and_types(root):
    con = connect(root)
    for (entity, column), allowed in ENUMS.items():
        seen = {r[0] for r in con.execute(f"SELECT DISTINCT {column} FROM {entity}").fetchall()}
        assert seen <= allowed, (entity, column, seen - allowed)
    assert scalar(con, "SELECT count(*) FROM deals WHERE typeof(amount) <> 'DOUBLE'") == 0
    assert scalar(con, "SELECT count(*) FROM users WHERE NOT regexp_matches(team_id, '^team_0[1-6]$')") == 0
    assert scalar(con, "SELECT count(*) FROM accounts WHERE length(country) <> 2") == 0


def test_ad_reports_parse_in_each_platforms_shape(root):
    con = connect(root)
    assert {r[0] for r in con.execute('SELECT DISTINCT "Currency" FROM google').fetchall()} == {"USD"}
    assert {r[0] for r in con.execute("SELECT DISTINCT account_currency FROM meta").fetchall()} == {"EUR"}
    assert {r[0] for r in con.execute('SELECT DISTINCT "Currency" FROM yandex').fetchall()} == {"RUB"}
    assert scalar(con, 'SELECT min("Day") FROM google') == START
    assert scalar(con, "SELECT max(date_start) FROM meta") == START + timedelta(days=DAYS - 1)
    assert scalar(con, 'SELECT count(DISTINCT "Date") FROM yandex') == DAYS
    assert scalar(con, 'SELECT sum("Cost") FROM yandex') > 0
    assert scalar(con, 'SELECT count(*) FROM google WHERE "Cost (micros)" % 10000 <> 0') == 0
    headers = {
        p: (root / "ads" / p / f"{START.isoformat()}.csv").read_text().splitlines()[0]
        for p in ("google_ads", "meta_ads", "yandex_direct")
    }
    assert headers == {
        "google_ads": "Day,Campaign ID,Campaign,Impressions,Clicks,Cost (micros),Conversions,Currency",
        "meta_ads": "date_start,campaign_id,campaign_name,impressions,clicks,spend,account_currency",
        "yandex_direct": "Date;CampaignId;CampaignName;Impressions;Clicks;Cost;Currency",
    }


def test_yandex_cost_includes_vat(root):
    """Yandex cost / 1.2 in USD is in line with what the other platforms charge per click."""
    con = connect(root)
    per_click = scalar(
        con,
        """SELECT sum("Cost" / 1.2 * f.rate_to_usd) / sum("Clicks") FROM yandex y
        JOIN ref_fx_rates f ON f.date = y."Date" AND f.currency = 'RUB'""",
    )
    assert 0.2 < per_click < 5


def test_sqlite_tables_and_timestamps(root):
    with sqlite3.connect(root / "orders" / "orders.sqlite") as db:
        for table, columns in SQLITE_COLUMNS.items():
            assert [r[1] for r in db.execute(f"PRAGMA table_info({table})")] == columns.split()
            for col in [c for c in columns.split() if c.endswith("_at")]:
                values = [r[0] for r in db.execute(f"SELECT {col} FROM {table}")]
                assert all(SQL_TS.match(v) for v in values), (table, col)
        statuses = {r[0] for r in db.execute("SELECT DISTINCT status FROM orders")}
        assert statuses <= {"pending", "paid", "shipped", "cancelled", "refunded"}


def test_reference_headers(root):
    heads = {p.name: p.read_text().splitlines()[0] for p in (root / "reference").iterdir()}
    assert heads == {
        "fx_rates.csv": "date,currency,rate_to_usd",
        "kpi_targets.csv": "target_id,owner_level,owner_id,metric,period_grain,period_start,period_end,"
        "target_value,direction",
        "sales_costs.csv": "month,team_id,cost_usd",
    }
    con = connect(root)
    assert scalar(con, "SELECT count(*) FROM ref_sales_costs WHERE day(month) <> 1") == 0
    assert scalar(con, "SELECT count(*) FROM ref_kpi_targets WHERE period_end < period_start") == 0
