"""A small hand-made raw schema (the docs/sources.md contract) with the edge cases the marts must handle."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd

from dagster_project.defs.profile.tables import write_profile_tables
from dagster_project.environment import REPO_ROOT
from dagster_project.profile import Profile, load_profile

DEMO_PROFILE = REPO_ROOT / "profiles" / "demo.yaml"

START = date(2024, 12, 1)
TEAMS = {"team_01": ("Alpha", "North"), "team_02": ("Beta", "Central"), "team_03": ("Gamma", "South")}
CAMPAIGNS = {
    "google_ads": [("g1", "search_brand"), ("g2", "display_retarget")],
    "meta_ads": [("m1", "social_lookalike")],
    "yandex_direct": [("y1", "search_generic")],
}


def _lineage(rows: list[dict], partition: date, source: str) -> list[dict]:
    for i, row in enumerate(rows):
        row.update(
            _partition_date=partition,
            _source=source,
            _source_line=i + 1,
            _load_id="fixture",
            _loaded_at=datetime.combine(partition, datetime.min.time()) + timedelta(hours=23),
        )
    return rows


def build_tables(days: int = 90, seed: int = 7) -> dict[str, pd.DataFrame]:
    """Raw tables as DataFrames: every CRM version, partitioned by the day the change happened."""
    rnd = random.Random(seed)
    t: dict[str, list[dict]] = {
        k: []
        for k in [
            "crm_users",
            "crm_accounts",
            "crm_leads",
            "crm_deals",
            "crm_deal_stage_events",
            "crm_activities",
            "ads_google_ads",
            "ads_meta_ads",
            "ads_yandex_direct",
            "orders_customers",
            "orders_products",
            "orders_orders",
            "orders_order_lines",
            "orders_refunds",
            "ref_fx_rates",
            "ref_kpi_targets",
            "ref_sales_costs",
        ]
    }
    ts = lambda d, h=10: datetime.combine(d, datetime.min.time()) + timedelta(hours=h)
    reps = [f"usr_{i:04d}" for i in range(1, 7)]
    rep_team = {r: list(TEAMS)[i % 3] for i, r in enumerate(reps)}
    for r in reps + ["usr_0099"]:
        team = rep_team.get(r, "team_01")
        t["crm_users"] += _lineage(
            [
                {
                    "id": r,
                    "email": f"{r}@x",
                    "full_name": r.upper(),
                    "role": "rep" if r != "usr_0099" else "director",
                    "team_id": team,
                    "team_name": TEAMS[team][0],
                    "region": TEAMS[team][1],
                    "manager_id": None if r == "usr_0099" else "usr_0099",
                    "hire_date": date(2023, 1, 1),
                    "home_lat": 0.0,
                    "home_lon": 0.0,
                    "is_active": True,
                    "updated_at": ts(START, 1),
                }
            ],
            START,
            "crm/users",
        )
    # a rep changes team half-way: deals before the move stay with the old team
    move_day = START + timedelta(days=days // 2)
    t["crm_users"] += _lineage(
        [
            dict(
                t["crm_users"][0],
                team_id="team_02",
                team_name="Beta",
                region="Central",
                updated_at=ts(move_day, 8),
            )
        ],
        move_day,
        "crm/users",
    )
    accounts = [f"acc_{i:06d}" for i in range(1, 31)]
    for i, a in enumerate(accounts):
        t["crm_accounts"] += _lineage(
            [
                {
                    "id": a,
                    "name": f"Acc {i}",
                    "industry": "retail",
                    "country": "DE",
                    "city": "Berlin",
                    "lat": 0.0,
                    "lon": 0.0,
                    "owner_id": reps[i % 6],
                    "created_at": ts(START, 2),
                    "updated_at": ts(START, 2),
                }
            ],
            START,
            "crm/accounts",
        )
    fx_gap = START + timedelta(days=10)
    for d in range(days):
        day = START + timedelta(days=d)
        if day != fx_gap:  # one day without EUR/RUB rates: the last known rate is carried forward
            t["ref_fx_rates"] += [
                {"date": day, "currency": "EUR", "rate_to_usd": round(1.05 + 0.001 * d, 4)},
                {"date": day, "currency": "RUB", "rate_to_usd": 0.011},
            ]
        t["ref_fx_rates"].append({"date": day, "currency": "USD", "rate_to_usd": 1.0})
        for platform, camps in CAMPAIGNS.items():
            for cid, name in camps:
                imp, clk = rnd.randint(100, 900), rnd.randint(1, 60)
                cost = rnd.randint(5, 80)
                row = {
                    "google_ads": {
                        "day": day,
                        "campaign_id": cid,
                        "campaign": name,
                        "impressions": imp,
                        "clicks": clk,
                        "cost_micros": cost * 1_000_000,
                        "conversions": 1.0,
                        "currency": "USD",
                    },
                    "meta_ads": {
                        "date_start": day,
                        "campaign_id": cid,
                        "campaign_name": name,
                        "impressions": imp,
                        "clicks": clk,
                        "spend": float(cost),
                        "account_currency": "EUR",
                    },
                    "yandex_direct": {
                        "date": day,
                        "campaign_id": cid,
                        "campaign_name": name,
                        "impressions": imp,
                        "clicks": clk,
                        "cost": float(cost * 120),
                        "currency": "RUB",
                    },
                }[platform]
                t[f"ads_{platform}"] += _lineage([row], day, f"ads/{platform}/{day}.csv")
    t["ref_fx_rates"] = [r for r in t["ref_fx_rates"]]
    channels = ["paid_search", "paid_social", "organic", "referral", "events"]
    deal_no = order_no = line_no = event_no = act_no = 0
    t["orders_products"] += _lineage(
        [
            {
                "id": 1,
                "sku": "SKU1",
                "name": "Widget",
                "category": "hw",
                "unit_price": 100.0,
                "currency": "USD",
                "updated_at": ts(START, 0),
            }
        ],
        START,
        "orders:products",
    )
    for i, a in enumerate(accounts + [None, None]):
        cid = i + 1
        t["orders_customers"] += _lineage(
            [
                {
                    "id": cid,
                    "external_crm_id": a,
                    "name": f"Cust {cid}",
                    "email": f"c{cid}@x",
                    "country": "DE",
                    "created_at": ts(START, 3),
                    "updated_at": ts(START, 3),
                }
            ],
            START,
            "orders:customers",
        )
    for n in range(1, 121):
        created = START + timedelta(days=rnd.randrange(days - 20))
        ch = rnd.choice(channels)
        plat, camp = (
            (("google_ads", "g1") if ch == "paid_search" else ("meta_ads", "m1"))
            if ch.startswith("paid")
            else (None, None)
        )
        acc = rnd.choice(accounts)
        lead = {
            "id": f"lead_{n:07d}",
            "created_at": ts(created),
            "email": f"l{n}@x",
            "company_name": "Co",
            "source_channel": ch,
            "utm_source": plat,
            "utm_campaign": camp,
            "status": "new",
            "owner_id": None if n % 17 == 0 else rnd.choice(reps),
            "account_id": None,
            "updated_at": ts(created),
        }
        t["crm_leads"] += _lineage([lead], created, "crm/leads")
        if n % 2:
            continue
        convert_day = created + timedelta(days=rnd.randint(0, 3))
        t["crm_leads"] += _lineage(
            [dict(lead, status="converted", account_id=acc, updated_at=ts(convert_day, 12))],
            convert_day,
            "crm/leads",
        )
        deal_no += 1
        deal = {
            "id": f"deal_{deal_no:06d}",
            "lead_id": lead["id"],
            "account_id": acc,
            "owner_id": None if deal_no == 5 else lead["owner_id"] or reps[0],
            "name": f"Deal {deal_no}",
            "stage": "new",
            "amount": float(rnd.choice([1000, 2500, 4000])),
            "currency": rnd.choice(["USD", "EUR"]),
            "created_at": ts(convert_day, 13),
            "expected_close_date": convert_day + timedelta(days=30),
            "closed_at": None,
            "updated_at": ts(convert_day, 13),
        }
        path = ["qualified", "proposal", "won"] if deal_no % 3 else ["qualified", "lost"]
        if deal_no % 7 == 0:  # lost, then reopened and won
            path = ["qualified", "lost", "negotiation", "won"]
        if deal_no % 11 == 0:
            path = ["qualified"]  # stays open
        versions, stage_day, prev = [(convert_day, dict(deal))], convert_day, None
        event_no += 1
        t["crm_deal_stage_events"] += _lineage(
            [
                {
                    "id": f"dse_{event_no:08d}",
                    "deal_id": deal["id"],
                    "from_stage": None,
                    "to_stage": "new",
                    "changed_at": ts(convert_day, 13),
                    "changed_by": deal["owner_id"],
                }
            ],
            convert_day,
            "crm/dse",
        )
        prev = "new"
        for stage in path:
            stage_day = stage_day + timedelta(days=rnd.randint(1, 6))
            if stage_day >= START + timedelta(days=days):
                break
            closed = ts(stage_day, 15) if stage in ("won", "lost") else None
            versions.append(
                (stage_day, dict(deal, stage=stage, closed_at=closed, updated_at=ts(stage_day, 15)))
            )
            event_no += 1
            t["crm_deal_stage_events"] += _lineage(
                [
                    {
                        "id": f"dse_{event_no:08d}",
                        "deal_id": deal["id"],
                        "from_stage": prev,
                        "to_stage": stage,
                        "changed_at": ts(stage_day, 15),
                        "changed_by": deal["owner_id"],
                    }
                ],
                stage_day,
                "crm/dse",
            )
            prev = stage
        for d, v in versions:
            t["crm_deals"] += _lineage([v], d, "crm/deals")
        act_no += 1
        t["crm_activities"] += _lineage(
            [
                {
                    "id": f"act_{act_no:08d}",
                    "type": "call",
                    "rep_id": deal["owner_id"] or reps[0],
                    "account_id": acc,
                    "deal_id": deal["id"],
                    "occurred_at": ts(convert_day, 14),
                    "duration_min": 15,
                    "latitude": None,
                    "longitude": None,
                    "outcome": "completed",
                }
            ],
            convert_day,
            "crm/activities",
        )
        # and a visit on site, so that the route marts (field visits in the order made) have rows to compare
        act_no += 1
        t["crm_activities"] += _lineage(
            [
                {
                    "id": f"act_{act_no:08d}",
                    "type": "field_visit",
                    "rep_id": deal["owner_id"] or reps[0],
                    "account_id": acc,
                    "deal_id": deal["id"],
                    "occurred_at": ts(convert_day, 10),
                    "duration_min": 45,
                    "latitude": 52.0 + act_no / 1000,
                    "longitude": 13.0 + act_no / 1000,
                    "outcome": "completed",
                }
            ],
            convert_day,
            "crm/activities",
        )
        final_day, final = versions[-1]
        if final["stage"] == "won":
            order_no += 1
            cust = accounts.index(acc) + 1
            status = "cancelled" if order_no % 9 == 0 else "paid"
            order = {
                "id": order_no,
                "order_number": f"O{order_no}",
                "customer_id": cust,
                "crm_deal_id": final["id"],
                "status": "pending",
                "currency": final["currency"],
                "ordered_at": ts(final_day, 16),
                "created_at": ts(final_day, 16),
                "updated_at": ts(final_day, 16),
            }
            t["orders_orders"] += _lineage([order], final_day, "orders:orders")
            later = final_day + timedelta(days=2)
            if later < START + timedelta(days=days):
                t["orders_orders"] += _lineage(
                    [dict(order, status=status, updated_at=ts(later, 9))], later, "orders:orders"
                )
            line_no += 1
            t["orders_order_lines"] += _lineage(
                [
                    {
                        "id": line_no,
                        "order_id": order_no,
                        "product_id": 1,
                        "quantity": 1,
                        "unit_price": final["amount"],
                        "discount": 0.0,
                        "line_amount": final["amount"],
                        "updated_at": ts(final_day, 16),
                    }
                ],
                final_day,
                "orders:order_lines",
            )
    # web-shop orders of customers without a CRM account, and a refund month larger than its sales
    for k, cust in enumerate([31, 32, 31]):
        order_no += 1
        line_no += 1
        day = START + timedelta(days=5 + 20 * k)
        t["orders_orders"] += _lineage(
            [
                {
                    "id": order_no,
                    "order_number": f"W{order_no}",
                    "customer_id": cust,
                    "crm_deal_id": None,
                    "status": "paid",
                    "currency": "USD",
                    "ordered_at": ts(day),
                    "created_at": ts(day),
                    "updated_at": ts(day),
                }
            ],
            day,
            "orders:orders",
        )
        t["orders_order_lines"] += _lineage(
            [
                {
                    "id": line_no,
                    "order_id": order_no,
                    "product_id": 1,
                    "quantity": 2,
                    "unit_price": 100.0,
                    "discount": 0.1,
                    "line_amount": 180.0,
                    "updated_at": ts(day),
                }
            ],
            day,
            "orders:order_lines",
        )
    refund_day = START + timedelta(days=days - 3)
    paid = [o for o in t["orders_orders"] if o["status"] == "paid"]
    for r, o in enumerate(paid[:4]):
        t["orders_refunds"] += _lineage(
            [
                {
                    "id": r + 1,
                    "order_id": o["id"],
                    "amount": 50_000.0 if r == 0 else 10.0,
                    "reason": "damaged",
                    "refunded_at": ts(refund_day, 11),
                    "updated_at": ts(refund_day, 11),
                }
            ],
            refund_day,
            "orders:refunds",
        )
    months = sorted({date(d.year, d.month, 1) for d in (START + timedelta(days=i) for i in range(days))})
    for m in months:
        for team in TEAMS:
            t["ref_sales_costs"].append({"month": m, "team_id": team, "cost_usd": 10_000.0})
    tid = 0
    for m in months:
        end = (m.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        for level, owner, metric, value, direction in [
            ("company", "company", "net_revenue_usd", 40_000.0, "at_least"),
            ("company", "company", "cac_usd", 2_000.0, "at_most"),
            ("team", "team_01", "win_rate_by_count", 0.5, "at_least"),
            ("rep", reps[1], "new_customers", 2.0, "at_least"),
            ("company", "company", "sales_cycle_median_days", 10.0, "at_most"),
        ]:
            tid += 1
            t["ref_kpi_targets"].append(
                {
                    "target_id": f"tgt_{tid:03d}",
                    "owner_level": level,
                    "owner_id": owner,
                    "metric": metric,
                    "period_grain": "month",
                    "period_start": m,
                    "period_end": end,
                    "target_value": value,
                    "direction": direction,
                }
            )
    tid += 1
    t["ref_kpi_targets"].append(
        {
            "target_id": f"tgt_{tid:03d}",
            "owner_level": "company",
            "owner_id": "company",
            "metric": "conversion_lead_to_deal",
            "period_grain": "quarter",
            "period_start": date(2025, 1, 1),
            "period_end": date(2025, 3, 31),
            "target_value": 0.4,
            "direction": "at_least",
        }
    )
    for name in ("ref_fx_rates", "ref_kpi_targets", "ref_sales_costs"):
        _lineage(t[name], START, f"reference/{name}.csv")
        for row in t[name]:
            row["_partition_date"] = None
            row["_source_line"] = None
    return {name: pd.DataFrame(rows) for name, rows in t.items()}


TIMESTAMP_COLUMNS = {
    "updated_at",
    "created_at",
    "closed_at",
    "changed_at",
    "occurred_at",
    "ordered_at",
    "refunded_at",
    "_loaded_at",
}
DATE_COLUMNS = {
    "hire_date",
    "expected_close_date",
    "day",
    "date_start",
    "date",
    "month",
    "period_start",
    "period_end",
    "_partition_date",
}


def write_raw(
    path: str, tables: dict[str, pd.DataFrame], until: date | None = None, profile: Profile | None = None
) -> None:
    """(Re)write schema raw of the DuckDB file, keeping only partitions up to `until` (reference tables whole),
    and the profile schema from `profile` (the demo's by default)."""
    con = duckdb.connect(path)
    try:
        write_profile_tables(con, profile or load_profile(DEMO_PROFILE))
        con.execute("create schema if not exists raw")
        for name, frame in tables.items():
            df = frame.copy()
            if until is not None and not name.startswith("ref_"):
                df = df[df["_partition_date"] <= until]
            con.register("frame", df)
            casts = []
            for col in df.columns:
                if col in TIMESTAMP_COLUMNS:
                    casts.append(f"cast({col} as timestamp) as {col}")
                elif col in DATE_COLUMNS:
                    casts.append(f"cast({col} as date) as {col}")
                elif col in ("_source_line",):
                    casts.append(f"cast({col} as bigint) as {col}")
                elif col in (
                    "_source",
                    "_load_id",
                    "manager_id",
                    "owner_id",
                    "account_id",
                    "utm_source",
                    "utm_campaign",
                    "external_crm_id",
                    "crm_deal_id",
                    "deal_id",
                    "lead_id",
                    "from_stage",
                    "latitude",
                    "longitude",
                ) and col not in ("latitude", "longitude"):
                    casts.append(f"cast({col} as varchar) as {col}")
                elif col in ("latitude", "longitude"):
                    casts.append(f"cast({col} as double) as {col}")
                else:
                    casts.append(col)
            con.execute(f"create or replace table raw.{name} as select {', '.join(casts)} from frame")
            con.unregister("frame")
    finally:
        con.close()
