"""The CRM simulation: leads from channels and campaigns, accounts, deals through their stages, activities."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dagster_project.demo.ads import Campaigns, DaySpend, day_spend
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
from dagster_project.demo.org import CITIES, TEAMS, Org

CHANNELS = ("paid_search", "paid_social", "organic", "referral", "events", "existing")
QUALIFY = np.array([0.55, 0.45, 0.60, 0.75, 0.50, 1.0])
LEAD_TO_DEAL = np.array([0.22, 0.13, 0.24, 0.38, 0.17, 1.0])
WIN = np.array([0.30, 0.22, 0.32, 0.42, 0.27, 0.38])
AMOUNT = np.array([1.0, 0.8, 1.0, 1.3, 1.2, 0.7])
LOSS_STAGE_P = (0.25, 0.30, 0.25, 0.20)
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
PRODUCT_LINES = ("Platform licence", "Analytics add-on", "Onboarding", "Support plan", "Hardware bundle")
ALL_CITIES = [c for region in ("North", "Central", "South") for c in CITIES[region]]


class Columns:
    """Column arrays built chunk by chunk (a day at a time) and concatenated once."""

    def __init__(self) -> None:
        self.chunks: dict[str, list[np.ndarray]] = {}

    def add(self, **cols: np.ndarray) -> None:
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


def simulate(cfg: Config, org: Org, campaigns: Campaigns) -> Crm:
    """Run the CRM from the first day to the last, one seeded stream per day and purpose."""
    names = company_names()
    accounts = _base_accounts(cfg, org, len(names))
    leads, deals, events, acts = Columns(), Columns(), Columns(), Columns()
    spends: list[DaySpend] = []
    paid = np.zeros((cfg.days, len(campaigns)), dtype=np.int64)
    pool_end = np.zeros(cfg.days, dtype=np.int64)  # accounts usable by leads of a day = prefix of this length
    lead_key = deal_key = 0
    for day in range(cfg.days):
        spend = day_spend(cfg, campaigns, day)
        spends.append(spend)
        back = day - POOL_DELAY_DAYS
        pool = int(pool_end[back]) if back >= 0 else _n_base(cfg)
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
        deal_key = _n(deals)
        pool_end[day] = accounts.n
        _direct_deals(cfg, org, day, pool, deal_key, accounts, deals, events, acts)
        deal_key = _n(deals)
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


def _n(cols: Columns) -> int:
    parts = cols.chunks.get("created", [])
    return int(sum(len(p) for p in parts))


def _n_base(cfg: Config) -> int:
    return max(6, round(BASE_ACCOUNTS * cfg.scale))


def _base_accounts(cfg: Config, org: Org, n_names: int) -> Growing:
    rng = stream(cfg.seed, "accounts-base")
    n = _n_base(cfg)
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
    t_qual = created + np.clip(rng.exponential(1.5 * DAY, n), HOUR, 7 * DAY).astype(np.int64)
    conv_p = LEAD_TO_DEAL[channel] / QUALIFY[channel]
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
    _deals(
        rng,
        cfg,
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
    _deals(
        rng,
        cfg,
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


def _deals(rng, cfg, org, first_key, created, lead, account, owner, channel, accounts, deals, events, acts):
    """Deals with their whole path: stage gaps by rep pace, win by channel and rep skill, reopen, late edits."""
    n = len(created)
    has_owner = owner >= 0
    o = np.maximum(owner, 0)
    skill = np.where(has_owner, org.rep_skill[o], 1.0)
    pace = np.where(has_owner, org.rep_cycle[o], 1.0)
    enterprise = np.where(has_owner, org.teams[o] % 2 == 0, False)
    amount = rng.lognormal(np.log(9_000), 0.8, n) * AMOUNT[channel] * np.where(enterprise, 1.8, 1.0)
    amount = np.maximum(500.0, np.round(amount, -2))
    gaps = np.clip(rng.exponential(7 * DAY, (n, 4)) * pace[:, None], 2 * HOUR, 45 * DAY).astype(np.int64)
    t = created[:, None] + np.cumsum(
        gaps, axis=1
    )  # would-be times of qualified, proposal, negotiation, close
    won = rng.random(n) < np.clip(WIN[channel] * skill, 0.03, 0.85)
    loss_stage = rng.choice(4, n, p=LOSS_STAGE_P)
    reopen = ~won & (rng.random(n) < 0.06)
    t_reopen_gap = np.clip(rng.exponential(10 * DAY, n), DAY, 40 * DAY).astype(np.int64)
    won_again = rng.random(n) < 0.5
    t_final_gap = np.clip(rng.exponential(7 * DAY, n), DAY, 30 * DAY).astype(np.int64)
    late = rng.random(n) < 0.05
    late_gap = rng.integers(2 * DAY, 10 * DAY, n)
    late_amount = np.maximum(500.0, np.round(amount * rng.uniform(0.9, 1.1, n), -2))
    expected = created + (28 * DAY * pace * rng.lognormal(0, 0.3, n)).astype(np.int64)
    product = rng.integers(0, len(PRODUCT_LINES), n)

    keys = first_key + np.arange(n)
    ev_key, ev_t, ev_from, ev_to = [keys], [created], [np.full(n, -1)], [np.zeros(n, dtype=np.int64)]
    close_stage = np.where(won, 3, loss_stage)
    close_t = t[np.arange(n), close_stage]
    for j in range(3):  # moves new→qualified→proposal→negotiation that happen before the close
        m = close_stage > j
        ev_key.append(keys[m]), ev_t.append(t[m, j]), ev_from.append(np.full(m.sum(), j))
        ev_to.append(np.full(m.sum(), j + 1))
    ev_key.append(keys), ev_t.append(close_t), ev_from.append(close_stage), ev_to.append(np.where(won, 4, 5))
    t_reopen = close_t + t_reopen_gap
    t_final = t_reopen + t_final_gap
    ev_key.append(keys[reopen]), ev_t.append(t_reopen[reopen]), ev_from.append(np.full(reopen.sum(), 5))
    ev_to.append(np.full(reopen.sum(), 3))
    ev_key.append(keys[reopen]), ev_t.append(t_final[reopen]), ev_from.append(np.full(reopen.sum(), 3))
    ev_to.append(np.where(won_again[reopen], 4, 5))
    final_won = won | (reopen & won_again)
    won_t = np.where(won, close_t, np.where(reopen & won_again, t_final, -1))
    end_t = np.where(reopen, t_final, close_t)
    late &= final_won
    (
        ev_key.append(keys[late]),
        ev_t.append(won_t[late] + late_gap[late]),
        ev_from.append(np.full(late.sum(), 4)),
    )
    ev_to.append(np.full(late.sum(), -1))
    ev_key, ev_t = np.concatenate(ev_key), np.concatenate(ev_t)
    ev_from, ev_to = np.concatenate(ev_from), np.concatenate(ev_to)
    m = len(ev_key)
    lag = np.where((rng.random(m) < 0.03) & (ev_from >= 0), rng.integers(1, 4, m), 0)
    events.add(deal=ev_key, time=ev_t, from_stage=ev_from, to_stage=ev_to, lag=lag)
    deals.add(
        created=created,
        lead=lead,
        account=account,
        owner=owner,
        amount=amount,
        late_amount=late_amount,
        currency=np.array([c[4] == "EUR" for c in ALL_CITIES])[accounts["city"][account]].astype(np.int8),
        expected=expected,
        product=product,
        won_at=won_t,
        channel=channel,
    )
    _activities(rng, keys, created, end_t, owner, account, accounts, acts)


def _activities(rng, keys, start, end, owner, account, accounts, acts):
    """Calls, e-mails, meetings and field visits spread over each deal's life; visits carry a location."""
    per_deal = 1 + rng.poisson(3.0, len(keys))
    idx = np.repeat(np.arange(len(keys)), per_deal)
    k = len(idx)
    when = start[idx] + (rng.random(k) * (end[idx] - start[idx])).astype(np.int64)
    kind = rng.choice(4, k, p=(0.40, 0.35, 0.15, 0.10))
    duration = np.select(
        [kind == 0, kind == 1, kind == 2],
        [rng.integers(3, 31, k), rng.integers(1, 6, k), rng.integers(30, 91, k)],
        rng.integers(45, 181, k),
    )
    outcome = rng.choice(3, k, p=(0.80, 0.07, 0.13))
    outcome = np.where((outcome == 1) & (kind < 2), 2, outcome)  # only meetings and visits can be no-shows
    acc = account[idx]
    jitter = rng.normal(0, 0.004, (k, 2))
    rep = np.where(owner[idx] >= 0, owner[idx], accounts["owner"][acc])
    with_deal = rng.random(k) < 0.9
    acts.add(
        time=when,
        kind=kind,
        rep=rep,
        account=acc,
        deal=np.where(with_deal, keys[idx], -1),
        duration=duration,
        outcome=outcome,
        lat=np.round(accounts["lat"][acc] + jitter[:, 0], 6),
        lon=np.round(accounts["lon"][acc] + jitter[:, 1], 6),
    )
