"""Referential integrity inside the CRM, between CRM and ad reports, and between CRM and the orders database."""

from __future__ import annotations

import pytest

from tests.demo.conftest import connect, scalar


@pytest.fixture(scope="module")
def con(make_sources):
    return connect(make_sources(scale=0.05, seed=7, days=120))


def orphans(con, sql: str) -> int:
    return scalar(con, f"SELECT count(*) FROM ({sql})")


def test_org_shape(con):
    assert scalar(con, "SELECT count(*) FROM users_now WHERE role = 'director'") == 3
    assert scalar(con, "SELECT count(DISTINCT team_id) FROM users_now WHERE role = 'manager'") == 6
    per_team = con.execute(
        "SELECT team_id, count(*) FROM users WHERE role = 'rep' AND updated_at = (SELECT min(updated_at) FROM users)"
        " GROUP BY 1"
    ).fetchall()
    assert len(per_team) == 6 and min(n for _, n in per_team) >= 2
    moved = con.execute(
        "SELECT id, count(DISTINCT team_id) FROM users GROUP BY 1 HAVING count(*) > 1"
    ).fetchall()
    assert len(moved) == 1 and moved[0][1] == 2
    assert (
        orphans(
            con,
            "SELECT * FROM users u WHERE manager_id IS NOT NULL AND manager_id NOT IN (SELECT id FROM users)",
        )
        == 0
    )


def test_every_deal_owner_is_a_rep_but_a_tiny_share(con):
    assert (
        orphans(con, "SELECT * FROM deals WHERE owner_id NOT IN (SELECT id FROM users WHERE role = 'rep')")
        == 0
    )
    share = scalar(con, "SELECT avg((owner_id IS NULL)::int) FROM deals_now")
    assert share < 0.03


def test_crm_references_resolve(con):
    assert orphans(con, "SELECT * FROM deals WHERE account_id NOT IN (SELECT id FROM accounts)") == 0
    assert orphans(con, "SELECT * FROM deals WHERE lead_id NOT IN (SELECT id FROM leads)") == 0
    assert orphans(con, "SELECT * FROM leads WHERE account_id NOT IN (SELECT id FROM accounts)") == 0
    assert orphans(con, "SELECT * FROM leads WHERE status = 'converted' AND account_id IS NULL") == 0
    assert (
        orphans(con, "SELECT * FROM leads WHERE owner_id NOT IN (SELECT id FROM users WHERE role = 'rep')")
        == 0
    )
    assert (
        orphans(con, "SELECT * FROM accounts WHERE owner_id NOT IN (SELECT id FROM users WHERE role = 'rep')")
        == 0
    )
    assert orphans(con, "SELECT * FROM deal_stage_events WHERE deal_id NOT IN (SELECT id FROM deals)") == 0
    assert orphans(con, "SELECT * FROM deal_stage_events WHERE changed_by NOT IN (SELECT id FROM users)") == 0
    assert (
        orphans(con, "SELECT * FROM activities WHERE rep_id NOT IN (SELECT id FROM users WHERE role = 'rep')")
        == 0
    )
    assert orphans(con, "SELECT * FROM activities WHERE account_id NOT IN (SELECT id FROM accounts)") == 0
    assert orphans(con, "SELECT * FROM activities WHERE deal_id NOT IN (SELECT id FROM deals)") == 0


def test_ids_unique_per_version(con):
    for e in ("accounts", "deal_stage_events", "activities"):
        assert scalar(con, f"SELECT count(*) - count(DISTINCT id) FROM {e}") == 0, e
    for e in ("leads", "deals", "users"):
        assert scalar(con, f"SELECT count(*) - count(DISTINCT (id, updated_at)) FROM {e}") == 0, e


def test_every_utm_campaign_is_in_that_platforms_reports(con):
    paid = scalar(con, "SELECT count(*) FROM leads WHERE utm_campaign IS NOT NULL")
    assert paid > 100
    assert (
        orphans(
            con,
            """SELECT * FROM leads WHERE utm_campaign IS NOT NULL AND NOT (
        (utm_source = 'google_ads' AND utm_campaign IN (SELECT "Campaign ID" FROM google)) OR
        (utm_source = 'meta_ads' AND utm_campaign IN (SELECT campaign_id FROM meta)) OR
        (utm_source = 'yandex_direct' AND utm_campaign IN (SELECT CampaignId FROM yandex)))""",
        )
        == 0
    )
    assert (
        orphans(con, "SELECT * FROM leads WHERE (utm_source IS NULL) <> (source_channel NOT LIKE 'paid%')")
        == 0
    )


def test_campaign_names_start_with_the_channel_they_buy(con):
    names = con.execute(
        "SELECT Campaign FROM google UNION SELECT campaign_name FROM meta "
        "UNION SELECT CampaignName FROM yandex"
    ).fetchall()
    assert all(n.split("_")[0] in ("search", "social", "display") for (n,) in names)


def test_order_customers_map_to_accounts_or_are_deliberately_unmapped(con):
    assert orphans(con, "SELECT * FROM o_orders WHERE customer_id NOT IN (SELECT id FROM o_customers)") == 0
    assert (
        orphans(
            con,
            "SELECT * FROM o_customers WHERE external_crm_id IS NOT NULL AND external_crm_id NOT IN "
            "(SELECT id FROM accounts)",
        )
        == 0
    )
    unmapped = scalar(con, "SELECT avg((external_crm_id IS NULL)::int) FROM o_customers")
    assert 0.03 <= unmapped <= 0.08


def test_deal_orders_fulfil_won_deals_for_their_amount(con):
    assert scalar(con, "SELECT count(*) FROM o_orders WHERE crm_deal_id IS NOT NULL") > 10
    assert (
        orphans(
            con,
            "SELECT * FROM o_orders WHERE crm_deal_id IS NOT NULL AND crm_deal_id NOT IN "
            "(SELECT id FROM deals WHERE stage = 'won')",
        )
        == 0
    )
    assert (
        scalar(
            con, "SELECT count(*) - count(DISTINCT crm_deal_id) FROM o_orders WHERE crm_deal_id IS NOT NULL"
        )
        == 0
    )
    mismatched = orphans(
        con,
        """
        SELECT o.id FROM o_orders o
        JOIN o_customers c ON c.id = o.customer_id
        JOIN (SELECT id, account_id, currency, amount FROM deals WHERE stage = 'won'
              QUALIFY row_number() OVER (PARTITION BY id ORDER BY updated_at) = 1) d ON d.id = o.crm_deal_id
        JOIN (SELECT order_id, sum(line_amount) AS total FROM o_order_lines GROUP BY 1) l ON l.order_id = o.id
        WHERE c.external_crm_id <> d.account_id OR o.currency <> d.currency OR abs(l.total - d.amount) > 0.011""",
    )
    assert mismatched == 0


def test_order_lines_and_refunds(con):
    assert orphans(con, "SELECT * FROM o_order_lines WHERE order_id NOT IN (SELECT id FROM o_orders)") == 0
    assert (
        orphans(con, "SELECT * FROM o_order_lines WHERE product_id NOT IN (SELECT id FROM o_products)") == 0
    )
    assert (
        orphans(
            con,
            "SELECT * FROM o_order_lines WHERE abs(line_amount - round(quantity * unit_price * "
            "(1 - discount) + 1e-6, 2)) > 0.0001 OR discount < 0 OR discount > 1 OR quantity < 1",
        )
        == 0
    )
    assert (
        orphans(
            con,
            """SELECT * FROM o_refunds r JOIN o_orders o ON o.id = r.order_id
        JOIN (SELECT order_id, sum(line_amount) AS total FROM o_order_lines GROUP BY 1) l ON l.order_id = o.id
        WHERE r.amount > l.total + 0.01 OR o.status NOT IN ('shipped', 'refunded') OR r.refunded_at < o.ordered_at""",
        )
        == 0
    )
    assert (
        orphans(
            con,
            "SELECT * FROM o_orders WHERE status = 'refunded' AND id NOT IN (SELECT order_id FROM o_refunds)",
        )
        == 0
    )


def test_field_visits_near_the_account(con):
    assert (
        orphans(con, "SELECT * FROM activities WHERE (type = 'field_visit') <> (latitude IS NOT NULL)") == 0
    )
    far = orphans(
        con,
        """SELECT * FROM activities a JOIN accounts c ON c.id = a.account_id
        WHERE a.type = 'field_visit' AND (abs(a.latitude - c.lat) > 0.05 OR abs(a.longitude - c.lon) > 0.05)""",
    )
    assert far == 0
