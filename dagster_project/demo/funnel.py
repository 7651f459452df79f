"""The CRM simulation: leads from channels and campaigns, accounts, deals through their stages, activities."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from dagster_project.demo import planted
from dagster_project.demo.ads import Campaigns, DaySpend, day_spend
from dagster_project.demo.deals import simulate_deals
from dagster_project.demo.field_days import add_field_days
from dagster_project.demo.model import (
    BASE_ACCOUNTS,
    DAY,
    DIRECT_DEALS_PER_DAY,
    HOUR,
    LOW_CONVERSION_DAYS,
    LOW_CONVERSION_FACTOR,
    NONPAID_LEADS_PER_DAY,
    Config,
    day_factor,
    intraday_seconds,
    stream,
)
from dagster_project.demo.org import ALL_CITIES, CITIES, TEAMS, Org

CHANNELS = ("paid_search", "paid_social", "organic", "referral", "events", "existing")
QUALIFY = np.array([0.55, 0.45, 0.60, 0.75, 0.50, 1.0])
LEAD_TO_DEAL = np.array([0.22, 0.13, 0.24, 0.38, 0.17, 1.0])
NEW_ACCOUNT_SHARE = 0.25
POOL_DELAY_DAYS = 21  # every conversion of a lead happens within 20 days of its creation
INDUSTRIES = ("software", "retail", "manufacturing", "logistics", "healthcare", "finance", "energy", "media")
NAME_A = (
    "Nordic",
    "Alpine",
    "Blue",
    "Bright",
    "Central",
    "Delta",
    "Euro",
    "First",
    "Green",
    "Iron",
    "Lake",
    "Metro",
    "North",
    "Oak",
    "Prime",
    "River",
    "Silver",
    "Star",
    "Summit",
    "Vista",
)
NAME_B = (
    "Analytics",
    "Foods",
    "Freight",
    "Health",
    "Labs",
    "Logistics",
    "Media",
    "Motors",
    "Partners",
    "Power",
    "Retail",
    "Robotics",
    "Systems",
    "Textiles",
    "Tools",
    "Works",
)
NAME_C = ("AB", "AG", "GmbH", "Ltd", "Oy", "S.A.", "S.p.A.", "B.V.", "sp. z o.o.", "s.r.o.")


class Columns:
    """Column arrays built chunk by chunk (a day at a time) and concatenated once."""

    def __init__(self) -> None:
        self.chunks: dict[str, list[np.ndarray]] = {}
        self.n = 0

    def add(self, **cols: np.ndarray) -> None:
        self.n += len(next(iter(cols.values())))
        for name, values in cols.items():
            self.chunks.setdefault(name, []).append(np.asarray(values))

    def done(self) -> dict[str, np.ndarray]:
        return {name: np.concatenate(parts) for name, parts in self.chunks.items()}


class Growing:
    """Numeric columns that grow by appending and stay readable while growing."""

    def __init__(self, **initial: np.ndarray) -> None:
        self.cols = {k: np.asarray(v) for k, v in initial.items()}
        self.n = len(next(iter(initial.values())))

    def append(self, **cols: np.ndarray) -> None:
        for k, v in cols.items():
            arr = self.cols[k]
            need = self.n + len(v)
            if need > len(arr):
                bigger = np.empty(max(need, 2 * len(arr)), dtype=arr.dtype)
                bigger[: self.n] = arr[: self.n]
                self.cols[k] = arr = bigger
            arr[self.n : need] = v
        self.n += len(next(iter(cols.values())))

    def __getitem__(self, name: str) -> np.ndarray:
        return self.cols[name][: self.n]


@dataclass
class Crm:
    """Every simulated CRM entity as columns, including events after the cut (writers filter by time)."""

    accounts: dict[str, np.ndarray]
    leads: dict[str, np.ndarray]
    deals: dict[str, np.ndarray]
    events: dict[str, np.ndarray]  # stage changes and late updates; to_stage -1 marks a late amount update
    activities: dict[str, np.ndarray]
    spend: list[DaySpend]
    paid_leads: np.ndarray  # (days, campaigns) leads per campaign-day
    names: list[str] = field(default_factory=list)  # company name per name index


def company_names() -> list[str]:
    """Every company name the generator can use (index = name code)."""
    return [f"{a} {b} {c}" for a in NAME_A for b in NAME_B for c in NAME_C]


def simulate(cfg: Config, org: Org, campaigns: Campaigns, progress: bool = False) -> Crm:
    """Run the CRM from the first day to the last, one seeded stream per day and purpose."""
    names = company_names()
    accounts = _base_accounts(cfg, org, len(names))
    leads, deals, events, acts = Columns(), Columns(), Columns(), Columns()
    spends: list[DaySpend] = []
    paid = np.zeros((cfg.days, len(campaigns)), dtype=np.int64)
    pool_end = np.zeros(cfg.days, dtype=np.int64)  # accounts usable by leads of a day = prefix of this length
    lead_key = deal_key = 0
    for day in tqdm(range(cfg.days), desc="simulate", disable=not progress, unit="day"):
        spend = day_spend(cfg, campaigns, day)
        spends.append(spend)
        back = day - POOL_DELAY_DAYS
        pool = int(pool_end[back]) if back >= 0 else n_base_accounts(cfg)
        n_leads, paid[day] = _day_leads(
            cfg,
            org,
            campaigns,
            spend,
            day,
            pool,
            lead_key,
            deal_key,
            accounts,
            leads,
            deals,
            events,
            acts,
            len(names),
        )
        lead_key += n_leads
        deal_key = deals.n
        pool_end[day] = accounts.n
        _direct_deals(cfg, org, day, pool, deal_key, accounts, deals, events, acts)
        deal_key = deals.n
    add_field_days(cfg, org.home[: org.n_reps], accounts, acts)
    return Crm(
        accounts={k: accounts[k].copy() for k in accounts.cols},
        leads=leads.done(),
        deals=deals.done(),
        events=events.done(),
        activities=acts.done(),
        spend=spends,
        paid_leads=paid,
        names=names,
    )


def n_base_accounts(cfg: Config) -> int:
    return max(6, round(BASE_ACCOUNTS * cfg.scale))


def _base_accounts(cfg: Config, org: Org, n_names: int) -> Growing:
    rng = stream(cfg.seed, "accounts-base")
    n = n_base_accounts(cfg)
    created = -np.sort(rng.integers(30 * DAY, 1_100 * DAY, n))[::-1]
    owner = rng.integers(0, org.n_reps, n)
    return _account_cols(rng, org, created, owner, rng.integers(0, n_names, n))


def _account_cols(rng: np.random.Generator, org: Org, created, owner, name) -> Growing:
    n = len(created)
    region_cities = np.array([[ALL_CITIES.index(c) for c in CITIES[TEAMS[t][2]]] for t in range(len(TEAMS))])
    city = region_cities[org.teams[owner], rng.integers(0, 5, n)]
    latlon = np.array([c[2:4] for c in ALL_CITIES])[city] + rng.normal(0, 0.03, (n, 2))
    return Growing(
        created=np.asarray(created, dtype=np.int64),
        owner=np.asarray(owner, dtype=np.int64),
        name=np.asarray(name, dtype=np.int64),
        city=city.astype(np.int64),
        industry=rng.integers(0, len(INDUSTRIES), n),
        lat=np.round(latlon[:, 0], 6),
        lon=np.round(latlon[:, 1], 6),
    )


def _day_leads(
    cfg, org, campaigns, spend, day, pool, lead_key, deal_key, accounts, leads, deals, events, acts, n_names
):
    """Leads created on `day` with their whole life: qualification, conversion to a deal, disqualification."""
    rng = stream(cfg.seed, "leads", day)
    with np.errstate(divide="ignore", invalid="ignore"):
        paid = rng.poisson(np.where(campaigns.cpl > 0, spend.effective / campaigns.cpl, 0.0))
    factor = float(day_factor(cfg.start, day))
    nonpaid = [rng.poisson(rate * cfg.scale * factor) for rate in NONPAID_LEADS_PER_DAY.values()]
    campaign = np.concatenate([np.repeat(np.arange(len(campaigns)), paid), np.full(sum(nonpaid), -1)])
    paid_channel = np.array([CHANNELS.index(c) for c in campaigns.channel], dtype=np.int64)
    channel = np.concatenate([paid_channel[campaign[: paid.sum()]], np.repeat([2, 3, 4], nonpaid)]).astype(
        np.int64
    )
    n = len(channel)
    created = day * DAY + intraday_seconds(rng, n)
    order = np.lexsort((np.arange(n), created))
    campaign, channel, created = campaign[order], channel[order], created[order]

    rep = rng.choice(org.n_reps, n, p=org.rep_capacity)
    assigned = rng.random(n) < 0.85
    qualified = rng.random(n) < QUALIFY[channel]
    wait = rng.exponential(1.5 * DAY, n) * planted.contact_pace(org, rep)
    t_qual = created + np.clip(wait, HOUR, 7 * DAY).astype(np.int64)
    conv_p = LEAD_TO_DEAL[channel] / QUALIFY[channel] * planted.touch_factor(t_qual - created)
    if day in LOW_CONVERSION_DAYS:
        conv_p = conv_p * LOW_CONVERSION_FACTOR
    converted = qualified & (rng.random(n) < conv_p)
    t_conv = t_qual + np.clip(rng.exponential(3 * DAY, n), 2 * HOUR, 12 * DAY).astype(np.int64)
    dropped = rng.random(n) < 0.8
    t_disq = np.where(
        qualified,
        t_qual + np.clip(rng.exponential(5 * DAY, n), HOUR, 14 * DAY),
        created + np.clip(rng.exponential(3 * DAY, n), HOUR, 10 * DAY),
    ).astype(np.int64)
    disqualified = ~converted & (qualified | dropped)
    new_account = (rng.random(n) < NEW_ACCOUNT_SHARE) | (pool == 0)
    existing = rng.integers(0, max(pool, 1), n)
    fresh_name = rng.integers(0, n_names, n)

    creates = converted & new_account
    account = np.where(new_account, -1, existing)
    if creates.any():
        first_new = accounts.n
        made = _account_cols(rng, org, t_conv[creates] - 120, rep[creates], fresh_name[creates])
        accounts.append(**made.cols)
        account[creates] = first_new + np.arange(int(creates.sum()))
    name = np.where(new_account, fresh_name, accounts["name"][np.maximum(existing, 0)])
    leads.add(
        created=created,
        channel=channel,
        campaign=campaign,
        owner0=np.where(assigned, rep, -1),
        owner=rep,
        qualified=np.where(qualified, t_qual, -1),
        converted=np.where(converted, t_conv, -1),
        disqualified=np.where(disqualified, t_disq, -1),
        account=np.where(converted, account, -1),
        name=name,
    )
    conv_idx = np.flatnonzero(converted)
    simulate_deals(
        rng,
        org,
        deal_key,
        t_conv[conv_idx],
        lead_key + conv_idx,
        account[conv_idx],
        rep[conv_idx],
        channel[conv_idx],
        accounts,
        deals,
        events,
        acts,
    )
    return n, paid


def _direct_deals(cfg, org, day, pool, deal_key, accounts, deals, events, acts):
    """Upsell deals opened on existing accounts without a lead; a tiny share has no owner."""
    rng = stream(cfg.seed, "direct", day)
    n = rng.poisson(DIRECT_DEALS_PER_DAY * cfg.scale * float(day_factor(cfg.start, day)))
    created = np.sort(day * DAY + intraday_seconds(rng, n))
    account = rng.integers(0, max(pool, 1), n)
    owner = np.where(rng.random(n) < 0.01, -1, accounts["owner"][account])
    simulate_deals(
        rng,
        org,
        deal_key,
        created,
        np.full(n, -1),
        account,
        owner,
        np.full(n, 5),
        accounts,
        deals,
        events,
        acts,
    )
