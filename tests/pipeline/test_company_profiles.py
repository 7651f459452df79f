"""Companies unlike the demo publish through the documented path alone (a profile + landing folders + `kpi
build`), with no relabelling: CRM-only revenue from won deals, offices East/West, their own stage names, BRL deals,
no stage history, a USD Facebook report that stops, a deal won before it was created, an unknown deal owner."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.pipeline.company_fixture import BRL_TO_USD, DAYS, START, Company, build_company
from tests.pipeline.conftest import Stack

pytestmark = pytest.mark.e2e
LAST = START.fromordinal(START.toordinal() + DAYS - 1).isoformat()


class _CompanyStack(Stack):
    """A stack whose settings select the company's own profile and point the orders database nowhere."""

    def __init__(self, root: Path, company: Company):
        super().__init__(root, company.sources)
        self.company = company

    @property
    def env(self) -> dict[str, str]:
        return {
            **super().env,
            "KPI_PROFILE": str(self.company.profile),
            "KPI_START_DATE": START.isoformat(),
            "KPI_ORDERS_DB_URL": f"sqlite:///{self.root / 'no-such-dir' / 'orders.sqlite'}",
            "KPI_LOG_LEVEL": "INFO",
        }


def _build(root: Path, **shape) -> _CompanyStack:
    stack = _CompanyStack(root, build_company(root, **shape))
    result = stack.kpi("build", "--end", LAST, check=False)
    assert result.returncode == 0, f"kpi build failed:\n{result.stdout[-4000:]}\n{result.stderr[-3000:]}"
    return stack


def _rows(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def crm_only(tmp_path_factory) -> _CompanyStack:
    return _build(tmp_path_factory.mktemp("crm-only"))


@pytest.fixture(scope="module")
def with_facebook(tmp_path_factory) -> _CompanyStack:
    # the Facebook report ends after twelve days (the company stopped buying there); owners must be known
    return _build(tmp_path_factory.mktemp("facebook"), ads=True, unknown_owner="error", meta_stops_after=12)


def test_crm_only_company_publishes_won_deal_value_as_revenue(crm_only: _CompanyStack) -> None:
    won = [
        d for d in crm_only.company.deals if d.final_stage == "Fechado Ganho" and not d.closed_before_created
    ]
    expected = sum(d.amount for d in won) * BRL_TO_USD
    [(revenue, won_usd)] = _rows(
        crm_only.serving,
        """
        select net_revenue_usd, won_amount_usd from marts.kpi_monthly
        where owner_level = 'company' and month_start = '2025-01-01'""",
    )
    assert revenue == pytest.approx(expected) and won_usd == pytest.approx(expected)
    # the unknown owner's deal counts under 'unassigned' (the profile's choice), not dropped, not blocking
    assert _rows(
        crm_only.serving, "select rep_id, is_excluded from marts.fct_deals where deal_id = 'deal-ghost'"
    ) == [("unassigned", False)]


def test_days_are_the_companys_own_in_its_time_zone(crm_only: _CompanyStack) -> None:
    # closed 2025-01-13 01:00 UTC = 2025-01-12 22:00 in America/Sao_Paulo (the profile's time zone)
    assert _rows(
        crm_only.serving,
        "select cast(closed_date as varchar) from marts.fct_deals where deal_id = 'deal-late-night'",
    ) == [("2025-01-12",)]
    [(won,)] = _rows(
        crm_only.serving,
        """
        select sum(won_amount_usd) from marts.kpi_sales_daily
        where date_day = '2025-01-12' and rep_id = 'u-ana'""",
    )
    assert won == pytest.approx(300.0 * BRL_TO_USD)


def test_kpis_of_switched_off_sources_are_not_configured_never_zero(crm_only: _CompanyStack) -> None:
    rows = _rows(
        crm_only.serving,
        """
        select distinct kpi_name, kpi_value, status, status_reason from marts.kpi_scorecard
        where kpi_name in ('roas', 'avg_order_value_usd')""",
    )
    assert {r[0] for r in rows} == {"roas", "avg_order_value_usd"}
    assert {r[1:] for r in rows} == {(None, "not_configured", "not configured")}


def test_regions_teams_stages_and_channels_are_the_companys_own(crm_only: _CompanyStack) -> None:
    regions = _rows(
        crm_only.serving,
        "select distinct owner_id from marts.kpi_monthly where owner_level = 'region' "
        "and owner_id <> 'unassigned' order by 1",
    )
    assert regions == [("East",), ("West",)]
    stages = {s for (s,) in _rows(crm_only.serving, "select distinct stage from marts.fct_deals")}
    assert stages <= {"Prospecção", "Proposta", "Negociação", "Fechado Ganho", "Fechado Perdido"}
    channels = {c for (c,) in _rows(crm_only.serving, "select distinct channel from marts.fct_leads")}
    # an origin the profile does not map is `unknown`, a blank one `unattributed`: never merged into another
    assert channels == {"site", "facebook", "parceiros", "unknown", "unattributed"}
    # a region-level target loads and is judged
    assert _rows(
        crm_only.serving, "select owner_id from marts.kpi_target_attainment where target_id = 't-east'"
    ) == [("East",)]


def test_without_stage_history_the_funnel_counts_lost_deals_at_their_last_stage(
    crm_only: _CompanyStack,
) -> None:
    counted = {d.id for d in crm_only.company.deals if not d.closed_before_created}
    first = _rows(
        crm_only.serving, "select deal_id, funnel_method from marts.fct_deal_funnel where stage_order = 1"
    )
    assert {d for d, _ in first} == counted
    assert {m for _, m in first} == {"final_stage"}
    lost = dict(
        _rows(
            crm_only.serving,
            "select deal_id, max(lost_at_stage) from marts.fct_deal_funnel where is_lost group by 1",
        )
    )
    assert lost.pop("deal-lost-unknown") == "unknown"
    assert lost and set(lost.values()) == {"Negociação"}
    negotiation = _rows(
        crm_only.serving, "select count(*) from marts.fct_deal_funnel where stage = 'Negociação'"
    )
    assert negotiation[0][0] == len(lost) + sum(
        1 for d in crm_only.company.deals if d.final_stage == "Fechado Ganho" and not d.closed_before_created
    )
    methods = _rows(crm_only.serving, "select distinct funnel_method from bi.funnel_stages order by 1")
    assert methods == [("final_stage",), ("leads",)]


def test_a_deal_won_before_it_was_created_is_set_aside_and_shown(crm_only: _CompanyStack) -> None:
    assert _rows(
        crm_only.serving,
        "select is_excluded, exclusion_reason from marts.fct_deals where deal_id = 'deal-won-early'",
    ) == [(True, "closed before it was created")]
    health = _rows(
        crm_only.serving,
        "select target_table, reason, rows_quarantined from health.quarantine_summary "
        "where target_table = 'marts.fct_deals'",
    )
    assert health == [("marts.fct_deals", "excluded: closed before it was created", 1)]
    blocked = _rows(
        crm_only.warehouse, "select count(*) from health.expectation_results where blocking and not passed"
    )
    assert blocked == [(0,)]


def test_a_usd_facebook_report_that_stops_publishes(with_facebook: _CompanyStack) -> None:
    [(platform, currency, spend)] = _rows(
        with_facebook.serving,
        """
        select platform, max(currency), sum(spend_usd) from marts.fct_ad_spend group by platform""",
    )
    assert (platform, currency) == ("meta_ads", "USD")
    assert spend == pytest.approx(with_facebook.company.meta_spend_usd)
    volume = _rows(
        with_facebook.warehouse,
        "select passed from health.expectation_results "
        "where asset_key = 'raw/ads_meta_ads' and check_name = 'volume'",
    )
    assert volume and all(p for (p,) in volume)
    statuses = dict(
        _rows(
            with_facebook.serving,
            "select distinct kpi_name, status from marts.kpi_scorecard "
            "where kpi_name in ('roas', 'avg_order_value_usd') "
            "and scope_level = 'company'",
        )
    )
    assert statuses["avg_order_value_usd"] == "not_configured" and statuses["roas"] != "not_configured"


def test_an_owner_missing_from_the_users_export_is_named_when_the_profile_says_error(
    with_facebook: _CompanyStack,
) -> None:
    assert _rows(
        with_facebook.serving,
        "select is_excluded, exclusion_reason from marts.fct_deals where deal_id = 'deal-ghost'",
    ) == [(True, "owner not in the users export: u-ghost")]
    health = _rows(
        with_facebook.serving,
        "select reason, rows_quarantined from health.quarantine_summary "
        "where target_table = 'marts.fct_deals' order by 1",
    )
    assert health == [
        ("excluded: closed before it was created", 1),
        ("excluded: owner not in the users export: u-ghost", 1),
    ]
