"""Suites of the raw tables (docs/sources.md): schema and types, required fields, ranges, accepted values, volume
against the trailing median, freshness; blocking where bad data would corrupt the marts, warning where it only
looks unusual."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import great_expectations.expectations as gxe

from dagster_project import kpis
from dagster_project.environment import settings
from dagster_project.defs.quality.suites.base import (
    BOOLEAN,
    DATE,
    INTEGER,
    LINEAGE,
    NUMBER,
    TEXT,
    TIMESTAMP,
    CheckSpec,
    freshness_check,
    schema_check,
    values_check,
    volume_check,
)

SCHEMA = "raw"
WINDOW = "_partition_date >= $start and _partition_date < $end"

STAGES = ["new", "qualified", "proposal", "negotiation", "won", "lost"]
CHANNELS = ["paid_search", "paid_social", "organic", "referral", "events"]
PLATFORMS = ["google_ads", "meta_ads", "yandex_direct"]
ORDER_STATUSES = ["pending", "paid", "shipped", "cancelled", "refunded"]
DEAL_CURRENCIES = ["USD", "EUR"]
CAMPAIGN_NAME = r"^(?:search|social|display)_"

# Volume bands against the trailing 7-day median. Ad reports have one row per campaign a day, so the median is
# exact and both directions are judged at the usual 0.2×–5×. CRM and orders volumes follow the week (weekend days
# load a tenth of a weekday in the sample data, and holidays load nothing), so for them only a spike blocks; a
# drop below 0.05× (a lost or partial load) is a warning. Medians under 5 rows are noise.
ADS_VOLUME = {"low": 0.2, "high": 5.0, "min_median": 1}
WEEKLY_VOLUME = {"low": 0.0, "high": 5.0, "min_median": 5}
WEEKLY_DROP = {"low": 0.05, "high": float("inf"), "min_median": 5, "blocking": False}
SPIKES_ONLY = {"low": 0.0, "high": 5.0, "min_median": 5}


def _not_null(*columns: str) -> list[gxe.Expectation]:
    return [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in columns]


def _non_negative(*columns: str) -> list[gxe.Expectation]:
    return [gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0) for c in columns]


def _in_set(column: str, values: Sequence[str]) -> gxe.Expectation:
    return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=list(values))


def _lineage(partitioned: bool) -> list[gxe.Expectation]:
    # Reference files are reloaded whole: their rows belong to no day partition.
    return _not_null(*(["_partition_date"] if partitioned else []), "_source", "_load_id", "_loaded_at")


def _fresh(expectations: Sequence[gxe.Expectation]) -> list[gxe.Expectation]:
    # GX stamps an id on an expectation when a suite takes it: each suite gets its own copies
    return [e.copy(update={"id": None}) for e in expectations]


def _suite(
    table: str,
    columns: Mapping[str, Sequence[str]],
    blocking: list[gxe.Expectation] | None = None,
    warning: list[gxe.Expectation] | None = None,
    *,
    partitioned: bool = True,
    timestamp: str | None = None,
    max_lag_hours: float = 30,
    volume: Mapping[str, float] | None = None,
) -> list[CheckSpec]:
    """The checks of one raw table."""
    relation = f"{SCHEMA}.{table}"
    window = WINDOW if partitioned else "true"
    blocking_template, warning_template = list(blocking or []), list(warning or [])
    specs = [
        schema_check(SCHEMA, table, {**columns, **LINEAGE}),
        values_check(relation, window, lambda: _lineage(partitioned) + _fresh(blocking_template)),
    ]
    if warning_template:
        specs.append(values_check(relation, window, lambda: _fresh(warning_template),
                                  name="plausibility", blocking=False, what="plausibility limits"))
    if partitioned and volume is not None:
        specs.append(volume_check(relation, **volume))
        if volume is WEEKLY_VOLUME:
            specs.append(volume_check(relation, **WEEKLY_DROP))
    if partitioned and timestamp:
        specs.append(freshness_check(relation, timestamp, max_lag_hours))
    return specs


def raw_suites() -> dict[str, list[CheckSpec]]:
    """Every raw table's checks, by table name."""
    ads_common = {"campaign_id": TEXT, "impressions": INTEGER, "clicks": INTEGER}
    ads_plausible = [gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="impressions", column_B="clicks",
                                                                  or_equal=True)]
    return {
        "crm_users": _suite(
            "crm_users",
            {"id": TEXT, "email": TEXT, "full_name": TEXT, "role": TEXT, "team_id": TEXT, "team_name": TEXT,
             "region": TEXT, "manager_id": TEXT, "hire_date": DATE, "home_lat": NUMBER, "home_lon": NUMBER,
             "is_active": BOOLEAN, "updated_at": TIMESTAMP},
            _not_null("id", "role", "updated_at")
            # Directors lead a region, not a team; every rep and manager belongs to one.
            + [gxe.ExpectColumnValuesToNotBeNull(column="team_id", row_condition='role != "director"',
                                                 condition_parser="pandas"),
               _in_set("role", ["rep", "manager", "director"]), _in_set("region", ["North", "Central", "South"]),
               gxe.ExpectColumnValuesToMatchRegex(column="team_id", regex=r"^team_\d{2}$")],
            [gxe.ExpectColumnValuesToBeBetween(column="home_lat", min_value=-90, max_value=90),
             gxe.ExpectColumnValuesToBeBetween(column="home_lon", min_value=-180, max_value=180)],
        ),
        "crm_accounts": _suite(
            "crm_accounts",
            {"id": TEXT, "name": TEXT, "industry": TEXT, "country": TEXT, "city": TEXT, "lat": NUMBER,
             "lon": NUMBER, "owner_id": TEXT, "created_at": TIMESTAMP, "updated_at": TIMESTAMP},
            _not_null("id", "name", "created_at", "updated_at"),
            [gxe.ExpectColumnValuesToMatchRegex(column="country", regex=r"^[A-Z]{2}$"),
             gxe.ExpectColumnValuesToBeBetween(column="lat", min_value=-90, max_value=90),
             gxe.ExpectColumnValuesToBeBetween(column="lon", min_value=-180, max_value=180)],
            # accounts arrive in bursts (25 of 120 days in the sample): neither volume nor freshness applies
        ),
        "crm_leads": _suite(
            "crm_leads",
            {"id": TEXT, "created_at": TIMESTAMP, "email": TEXT, "company_name": TEXT, "source_channel": TEXT,
             "utm_source": TEXT, "utm_campaign": TEXT, "status": TEXT, "owner_id": TEXT, "account_id": TEXT,
             "updated_at": TIMESTAMP},
            _not_null("id", "created_at", "source_channel", "status", "updated_at")
            + [_in_set("source_channel", CHANNELS), _in_set("utm_source", PLATFORMS),
               _in_set("status", ["new", "qualified", "converted", "disqualified"])],
            [gxe.ExpectColumnValuesToNotBeNull(column="owner_id", mostly=0.8)],
            timestamp="updated_at", volume=WEEKLY_VOLUME,
        ),
        "crm_deals": _suite(
            "crm_deals",
            {"id": TEXT, "lead_id": TEXT, "account_id": TEXT, "owner_id": TEXT, "name": TEXT, "stage": TEXT,
             "amount": NUMBER, "currency": TEXT, "created_at": TIMESTAMP, "expected_close_date": DATE,
             "closed_at": TIMESTAMP, "updated_at": TIMESTAMP},
            _not_null("id", "account_id", "stage", "amount", "currency", "created_at", "updated_at")
            + _non_negative("amount") + [_in_set("stage", STAGES), _in_set("currency", DEAL_CURRENCIES)],
            [gxe.ExpectColumnValuesToNotBeNull(column="owner_id", mostly=0.9)],
            timestamp="updated_at", volume=WEEKLY_VOLUME,
        ),
        "crm_deal_stage_events": _suite(
            "crm_deal_stage_events",
            {"id": TEXT, "deal_id": TEXT, "from_stage": TEXT, "to_stage": TEXT, "changed_at": TIMESTAMP,
             "changed_by": TEXT},
            _not_null("id", "deal_id", "to_stage", "changed_at")
            + [_in_set("from_stage", STAGES), _in_set("to_stage", STAGES)],
            timestamp="changed_at", volume=WEEKLY_VOLUME,
        ),
        "crm_activities": _suite(
            "crm_activities",
            {"id": TEXT, "type": TEXT, "rep_id": TEXT, "account_id": TEXT, "deal_id": TEXT,
             "occurred_at": TIMESTAMP, "duration_min": NUMBER, "latitude": NUMBER, "longitude": NUMBER,
             "outcome": TEXT},
            _not_null("id", "type", "rep_id", "occurred_at") + _non_negative("duration_min")
            + [_in_set("type", ["call", "email", "meeting", "field_visit"]),
               _in_set("outcome", ["completed", "no_show", "follow_up"])],
            [gxe.ExpectColumnValuesToBeBetween(column="duration_min", max_value=600)],
            timestamp="occurred_at", max_lag_hours=48, volume=SPIKES_ONLY,
        ),
        "ads_google_ads": _suite(
            "ads_google_ads",
            {"day": DATE, "campaign": TEXT, "cost_micros": INTEGER, "conversions": NUMBER, "currency": TEXT,
             **ads_common},
            _not_null("day", "campaign_id", "campaign", "impressions", "clicks", "cost_micros")
            + _non_negative("impressions", "clicks", "cost_micros", "conversions")
            + [_in_set("currency", ["USD"]), gxe.ExpectColumnValuesToMatchRegex(column="campaign", regex=CAMPAIGN_NAME)],
            ads_plausible,
            timestamp="day", max_lag_hours=48, volume=ADS_VOLUME,
        ),
        "ads_meta_ads": _suite(
            "ads_meta_ads",
            {"date_start": DATE, "campaign_name": TEXT, "spend": NUMBER, "account_currency": TEXT, **ads_common},
            _not_null("date_start", "campaign_id", "campaign_name", "impressions", "clicks", "spend")
            + _non_negative("impressions", "clicks", "spend")
            + [_in_set("account_currency", ["EUR"]),
               gxe.ExpectColumnValuesToMatchRegex(column="campaign_name", regex=CAMPAIGN_NAME)],
            ads_plausible,
            timestamp="date_start", max_lag_hours=48, volume=ADS_VOLUME,
        ),
        "ads_yandex_direct": _suite(
            "ads_yandex_direct",
            {"date": DATE, "campaign_name": TEXT, "cost": NUMBER, "currency": TEXT, **ads_common},
            _not_null("date", "campaign_id", "campaign_name", "impressions", "clicks", "cost")
            + _non_negative("impressions", "clicks", "cost")
            + [_in_set("currency", ["RUB"]),
               gxe.ExpectColumnValuesToMatchRegex(column="campaign_name", regex=CAMPAIGN_NAME)],
            ads_plausible,
            timestamp="date", max_lag_hours=48, volume=ADS_VOLUME,
        ),
        "orders_customers": _suite(
            "orders_customers",
            {"id": INTEGER, "external_crm_id": TEXT, "name": TEXT, "email": TEXT, "country": TEXT,
             "created_at": TIMESTAMP, "updated_at": TIMESTAMP},
            _not_null("id", "created_at", "updated_at"),
            [gxe.ExpectColumnValuesToMatchRegex(column="external_crm_id", regex=r"^acc_\d+$")],
        ),
        "orders_products": _suite(
            "orders_products",
            {"id": INTEGER, "sku": TEXT, "name": TEXT, "category": TEXT, "unit_price": NUMBER, "currency": TEXT,
             "updated_at": TIMESTAMP},
            _not_null("id", "sku", "unit_price", "currency", "updated_at") + _non_negative("unit_price")
            + [_in_set("currency", DEAL_CURRENCIES)],
        ),
        "orders_orders": _suite(
            "orders_orders",
            {"id": INTEGER, "order_number": TEXT, "customer_id": INTEGER, "crm_deal_id": TEXT, "status": TEXT,
             "currency": TEXT, "ordered_at": TIMESTAMP, "created_at": TIMESTAMP, "updated_at": TIMESTAMP},
            _not_null("id", "order_number", "customer_id", "status", "currency", "ordered_at", "updated_at")
            + [_in_set("status", ORDER_STATUSES), _in_set("currency", DEAL_CURRENCIES)],
            [gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="updated_at", column_B="ordered_at",
                                                         or_equal=True)],
            timestamp="updated_at", volume=WEEKLY_VOLUME,
        ),
        "orders_order_lines": _suite(
            "orders_order_lines",
            {"id": INTEGER, "order_id": INTEGER, "product_id": INTEGER, "quantity": INTEGER,
             "unit_price": NUMBER, "discount": NUMBER, "line_amount": NUMBER, "updated_at": TIMESTAMP},
            _not_null("id", "order_id", "quantity", "unit_price", "line_amount", "updated_at")
            + _non_negative("quantity", "unit_price", "line_amount")
            + [gxe.ExpectColumnValuesToBeBetween(column="discount", min_value=0, max_value=1)],
            [gxe.ExpectColumnValuesToBeBetween(column="quantity", min_value=1, max_value=1000)],
            timestamp="updated_at", volume=WEEKLY_VOLUME,
        ),
        "orders_refunds": _suite(
            "orders_refunds",
            {"id": INTEGER, "order_id": INTEGER, "amount": NUMBER, "reason": TEXT, "refunded_at": TIMESTAMP,
             "updated_at": TIMESTAMP},
            _not_null("id", "order_id", "amount", "refunded_at", "updated_at") + _non_negative("amount"),
        ),
        "ref_fx_rates": _suite(
            "ref_fx_rates",
            {"date": DATE, "currency": TEXT, "rate_to_usd": NUMBER},
            _not_null("date", "currency", "rate_to_usd") + [_in_set("currency", ["USD", "EUR", "RUB"]),
             gxe.ExpectColumnValuesToBeBetween(column="rate_to_usd", min_value=0, strict_min=True)],
            [gxe.ExpectCompoundColumnsToBeUnique(column_list=["date", "currency"])],
            partitioned=False,
        ),
        "ref_kpi_targets": _suite(
            "ref_kpi_targets",
            {"target_id": TEXT, "owner_level": TEXT, "owner_id": TEXT, "metric": TEXT, "period_grain": TEXT,
             "period_start": DATE, "period_end": DATE, "target_value": NUMBER, "direction": TEXT},
            _not_null("target_id", "owner_level", "owner_id", "metric", "period_grain", "period_start",
                      "period_end", "target_value", "direction")
            + _non_negative("target_value")
            + [_in_set("owner_level", ["company", "team", "rep"]),
               _in_set("metric", sorted(kpis.load(settings().dbt_project_dir))),
               _in_set("period_grain", ["month", "quarter"]), _in_set("direction", ["at_least", "at_most"]),
               gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="period_end", column_B="period_start")],
            [gxe.ExpectColumnValuesToBeUnique(column="target_id")],
            partitioned=False,
        ),
        "ref_sales_costs": _suite(
            "ref_sales_costs",
            {"month": DATE, "team_id": TEXT, "cost_usd": NUMBER},
            _not_null("month", "team_id", "cost_usd") + _non_negative("cost_usd"),
            [gxe.ExpectCompoundColumnsToBeUnique(column_list=["month", "team_id"])],
            partitioned=False,
        ),
    }
