"""Tiny landing folders of companies shaped unlike the demo: their own regions, stage names, channels and
currency, only the sources they have, and the row-level faults real CRM exports carry."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml

START = date(2025, 1, 1)
DAYS = 20
STAGES = [
    ("Prospecção", "open"),
    ("Proposta", "open"),
    ("Negociação", "open"),
    ("Fechado Ganho", "won"),
    ("Fechado Perdido", "lost"),
]
BRL_TO_USD = 0.2


def _ts(day: date, hour: int = 10) -> str:
    return datetime.combine(day, datetime.min.time()).replace(hour=hour).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Deal:
    """One deal as the CRM exported it: its versions (day → stage), amount and owner."""

    id: str
    owner: str | None
    created: date
    path: list[tuple[date, str]]
    amount: float | None = 1000.0
    lead: str | None = None
    closed_before_created: bool = False
    closed_hour: int = 15

    @property
    def final_stage(self) -> str:
        return self.path[-1][1]


@dataclass
class Company:
    """What a test needs to know about the company it built."""

    sources: Path
    profile: Path
    deals: list[Deal] = field(default_factory=list)
    meta_days: list[date] = field(default_factory=list)
    meta_spend_usd: float = 0.0


def _jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _profile(path: Path, *, ads: bool, unknown_owner: str) -> Path:
    data = {
        "reporting_currency": "USD",
        "timezone": "America/Sao_Paulo",
        "sources": {"orders": False, "ads": ads, "activities": False, "stage_history": False},
        "revenue_basis": "won_deals",
        "unknown_owner": unknown_owner,
        "lead_channels": {
            "channels": ["site", "facebook", "parceiros"],
            "sources": {"Website": "site", "Facebook": "facebook", "Parceiro": "parceiros"},
            "campaign_prefixes": {"fb": "facebook"},
        },
        "deal_stages": [{"name": n, "outcome": o} for n, o in STAGES],
        "ad_platforms": {"meta_ads": {"vat_rate": 0.0}} if ads else {},
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return path


def build_company(
    root: Path, *, ads: bool = False, unknown_owner: str = "unassigned", meta_stops_after: int | None = None
) -> Company:
    """A CRM-only (optionally + one USD Facebook report) company with offices East and West, BRL deals, no stage
    history, one deal won before it was created and one owner missing from the users export."""
    sources = root / "sources"
    company = Company(
        sources=sources, profile=_profile(root / "profile.yaml", ads=ads, unknown_owner=unknown_owner)
    )
    users = [
        {
            "id": "u-ana",
            "email": "ana@x",
            "full_name": "Ana",
            "role": "rep",
            "team_id": "T-LESTE",
            "team_name": "Leste",
            "region": "East",
            "manager_id": "u-bia",
            "hire_date": "2023-01-01",
            "home_lat": None,
            "home_lon": None,
            "is_active": True,
            "updated_at": _ts(START, 1),
        },
        {
            "id": "u-caio",
            "email": "caio@x",
            "full_name": "Caio",
            "role": "rep",
            "team_id": "T-OESTE",
            "team_name": "Oeste",
            "region": "West",
            "manager_id": "u-bia",
            "hire_date": "2023-01-01",
            "home_lat": None,
            "home_lon": None,
            "is_active": True,
            "updated_at": _ts(START, 1),
        },
        {
            "id": "u-bia",
            "email": "bia@x",
            "full_name": "Bia",
            "role": "manager",
            "team_id": "T-LESTE",
            "team_name": "Leste",
            "region": "East",
            "manager_id": None,
            "hire_date": "2022-01-01",
            "home_lat": None,
            "home_lon": None,
            "is_active": True,
            "updated_at": _ts(START, 1),
        },
    ]
    _jsonl(sources / "crm" / "users" / f"date={START}" / "part-000.jsonl", users)
    _jsonl(
        sources / "crm" / "accounts" / f"date={START}" / "part-000.jsonl",
        [
            {
                "id": f"acc-{i}",
                "name": f"Cliente {i}",
                "industry": "varejo",
                "country": "BR",
                "city": "Recife",
                "lat": None,
                "lon": None,
                "owner_id": "u-ana",
                "created_at": _ts(START, 2),
                "updated_at": _ts(START, 2),
            }
            for i in range(1, 13)
        ],
    )
    origins = [
        "Website",
        "Facebook",
        "Parceiro",
        "Email",
        "",
    ]  # Email is not mapped → unknown; blank → unattributed
    owners = ["u-ana", "u-caio"]
    leads, deals = {}, []
    for i in range(1, 13):
        created = START + timedelta(days=i % 6)
        lead_id = f"lead-{i}"
        leads.setdefault(created, []).append(
            {
                "id": lead_id,
                "created_at": _ts(created, 9),
                "email": f"l{i}@x",
                "company_name": f"Cliente {i}",
                "source_channel": origins[i % len(origins)] or None,
                "utm_source": "meta_ads" if ads and i % 5 == 1 else None,
                "utm_campaign": "fb-1" if ads and i % 5 == 1 else None,
                "status": "converted",
                "owner_id": owners[i % 2],
                "account_id": f"acc-{i}",
                "updated_at": _ts(created, 9),
            }
        )
        # won, lost, or still open; later stages on later days, as daily exports show them
        outcome = ["won", "lost", "open"][i % 3]
        path = [(created, "Prospecção"), (created + timedelta(days=2), "Proposta")]
        if outcome == "won":
            path += [(created + timedelta(days=5), "Fechado Ganho")]
        elif outcome == "lost":
            path += [
                (created + timedelta(days=4), "Negociação"),
                (created + timedelta(days=7), "Fechado Perdido"),
            ]
        deals.append(
            Deal(
                id=f"deal-{i}",
                owner=owners[i % 2],
                created=created,
                path=path,
                lead=lead_id,
                amount=1000.0 * i if outcome != "open" or i % 2 else None,
            )
        )
    # a deal lost before any export showed another stage: its funnel exit is unknown
    deals.append(
        Deal(
            id="deal-lost-unknown",
            owner="u-ana",
            created=START + timedelta(days=3),
            path=[(START + timedelta(days=3), "Fechado Perdido")],
            amount=700.0,
        )
    )
    # a deal won two days before it was created (a CRM data-entry slip): set aside, the rest publishes
    deals.append(
        Deal(
            id="deal-won-early",
            owner="u-caio",
            created=START + timedelta(days=8),
            path=[(START + timedelta(days=8), "Fechado Ganho")],
            amount=5000.0,
            closed_before_created=True,
        )
    )
    # an owner the users export does not know
    deals.append(
        Deal(
            id="deal-ghost",
            owner="u-ghost",
            created=START + timedelta(days=4),
            path=[(START + timedelta(days=4), "Proposta"), (START + timedelta(days=6), "Fechado Ganho")],
            amount=2500.0,
        )
    )
    # won at 01:00 UTC, which is 22:00 the evening before in São Paulo: the profile's time zone sets its day
    deals.append(
        Deal(
            id="deal-late-night",
            owner="u-ana",
            created=START + timedelta(days=9),
            path=[(START + timedelta(days=9), "Proposta"), (START + timedelta(days=12), "Fechado Ganho")],
            amount=300.0,
            closed_hour=1,
        )
    )
    company.deals = deals
    for day, rows in leads.items():
        _jsonl(sources / "crm" / "leads" / f"date={day}" / "part-000.jsonl", rows)
    by_day: dict[date, list[dict]] = {}
    for deal in deals:
        for day, stage in deal.path:
            outcome = dict(STAGES)[stage]
            closed = None
            if outcome != "open":
                closed = _ts(day - timedelta(days=2) if deal.closed_before_created else day, deal.closed_hour)
            by_day.setdefault(day, []).append(
                {
                    "id": deal.id,
                    "lead_id": deal.lead,
                    "account_id": None,
                    "owner_id": deal.owner,
                    "name": deal.id,
                    "stage": stage,
                    "amount": deal.amount,
                    "currency": "BRL",
                    "created_at": _ts(deal.created, 11),
                    "expected_close_date": str(deal.created + timedelta(days=30)),
                    "closed_at": closed,
                    "updated_at": _ts(day, 16),
                }
            )
    for day, rows in by_day.items():
        _jsonl(sources / "crm" / "deals" / f"date={day}" / "part-000.jsonl", rows)
    reference = sources / "reference"
    reference.mkdir(parents=True)
    with open(reference / "fx_rates.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["date", "currency", "rate_to_usd"])
        for d in range(DAYS + 10):
            day = START + timedelta(days=d)
            writer.writerow([day.isoformat(), "BRL", BRL_TO_USD])
            writer.writerow([day.isoformat(), "USD", 1.0])
    (reference / "kpi_targets.csv").write_text(
        "target_id,owner_level,owner_id,metric,period_grain,period_start,period_end,target_value,direction\n"
        "t-east,region,East,net_revenue_usd,month,2025-01-01,2025-01-31,5000,at_least\n"
    )
    (reference / "sales_costs.csv").write_text(
        "month,team_id,cost_usd\n2025-01-01,T-LESTE,1000\n2025-01-01,T-OESTE,800\n"
    )
    if ads:
        last = meta_stops_after if meta_stops_after is not None else DAYS
        for d in range(last):
            day = START + timedelta(days=d)
            path = sources / "ads" / "meta_ads" / f"{day}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            rows = [("fb-1", "fb_prospeccao", 1000, 40, 25.0), ("fb-2", "fb_remarketing", 800, 20, 15.0)]
            with open(path, "w", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(
                    [
                        "date_start",
                        "campaign_id",
                        "campaign_name",
                        "impressions",
                        "clicks",
                        "spend",
                        "account_currency",
                    ]
                )
                for cid, name, imp, clk, spend in rows:
                    writer.writerow([day.strftime("%d/%m/%Y"), cid, name, imp, clk, spend, "USD"])
                    company.meta_spend_usd += spend
            company.meta_days.append(day)
    return company
