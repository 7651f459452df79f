"""A small hand-made warehouse for the quality tests: raw orders, order lines, refunds, FX rates and Google Ads
days shaped by docs/sources.md, and a marts.fct_orders computed from them in plain Python."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import dagster as dg
import duckdb
import pandas as pd

from dagster_project.defs.quality import build_defs
from dagster_project.partitions import daily_partitions
from dagster_project.runs import RANGE_END_TAG, RANGE_START_TAG
from dagster_project.warehouse import WarehouseResource

START = date(2024, 12, 1)
DAYS = 21
LINEAGE_DDL = (
    "_partition_date date, _source varchar, _source_line bigint, _load_id varchar, _loaded_at timestamp"
)

DDL = {
    "orders_orders": "id bigint, order_number varchar, customer_id bigint, crm_deal_id varchar, status varchar, "
    "currency varchar, ordered_at timestamp, created_at timestamp, updated_at timestamp",
    "orders_order_lines": "id bigint, order_id bigint, product_id bigint, quantity bigint, unit_price double, "
    "discount double, line_amount double, updated_at timestamp",
    "orders_refunds": "id bigint, order_id bigint, amount double, reason varchar, refunded_at timestamp, "
    "updated_at timestamp",
    "ref_fx_rates": "date date, currency varchar, rate_to_usd double",
    "ads_google_ads": "day date, campaign_id varchar, campaign varchar, impressions bigint, clicks bigint, "
    "cost_micros bigint, conversions double, currency varchar",
}


def _lineage(row: dict, day: date, source: str, line: int | None) -> dict:
    return {
        **row,
        "_partition_date": day,
        "_source": source,
        "_source_line": line,
        "_load_id": "fixture",
        "_loaded_at": datetime.combine(day + timedelta(days=1), datetime.min.time()) + timedelta(hours=1),
    }


def raw_tables(seed: int = 5) -> dict[str, pd.DataFrame]:
    """The raw tables: about eight orders a day, some in EUR, some cancelled or refunded, some updated later."""
    rnd = random.Random(seed)
    rows: dict[str, list[dict]] = {name: [] for name in DDL}
    order_id = line_id = refund_id = 0
    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        at = lambda h, m=0, d=day: datetime.combine(d, datetime.min.time()) + timedelta(hours=h, minutes=m)
        # EUR is missing on day 4: the rate of day 3 carries forward
        for currency, rate in (("USD", 1.0), ("EUR", round(1.04 + 0.003 * offset, 4)), ("RUB", 0.0105)):
            if not (currency == "EUR" and offset == 4):
                rows["ref_fx_rates"].append(
                    _lineage(
                        {"date": day, "currency": currency, "rate_to_usd": rate},
                        START,
                        "reference/fx_rates.csv",
                        len(rows["ref_fx_rates"]) + 2,
                    )
                )
        for n, (cid, name) in enumerate(
            (("111", "search_brand"), ("222", "display_retarget"), ("333", "social_x"))
        ):
            imp = rnd.randint(500, 900)
            rows["ads_google_ads"].append(
                _lineage(
                    {
                        "day": day,
                        "campaign_id": cid,
                        "campaign": name,
                        "impressions": imp,
                        "clicks": rnd.randint(5, 50),
                        "cost_micros": rnd.randint(5, 60) * 1_000_000,
                        "conversions": float(rnd.randint(0, 3)),
                        "currency": "USD",
                    },
                    day,
                    f"ads/google_ads/{day}.csv",
                    n + 2,
                )
            )
        for n in range(rnd.randint(7, 9)):
            order_id += 1
            ordered = at(8 + n, rnd.randint(0, 59))
            currency = "EUR" if order_id % 3 == 0 else "USD"
            status = "cancelled" if order_id % 10 == 0 else "paid"
            order = {
                "id": order_id,
                "order_number": f"SO-{order_id:05d}",
                "customer_id": 1 + order_id % 12,
                "crm_deal_id": None,
                "status": "pending",
                "currency": currency,
                "ordered_at": ordered,
                "created_at": ordered,
                "updated_at": ordered,
            }
            rows["orders_orders"].append(_lineage(order, day, "orders:orders", None))
            # most orders are paid (or cancelled) two days later: a newer version in a later partition
            later = day + timedelta(days=2)
            if offset + 2 < DAYS:
                rows["orders_orders"].append(
                    _lineage(
                        {**order, "status": status, "updated_at": at(7, 30, later)},
                        later,
                        "orders:orders",
                        None,
                    )
                )
            for _ in range(rnd.randint(1, 2)):
                line_id += 1
                qty, price, disc = (
                    rnd.randint(1, 4),
                    float(rnd.choice([19.99, 49.5, 120.0])),
                    rnd.choice([0, 0.1]),
                )
                rows["orders_order_lines"].append(
                    _lineage(
                        {
                            "id": line_id,
                            "order_id": order_id,
                            "product_id": 1,
                            "quantity": qty,
                            "unit_price": price,
                            "discount": float(disc),
                            "line_amount": round(qty * price * (1 - disc), 2),
                            "updated_at": ordered,
                        },
                        day,
                        "orders:order_lines",
                        None,
                    )
                )
            if order_id % 7 == 0 and offset + 3 < DAYS:
                refund_id += 1
                refunded = at(10, 0, day + timedelta(days=3))
                rows["orders_refunds"].append(
                    _lineage(
                        {
                            "id": refund_id,
                            "order_id": order_id,
                            "amount": 10.0,
                            "reason": "damaged",
                            "refunded_at": refunded,
                            "updated_at": refunded,
                        },
                        day + timedelta(days=3),
                        "orders:refunds",
                        None,
                    )
                )
    return {name: pd.DataFrame(r) for name, r in rows.items()}


def fct_orders(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """marts.fct_orders as the dbt model defines it, computed row by row in Python (an independent oracle)."""

    def latest(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.sort_values(["updated_at", "_loaded_at"]).groupby("id").tail(1)

    orders, lines, refunds = (
        latest(tables[t]) for t in ("orders_orders", "orders_order_lines", "orders_refunds")
    )
    rates = {(r.currency, r.date): r.rate_to_usd for r in tables["ref_fx_rates"].itertuples()}

    def rate(currency: str, day: date) -> float | None:
        if currency == "USD":
            return 1.0
        for back in range(400):  # the last known rate holds until the next one
            found = rates.get((currency, day - timedelta(days=back)))
            if found is not None:
                return found
        return None

    out = []
    for o in orders.itertuples():
        order_day = o.ordered_at.date()
        gross = float(lines.loc[lines.order_id == o.id, "line_amount"].sum())
        refunded = sum(
            r.amount * rate(o.currency, r.refunded_at.date())
            for r in refunds.loc[refunds.order_id == o.id].itertuples()
        )
        gross_usd = gross * rate(o.currency, order_day)
        out.append(
            {
                "order_id": o.id,
                "order_number": o.order_number,
                "customer_id": o.customer_id,
                "status": o.status,
                "is_cancelled": o.status == "cancelled",
                "currency": o.currency,
                "ordered_at": o.ordered_at,
                "order_date": order_day,
                "line_count": int((lines.order_id == o.id).sum()),
                "gross_amount": gross,
                "gross_amount_usd": gross_usd,
                "refunded_amount_usd": refunded,
                "net_amount_usd": 0.0 if o.status == "cancelled" else gross_usd - refunded,
                "fx_status": "exact",
            }
        )
    return pd.DataFrame(out)


def build_warehouse(path: str) -> dict[str, pd.DataFrame]:
    """Write the raw tables (typed as the contract says) and marts.fct_orders into a DuckDB file."""
    tables = raw_tables()
    with duckdb.connect(path) as con:
        con.execute("create schema if not exists raw; create schema if not exists marts")
        for name, frame in tables.items():
            con.execute(f"create or replace table raw.{name} ({DDL[name]}, {LINEAGE_DDL})")
            con.register("frame", frame)
            con.execute(f"insert into raw.{name} by name select * from frame")
            con.unregister("frame")
        mart = fct_orders(tables)
        con.register("mart", mart)
        con.execute("create or replace table marts.fct_orders as select * from mart")
    return tables


def loaded_asset(key: Sequence[str], partitioned: bool = True) -> dg.AssetsDefinition:
    """An asset whose data the fixture already wrote (a stand-in for the ingest step that loads it)."""

    @dg.asset(
        key=list(key),
        partitions_def=daily_partitions() if partitioned else None,
        backfill_policy=dg.BackfillPolicy.single_run() if partitioned else None,
    )
    def _loaded() -> None:
        return None

    return _loaded


def downstream_of(keys: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    """A partitioned asset standing for the marts that must not build on bad raw data."""

    @dg.asset(
        key=["marts", "downstream"],
        deps=list(keys),
        partitions_def=daily_partitions(),
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def _downstream() -> None:
        return None

    return _downstream


def run_with_checks(
    warehouse: WarehouseResource,
    keys: Sequence[Sequence[str]],
    first_day: str,
    last_day: str | None = None,
    with_downstream: bool = False,
) -> dg.ExecuteInProcessResult:
    """Materialize stand-ins of `keys` (and a downstream asset) for a window with the quality checks attached."""
    assets = [loaded_asset(k, partitioned=k[1] not in {"ref_fx_rates"}) for k in keys]
    checks = build_defs([dg.Definitions(assets=assets)]).asset_checks
    if with_downstream:
        assets.append(downstream_of([dg.AssetKey(list(k)) for k in keys]))
    defs = dg.Definitions(
        assets=assets,
        asset_checks=list(checks),
        resources={"warehouse": warehouse},
        executor=dg.in_process_executor,
    )
    job = defs.resolve_implicit_global_asset_job_def()
    tags = {RANGE_START_TAG: first_day, RANGE_END_TAG: last_day or first_day}
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), tags=tags, raise_on_error=False)


RAW_KEYS = [("raw", name) for name in DDL]
