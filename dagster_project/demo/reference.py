"""Reference sheets: daily FX rates, SMART KPI targets, monthly sales cost per team."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from dagster_project.demo.ads import PLATFORM_LEAD_SHARE, Campaigns
from dagster_project.demo.deals import AMOUNT, WIN
from dagster_project.demo.funnel import CHANNELS, LEAD_TO_DEAL, NEW_ACCOUNT_SHARE
from dagster_project.demo.model import (
    DIRECT_DEALS_PER_DAY,
    NONPAID_LEADS_PER_DAY,
    REPEAT_ORDERS_PER_DAY,
    WEB_ORDERS_PER_DAY,
    Config,
    day_factor,
    stream,
)
from dagster_project.demo.orders import CANCEL_P, FULL_REFUND_P, N_DEAL_PRODUCTS, REFUND_P, WEB_NEW_P, catalog
from dagster_project.demo.org import TEAMS, Org

FX_START = {"EUR": 1.08, "RUB": 0.0108}
FX_VOL = {"EUR": 0.003, "RUB": 0.006}
MEAN_AMOUNT = 9_000 * np.exp(0.8**2 / 2)  # mean of the deal-amount lognormal before channel and team factors
CYCLE_DAYS = 28.0
LAG_DAYS = 30


def fx_rates(cfg: Config) -> dict[str, np.ndarray]:
    """Rate to USD per day for EUR and RUB: a gentle random walk with one seeded step per day."""
    steps = np.array([stream(cfg.seed, "fx", d).normal(0.0, 1.0, 2) for d in range(cfg.days)]).reshape(-1, 2)
    out = {}
    for i, cur in enumerate(("EUR", "RUB")):
        walk = FX_START[cur] * np.exp(np.cumsum(steps[:, i] * FX_VOL[cur]))
        out[cur] = np.round(walk, 6 if cur == "EUR" else 8)
    return out


def fx_csv(cfg: Config, rates: dict[str, np.ndarray]) -> str:
    rows = ["date,currency,rate_to_usd"]
    for d in range(cfg.days):
        day = cfg.day(d).isoformat()
        rows += [f"{day},USD,1.0", f"{day},EUR,{rates['EUR'][d]}", f"{day},RUB,{rates['RUB'][d]}"]
    return "\n".join(rows) + "\n"


def _months(first: date, last: date) -> list[date]:
    months, m = [], first.replace(day=1)
    while m <= last:
        months.append(m)
        m = (m.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


def _month_end(m: date) -> date:
    return (m.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


class Expectation:
    """What the simulation is built to produce per day at this scale, from its own parameters."""

    def __init__(self, cfg: Config, org: Org, campaigns: Campaigns) -> None:
        leads = {c: 0.0 for c in CHANNELS[:5]}
        per_platform = np.bincount(campaigns.platform, minlength=3)
        for p, ch in zip(campaigns.platform, campaigns.channel):
            leads[ch] += 72.0 * cfg.scale * PLATFORM_LEAD_SHARE[p] / per_platform[p]
        for ch, rate in NONPAID_LEADS_PER_DAY.items():
            leads[ch] += rate * cfg.scale
        skill = float(org.rep_skill.mean())
        self.leads = sum(leads.values())
        lead_deals = {c: leads[c] * LEAD_TO_DEAL[i] for i, c in enumerate(CHANNELS[:5])}
        direct = DIRECT_DEALS_PER_DAY * cfg.scale
        self.lead_deals = sum(lead_deals.values())
        self.deals = self.lead_deals + direct
        won = {c: lead_deals[c] * WIN[i] * skill for i, c in enumerate(CHANNELS[:5])}
        won_direct = direct * WIN[5] * skill
        self.won = sum(won.values()) + won_direct
        team_factor = 1.4  # half the reps sit in enterprise teams with 1.8× deal sizes
        usd = 1.0 + 0.6 * (FX_START["EUR"] - 1.0)  # about 60 % of deals are in EUR
        amount = sum(won[c] * AMOUNT[i] for i, c in enumerate(CHANNELS[:5])) + won_direct * AMOUNT[5]
        self.revenue = amount * MEAN_AMOUNT * team_factor * usd
        self.new_customers = sum(won.values()) * NEW_ACCOUNT_SHARE
        self.spend = float(campaigns.base_spend.sum())
        self.cycle_days = CYCLE_DAYS * float(org.rep_cycle.mean())


def _ramp(cfg: Config, m: date) -> float:
    """Share of steady-state bookings in a month: deals need about a month to close after the first leads."""
    end = _month_end(m)
    days = np.arange((max(m, cfg.start) - cfg.start).days, (end - cfg.start).days + 1)
    return float(np.mean(np.clip(1.0 - np.exp(-days / 30.0), 0.0, 1.0))) if len(days) else 1.0


def _shop_order_value(cfg: Config) -> float:
    """Expected USD value of a repeat or web-shop order, from the catalogue and the order-line parameters."""
    cat = catalog(cfg)
    mean_price = float((cat.price[N_DEAL_PRODUCTS:] * cat.popularity).sum())
    mean_discount = 0.25 * float(np.mean([0.05, 0.10, 0.15, 0.20]))
    return SHOP_LINES * SHOP_QTY * mean_price * (1.0 - mean_discount)


# what refunds take from an order's value on average: 5 % are refunded, 65 % of them in full, the rest by 35 %
REFUND_LOSS = REFUND_P * (FULL_REFUND_P + (1.0 - FULL_REFUND_P) * 0.35)
SHOP_LINES = 1.0 + 2.3
SHOP_QTY = 1.0 + 1.2


def targets_csv(cfg: Config, org: Org, campaigns: Campaigns) -> str:
    """SMART targets, each naming a KPI of the registry and stated on that KPI's definition (docs/demo-data.md)."""
    exp = Expectation(cfg, org, campaigns)
    horizon = max(cfg.last_day, cfg.start + timedelta(days=364))
    months = _months(cfg.start, horizon)
    reps = np.arange(org.n_reps)
    enterprise = np.where(org.teams[reps] % 2 == 0, 1.8, 1.0)
    # a rep's share of the bookings: capacity and deal size as expected, skill blended towards the average (a
    # plan expects every rep to perform near the team norm, so weak reps miss and strong ones beat it)
    weight = org.rep_capacity * enterprise * (0.75 + 0.25 * org.rep_skill / org.rep_skill.mean())
    weight = weight / weight.sum()
    shop_per_day = (
        (REPEAT_ORDERS_PER_DAY + WEB_ORDERS_PER_DAY) * cfg.scale * (1.0 - CANCEL_P) * _shop_order_value(cfg)
    )
    web_new_per_day = WEB_ORDERS_PER_DAY * cfg.scale * WEB_NEW_P
    rows: list[tuple] = []

    def add(level, owner, metric, grain, start, end, value, direction):
        rows.append((level, owner, metric, grain, start.isoformat(), end.isoformat(), value, direction))

    bookings_by_month: dict[date, np.ndarray] = {}
    net_by_month: dict[date, float] = {}
    for m in months:
        end = _month_end(m)
        offsets = np.arange((m - cfg.start).days, (end - cfg.start).days + 1)
        # bookings follow lead demand about a month later (the sales cycle)
        company = exp.revenue * float(day_factor(cfg.start, offsets - LAG_DAYS).sum()) * _ramp(cfg, m)
        per_rep = np.round(company * weight, -2)
        bookings_by_month[m] = per_rep
        team_at = [org.team_of(r, (m - cfg.start).days) for r in reps]
        for r in reps:
            add("rep", org.user_ids[r], "won_amount_usd", "month", m, end, float(per_rep[r]), "at_least")
        for t, (team_id, _, _) in enumerate(TEAMS):
            team_rev = float(per_rep[[r for r in reps if team_at[r] == t]].sum())
            add("team", team_id, "won_amount_usd", "month", m, end, round(team_rev, 2), "at_least")
        add(
            "company",
            "company",
            "won_amount_usd",
            "month",
            m,
            end,
            round(float(per_rep.sum()), 2),
            "at_least",
        )
        # net revenue: every order placed (won deals' orders, repeat and web-shop orders) less what refunds take
        shop = shop_per_day * float(day_factor(cfg.start, offsets).sum())
        net_by_month[m] = (company + shop) * (1.0 - REFUND_LOSS)
        add("company", "company", "net_revenue_usd", "month", m, end, round(net_by_month[m], -2), "at_least")
        last_year = _months(m.replace(year=m.year - 1), m.replace(year=m.year - 1))[0]
        if last_year in net_by_month:
            growth = net_by_month[m] / net_by_month[last_year] - 1.0
            add(
                "company",
                "company",
                "revenue_growth_yoy",
                "month",
                m,
                end,
                round(growth + 0.02, 3),
                "at_least",
            )
        month_days = len(offsets)
        funnel = [
            ("conversion_lead_to_deal", round(exp.lead_deals / exp.leads * 0.95, 3), "at_least"),
            ("win_rate_by_count", round(exp.won / exp.deals * 0.95, 3), "at_least"),
            ("avg_won_deal_size_usd", round(exp.revenue / exp.won * 0.9, -2), "at_least"),
            ("sales_cycle_median_days", round(exp.cycle_days * 1.1, 1), "at_most"),
        ]
        # a new customer is a new account (created when its first lead converts) or a first-time web-shop buyer
        new_customers = (exp.lead_deals * NEW_ACCOUNT_SHARE + web_new_per_day) * month_days * _ramp(cfg, m)
        for metric, value, direction in funnel:
            add("company", "company", metric, "month", m, end, value, direction)
        add(
            "company",
            "company",
            "new_customers",
            "month",
            m,
            end,
            float(max(1, round(new_customers * 0.95))),
            "at_least",
        )
        # CAC as the KPI defines it for the company: all ad spend plus all sales cost, per new customer
        cost = exp.spend * month_days + _sales_cost(cfg, org, exp, m)
        add(
            "company",
            "company",
            "cac_usd",
            "month",
            m,
            end,
            round(cost / max(new_customers, 1e-9) * 1.1, 2),
            "at_most",
        )
        for t, (team_id, _, _) in enumerate(TEAMS):
            share = float(org.rep_capacity[[r for r in reps if team_at[r] == t]].sum())
            for metric, value, direction in funnel:
                add("team", team_id, metric, "month", m, end, value, direction)
            add(
                "team",
                team_id,
                "new_customers",
                "month",
                m,
                end,
                float(max(1, round(new_customers * share * 0.9))),
                "at_least",
            )
    for q_start in [m for m in months if m.month in (1, 4, 7, 10)]:
        q_months = [
            m
            for m in months
            if m >= q_start and (m.month - q_start.month) in (0, 1, 2) and m.year == q_start.year
        ]
        if len(q_months) < 3:
            continue
        q_end = _month_end(q_months[-1])
        total = sum(bookings_by_month[m] for m in q_months)
        team_at = [org.team_of(r, (q_start - cfg.start).days) for r in reps]
        for t, (team_id, _, _) in enumerate(TEAMS):
            add(
                "team",
                team_id,
                "won_amount_usd",
                "quarter",
                q_start,
                q_end,
                round(float(total[[r for r in reps if team_at[r] == t]].sum()), 2),
                "at_least",
            )
        add(
            "company",
            "company",
            "won_amount_usd",
            "quarter",
            q_start,
            q_end,
            round(float(total.sum()), 2),
            "at_least",
        )
    out = [
        "target_id,owner_level,owner_id,metric,period_grain,period_start,period_end,target_value,direction"
    ]
    out += [f"tgt_{i + 1:06d},{','.join(str(v) for v in row)}" for i, row in enumerate(rows)]
    return "\n".join(out) + "\n"


def _salaries(cfg: Config, org: Org) -> np.ndarray:
    return 6_500 * stream(cfg.seed, "costs").uniform(0.9, 1.2, org.n_reps)


def _team_costs(cfg: Config, org: Org, exp: Expectation, m: date) -> list[float]:
    """Cost of each team in month `m`: salaries of its reps and manager, half its director, 6 % commission on bookings."""
    salary = _salaries(cfg, org)
    share = org.rep_capacity * np.where(org.teams[: org.n_reps] % 2 == 0, 1.8, 1.0) * org.rep_skill
    share = share / share.sum()
    offsets = np.arange((m - cfg.start).days, (_month_end(m) - cfg.start).days + 1)
    bookings = exp.revenue * float(day_factor(cfg.start, offsets - LAG_DAYS).sum()) * _ramp(cfg, m)
    day = (m - cfg.start).days
    costs = []
    for t in range(len(TEAMS)):
        members = [r for r in range(org.n_reps) if org.team_of(r, day) == t]
        costs.append(
            float(salary[members].sum() + 9_500 + 13_000 / 2 + 0.06 * bookings * share[members].sum())
        )
    return costs


def _sales_cost(cfg: Config, org: Org, exp: Expectation, m: date) -> float:
    return sum(_team_costs(cfg, org, exp, m))


def sales_costs_csv(cfg: Config, org: Org, campaigns: Campaigns) -> str:
    """Monthly cost per team: salaries of its reps and manager, half its director, 6 % commission on bookings."""
    exp = Expectation(cfg, org, campaigns)
    rows = ["month,team_id,cost_usd"]
    for m in _months(cfg.start, cfg.last_day):
        for (team_id, _, _), cost in zip(TEAMS, _team_costs(cfg, org, exp, m)):
            rows.append(f"{m.isoformat()},{team_id},{cost:.2f}")
    return "\n".join(rows) + "\n"
