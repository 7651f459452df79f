"""Deals through their stages (won, lost, reopened, late edits) and the activities around them."""

from __future__ import annotations

import numpy as np

from dagster_project.demo import planted
from dagster_project.demo.model import DAY, HOUR
from dagster_project.demo.org import ALL_CITIES, Org

WIN = np.array([0.30, 0.22, 0.32, 0.42, 0.27, 0.38])  # by channel, the last is upsell deals without a lead
AMOUNT = np.array([1.0, 0.8, 1.0, 1.3, 1.2, 0.7])
LOSS_STAGE_P = (0.25, 0.30, 0.25, 0.20)
PRODUCT_LINES = ("Platform licence", "Analytics add-on", "Onboarding", "Support plan", "Hardware bundle")


def simulate_deals(
    rng, org: Org, first_key, created, lead, account, owner, channel, accounts, deals, events, acts
):
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
    won = rng.random(n) < np.clip(WIN[channel] * skill * planted.win_factor(org, owner), 0.03, 0.85)
    loss_stage = rng.choice(4, n, p=LOSS_STAGE_P)
    won, loss_stage = planted.proposal_losses(org, owner, won, loss_stage, rng.random(n))
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
    activities(rng, keys, created, end_t, owner, account, accounts, acts, org)


def activities(rng, keys, start, end, owner, account, accounts, acts, org=None):
    """Calls, e-mails, meetings and field visits spread over each deal's life; visits carry a location."""
    per_deal = 1 + rng.poisson(3.0, len(keys))
    idx = np.repeat(np.arange(len(keys)), per_deal)
    k = len(idx)
    when = start[idx] + (rng.random(k) * (end[idx] - start[idx])).astype(np.int64)
    kind = rng.choice(4, k, p=(0.40, 0.35, 0.15, 0.10))
    acc = account[idx]
    rep = np.where(owner[idx] >= 0, owner[idx], accounts["owner"][acc])
    if org is not None:
        kind = planted.meeting_kinds(org, rep, kind, rng.random(k))
    duration = np.select(
        [kind == 0, kind == 1, kind == 2],
        [rng.integers(3, 31, k), rng.integers(1, 6, k), rng.integers(30, 91, k)],
        rng.integers(45, 181, k),
    )
    outcome = rng.choice(3, k, p=(0.80, 0.07, 0.13))
    outcome = np.where((outcome == 1) & (kind < 2), 2, outcome)  # only meetings and visits can be no-shows
    jitter = rng.normal(0, 0.004, (k, 2))
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
