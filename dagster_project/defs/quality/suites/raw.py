"""Suites of the raw tables, generated from the data contract (dagster_project/contract.py: the ingest format specs
with the company profile's vocabulary): schema and types, required fields, ranges and accepted values block; volume
against the source's own trailing median; plausibility limits and freshness warn. A table the profile does not
feed has no checks."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import great_expectations.expectations as gxe

from dagster_project.contract import raw_contract
from dagster_project.defs.ingest.spec import SourceSpec
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
from dagster_project.profile import Profile, load_profile

SCHEMA = "raw"
WINDOW = "_partition_date >= $start and _partition_date < $end"

# The contract's column types and the DuckDB types that satisfy each.
CONTRACT_TYPES = {
    "varchar": TEXT,
    "bigint": INTEGER,
    "double": NUMBER,
    "date": DATE,
    "timestamp": TIMESTAMP,
    "boolean": BOOLEAN,
}

# Volume bands against the trailing 7-day median. Ad reports have one row per campaign a day, so the median is
# exact and both directions are judged at the usual 0.2×–5×. CRM and orders volumes follow the week (weekend days
# load a tenth of a weekday in the sample data, and holidays load nothing), so for them only a spike blocks; a
# drop below 0.05× (a lost or partial load) is a warning. Medians under 5 rows are noise.
ADS_VOLUME = {"low": 0.2, "high": 5.0, "min_median": 1}
WEEKLY_VOLUME = {"low": 0.0, "high": 5.0, "min_median": 5}
WEEKLY_DROP = {"low": 0.05, "high": float("inf"), "min_median": 5, "blocking": False}
SPIKES_ONLY = {"low": 0.0, "high": 5.0, "min_median": 5}


def _fresh(expectations: Sequence[gxe.Expectation]) -> list[gxe.Expectation]:
    # GX stamps an id on an expectation when a suite takes it: each suite gets its own copies
    return [e.copy(update={"id": None}) for e in expectations]


def _lineage(partitioned: bool) -> list[gxe.Expectation]:
    # Reference files are reloaded whole: their rows belong to no day partition.
    return [
        gxe.ExpectColumnValuesToNotBeNull(column=c)
        for c in (["_partition_date"] if partitioned else []) + ["_source", "_load_id", "_loaded_at"]
    ]


def contract_expectations(spec: SourceSpec) -> list[gxe.Expectation]:
    """The contract's row rules of one raw table as GX expectations: required, minimum, accepted values."""
    expectations: list[gxe.Expectation] = []
    for column in spec.columns:
        if column.required:
            expectations.append(gxe.ExpectColumnValuesToNotBeNull(column=column.name))
        if column.min is not None:
            expectations.append(gxe.ExpectColumnValuesToBeBetween(column=column.name, min_value=column.min))
        if column.accepted:
            expectations.append(
                gxe.ExpectColumnValuesToBeInSet(column=column.name, value_set=list(column.accepted))
            )
    return expectations


def contract_columns(spec: SourceSpec) -> dict[str, tuple[str, ...]]:
    """The contract's columns of one raw table with the DuckDB types that satisfy each."""
    return {c.name: CONTRACT_TYPES[c.type] for c in spec.columns}


@dataclass(frozen=True)
class Monitoring:
    """What a raw table is watched for beyond its contract: plausibility warnings, volume and freshness."""

    warnings: Sequence[gxe.Expectation] = ()
    timestamp: str | None = None
    max_lag_hours: float = 30
    volume: Mapping[str, float] | None = None
    partitioned: bool = True


def _suite(table: str, spec: SourceSpec, watch: Monitoring) -> list[CheckSpec]:
    """The checks of one raw table."""
    relation = f"{SCHEMA}.{table}"
    partitioned = watch.partitioned
    window = WINDOW if partitioned else "true"
    blocking_template = contract_expectations(spec)
    warning_template = list(watch.warnings)
    specs = [
        schema_check(SCHEMA, table, {**contract_columns(spec), **LINEAGE}),
        values_check(
            relation,
            window,
            lambda: _lineage(partitioned) + _fresh(blocking_template),
            what="the data contract (required fields, ranges, accepted values)",
        ),
    ]
    if warning_template:
        specs.append(
            values_check(
                relation,
                window,
                lambda: _fresh(warning_template),
                name="plausibility",
                blocking=False,
                what="plausibility limits",
            )
        )
    if partitioned and watch.volume is not None:
        specs.append(volume_check(relation, **watch.volume))
        if watch.volume is WEEKLY_VOLUME:
            specs.append(volume_check(relation, **WEEKLY_DROP))
    if partitioned and watch.timestamp:
        specs.append(freshness_check(relation, watch.timestamp, watch.max_lag_hours))
    return specs


def _between(column: str, low: float | None = None, high: float | None = None) -> gxe.Expectation:
    return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high)


def _coordinates(lat: str, lon: str) -> list[gxe.Expectation]:
    return [_between(lat, -90, 90), _between(lon, -180, 180)]


def _clicks_within_impressions() -> gxe.Expectation:
    return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A="impressions", column_B="clicks", or_equal=True
    )


def monitoring() -> dict[str, Monitoring]:
    """Per raw table, what is watched besides the contract (nothing here names a company's vocabulary)."""
    ads = Monitoring([_clicks_within_impressions()], max_lag_hours=48, volume=ADS_VOLUME)
    return {
        # Directors lead a region, not a team; every rep and manager belongs to one.
        "crm_users": Monitoring(
            [
                gxe.ExpectColumnValuesToNotBeNull(
                    column="team_id", row_condition='role != "director"', condition_parser="pandas"
                ),
                *_coordinates("home_lat", "home_lon"),
            ]
        ),
        # accounts arrive in bursts (25 of 120 days in the sample): neither volume nor freshness applies
        "crm_accounts": Monitoring(
            [
                gxe.ExpectColumnValuesToMatchRegex(column="country", regex=r"^[A-Z]{2}$"),
                *_coordinates("lat", "lon"),
            ]
        ),
        "crm_leads": Monitoring(
            [gxe.ExpectColumnValuesToNotBeNull(column="owner_id", mostly=0.8)],
            timestamp="updated_at",
            volume=WEEKLY_VOLUME,
        ),
        "crm_deals": Monitoring(
            [gxe.ExpectColumnValuesToNotBeNull(column="owner_id", mostly=0.9)],
            timestamp="updated_at",
            volume=WEEKLY_VOLUME,
        ),
        "crm_deal_stage_events": Monitoring(timestamp="changed_at", volume=WEEKLY_VOLUME),
        "crm_activities": Monitoring(
            [_between("duration_min", high=600)],
            timestamp="occurred_at",
            max_lag_hours=48,
            volume=SPIKES_ONLY,
        ),
        "ads_google_ads": dataclasses.replace(ads, timestamp="day"),
        "ads_meta_ads": dataclasses.replace(ads, timestamp="date_start"),
        "ads_yandex_direct": dataclasses.replace(ads, timestamp="date"),
        "orders_customers": Monitoring(),
        "orders_products": Monitoring(),
        "orders_orders": Monitoring(
            [
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="updated_at", column_B="ordered_at", or_equal=True
                )
            ],
            timestamp="updated_at",
            volume=WEEKLY_VOLUME,
        ),
        "orders_order_lines": Monitoring(
            [_between("discount", 0, 1), _between("quantity", 1, 1000)],
            timestamp="updated_at",
            volume=WEEKLY_VOLUME,
        ),
        "orders_refunds": Monitoring(),
        "ref_fx_rates": Monitoring(
            [gxe.ExpectCompoundColumnsToBeUnique(column_list=["date", "currency"])], partitioned=False
        ),
        "ref_kpi_targets": Monitoring(
            [
                gxe.ExpectColumnValuesToBeUnique(column="target_id"),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="period_end", column_B="period_start"),
            ],
            partitioned=False,
        ),
        "ref_sales_costs": Monitoring(
            [gxe.ExpectCompoundColumnsToBeUnique(column_list=["month", "team_id"])], partitioned=False
        ),
    }


def raw_suites(profile: Profile | None = None) -> dict[str, list[CheckSpec]]:
    """Every raw table's checks, by table name, for the tables the company profile feeds."""
    contract = raw_contract(profile or load_profile(), enabled_only=True)
    watched = monitoring()
    return {table: _suite(table, spec, watched.get(table, Monitoring())) for table, spec in contract.items()}
