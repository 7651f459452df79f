"""The distributions and anomalies promised in docs/demo-data.md."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from dagster_project import kpis
from dagster_project.demo.model import Config
from dagster_project.demo.org import build_org
from tests.demo.conftest import START, connect, scalar

REPO = Path(__file__).resolve().parents[2]

SCALE, DAYS = 0.3, 100


@pytest.fixture(scope="module")
def con(make_sources):
    return connect(make_sources(scale=SCALE, seed=11, days=DAYS))


def day(offset: int) -> str:
    return (START + timedelta(days=offset)).isoformat()


def test_lead_to_deal_conversion_band_and_channels(con):
    # cohorts old enough to have converted (conversion happens within 20 days of creation)
    rate = dict(
        con.execute(f"""SELECT source_channel, avg((status = 'converted')::int) FROM leads_now
        WHERE created_at < '{day(DAYS - 21)}' AND created_at::date NOT BETWEEN '{day(35)}' AND '{day(41)}'
        GROUP BY 1""").fetchall()
    )
    overall = scalar(
        con, f"SELECT avg((status = 'converted')::int) FROM leads_now WHERE created_at < '{day(DAYS - 21)}'"
    )
    assert 0.15 <= overall <= 0.35
    assert rate["referral"] > rate["organic"] > rate["paid_social"]


def test_win_rate_band_and_channels(con):
    win = scalar(con, "SELECT avg((stage = 'won')::int) FROM deals_now WHERE stage IN ('won', 'lost')")
    assert 0.20 <= win <= 0.40
    by_channel = dict(
        con.execute("""SELECT l.source_channel, avg((d.stage = 'won')::int) FROM deals_now d
        JOIN leads_now l ON l.id = d.lead_id WHERE d.stage IN ('won', 'lost') GROUP BY 1""").fetchall()
    )
    assert by_channel["referral"] > by_channel["paid_social"]


def test_weekly_cycle(con):
    weekend, weekday = con.execute("""SELECT
        count(*) FILTER (WHERE isodow(created_at) >= 6) / count(DISTINCT created_at::date) FILTER (WHERE isodow(created_at) >= 6),
        count(*) FILTER (WHERE isodow(created_at) < 6) / count(DISTINCT created_at::date) FILTER (WHERE isodow(created_at) < 6)
        FROM leads_now""").fetchone()
    assert weekend < 0.6 * weekday
    orders_weekend, orders_weekday = con.execute("""SELECT
        count(*) FILTER (WHERE isodow(ordered_at::timestamp) >= 6), count(*) FILTER (WHERE isodow(ordered_at::timestamp) < 6)
        FROM o_orders""").fetchone()
    assert orders_weekend / 2 < 0.6 * orders_weekday / 5


def test_spend_spike_on_days_20_to_22(con):
    rows = con.execute("""WITH c AS (SELECT "Campaign ID" AS id, "Day" AS day, "Cost (micros)" AS cost FROM google),
        m AS (SELECT id, median(cost) AS typical FROM c GROUP BY 1)
        SELECT c.id, c.day FROM c JOIN m USING (id) WHERE c.cost > 5 * m.typical AND m.typical > 0
        ORDER BY 2""").fetchall()
    assert {r[0] for r in rows} == {rows[0][0]}
    assert [str(r[1]) for r in rows] == [day(20), day(21), day(22)]


def test_low_conversion_week_days_35_to_41(con):
    low, normal = con.execute(f"""SELECT
        avg((status = 'converted')::int) FILTER (WHERE created_at::date BETWEEN '{day(35)}' AND '{day(41)}'),
        avg((status = 'converted')::int) FILTER (WHERE created_at::date NOT BETWEEN '{day(35)}' AND '{day(41)}'
                                                   AND created_at < '{day(DAYS - 21)}')
        FROM leads_now""").fetchone()
    assert 0.2 <= low / normal <= 0.65


def test_deals_move_through_stages_and_some_reopen(con):
    moves = dict(
        con.execute(
            "SELECT coalesce(from_stage, '-') || '>' || to_stage, count(*) FROM deal_stage_events GROUP BY 1"
        ).fetchall()
    )
    for move in (
        "->new",
        "new>qualified",
        "qualified>proposal",
        "proposal>negotiation",
        "negotiation>won",
        "lost>negotiation",
    ):
        assert moves.get(move, 0) > 0, move
    per_deal = scalar(
        con, "SELECT avg(n) FROM (SELECT count(DISTINCT updated_at::date) AS n FROM deals GROUP BY id)"
    )
    assert per_deal > 2


def test_late_arriving_deal_updates(con):
    late = scalar(
        con,
        "SELECT count(*) FROM deals WHERE updated_at::date < regexp_extract(_file, "
        "'date=(\\d{4}-\\d{2}-\\d{2})', 1)::date",
    )
    total = scalar(con, "SELECT count(*) FROM deals")
    assert 0.005 <= late / total <= 0.06


def test_orders_change_status_and_some_are_refunded(con):
    status = dict(con.execute("SELECT status, count(*) FROM o_orders GROUP BY 1").fetchall())
    total = sum(status.values())
    assert set(status) == {"pending", "paid", "shipped", "cancelled", "refunded"}
    assert 0.03 <= status["cancelled"] / total <= 0.09
    refunded = scalar(con, "SELECT count(DISTINCT order_id) FROM o_refunds")
    assert 0.02 <= refunded / total <= 0.07
    later = scalar(con, "SELECT avg((updated_at::date > created_at::date)::int) FROM o_orders")
    assert later > 0.5


def test_weak_reps_miss_their_revenue_target(con):
    weak = {f"usr_{i + 1:04d}" for i in build_org(Config(SCALE, 11, START, DAYS)).weak_reps}
    attainment = dict(
        con.execute("""
        WITH won AS (SELECT owner_id, sum(amount * f.rate_to_usd) AS usd FROM deals_now d
            JOIN ref_fx_rates f ON f.date = d.closed_at::date AND f.currency = d.currency
            WHERE stage = 'won' AND owner_id IS NOT NULL GROUP BY 1),
        target AS (SELECT owner_id, sum(target_value) AS usd FROM ref_kpi_targets
            WHERE owner_level = 'rep' AND metric = 'won_amount_usd' AND period_grain = 'month'
              AND period_end <= (SELECT max(date) FROM ref_fx_rates) GROUP BY 1)
        SELECT t.owner_id, coalesce(w.usd, 0) / t.usd FROM target t LEFT JOIN won w USING (owner_id)""").fetchall()
    )
    others = [v for k, v in attainment.items() if k not in weak]
    assert weak and all(attainment[w] < 0.8 for w in weak)
    assert 0.8 <= sum(others) / len(others) <= 1.3


def test_fx_gentle_random_walk(con):
    rows = con.execute(
        "SELECT currency, min(rate_to_usd), max(rate_to_usd), count(*) FROM ref_fx_rates GROUP BY 1"
    ).fetchall()
    by = {r[0]: r[1:] for r in rows}
    assert by["USD"] == (1.0, 1.0, DAYS)
    assert 0.9 < by["EUR"][0] < by["EUR"][1] < 1.3 and by["EUR"][2] == DAYS
    assert 0.007 < by["RUB"][0] < by["RUB"][1] < 0.016
    step = scalar(
        con,
        """SELECT max(abs(ln(rate_to_usd / prev))) FROM (SELECT rate_to_usd,
        lag(rate_to_usd) OVER (PARTITION BY currency ORDER BY date) AS prev FROM ref_fx_rates) WHERE prev IS NOT NULL""",
    )
    assert step < 0.03


def test_targets_cover_every_metric_and_add_up(con):
    metrics = {r[0] for r in con.execute("SELECT DISTINCT metric FROM ref_kpi_targets").fetchall()}
    # every target names a KPI of the registry, with the direction the KPI's good direction implies
    registry = kpis.load(REPO / "dbt_project")
    assert metrics == {
        "won_amount_usd",
        "net_revenue_usd",
        "conversion_lead_to_deal",
        "win_rate_by_count",
        "avg_won_deal_size_usd",
        "sales_cycle_median_days",
        "cac_usd",
        "new_customers",
    }
    for metric, direction in con.execute("SELECT DISTINCT metric, direction FROM ref_kpi_targets").fetchall():
        assert registry[metric].target_direction == direction, metric
    gaps = scalar(
        con,
        """WITH r AS (SELECT * FROM ref_kpi_targets WHERE metric = 'won_amount_usd' AND period_grain = 'month'),
        team AS (SELECT period_start, sum(target_value) AS v FROM r WHERE owner_level = 'team' GROUP BY 1),
        rep AS (SELECT period_start, sum(target_value) AS v FROM r WHERE owner_level = 'rep' GROUP BY 1),
        company AS (SELECT period_start, target_value AS v FROM r WHERE owner_level = 'company')
        SELECT max(greatest(abs(team.v - rep.v), abs(team.v - company.v))) FROM team JOIN rep USING (period_start)
        JOIN company USING (period_start)""",
    )
    assert gaps < 0.01
    months = scalar(con, "SELECT count(DISTINCT month) FROM ref_sales_costs")
    assert scalar(con, "SELECT count(*) FROM ref_sales_costs") == 6 * months


def test_start_date_is_the_first_day(con):
    assert scalar(con, "SELECT min(date) FROM ref_fx_rates") == START
    assert scalar(con, "SELECT max(date) FROM ref_fx_rates") == START + timedelta(days=DAYS - 1)
    assert isinstance(START, date)
