"""Signal the demo plants for the sales-intelligence scores to find, and the true propensity it implies.

Account customers reorder in their own rhythm: a base rate, for most of them a regular cycle, and for some a
lapse after which they stop ordering. Leads touched sooner convert more often. Everything here depends only on the
seed, the customer id and the day, so a day appended later draws exactly what a full run draws.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from dagster_project.demo.model import REPEAT_ORDERS_PER_DAY, Config, day_factor, stream

BLOCK = 4_096  # customer ids per random block: parameters never depend on how many customers exist
CYCLIC_SHARE = 0.6  # customers ordering in a regular cycle
CYCLE_DAYS = (14.0, 60.0)
LAPSE_SHARE = 0.3  # customers who stop ordering on a day of their own
LAPSE_DAYS = (30.0, 1_000.0)
LAPSED_WEIGHT = 0.03
TOUCH_HALF_DAYS = 1.4  # a lead's chance to convert halves for every this many days before its first touch


@lru_cache(maxsize=256)
def _block(seed: int, block: int) -> np.ndarray:
    """Rate, cycle period (0 = no cycle), phase and lapse day (inf = never) of the ids of one block."""
    rng = stream(seed, "planted-rhythm", block)
    rate = rng.lognormal(0.0, 0.7, BLOCK)
    cyclic = rng.random(BLOCK) < CYCLIC_SHARE
    period = np.where(cyclic, rng.uniform(*CYCLE_DAYS, BLOCK), 0.0)
    phase = rng.uniform(0.0, 1.0, BLOCK) * np.maximum(period, 1.0)
    lapse = np.where(rng.random(BLOCK) < LAPSE_SHARE, rng.uniform(*LAPSE_DAYS, BLOCK), np.inf)
    return np.stack([rate, period, phase, lapse])


def rhythm(seed: int, ids: np.ndarray) -> np.ndarray:
    """(4, n) array: rate, period, phase and lapse day of each customer id."""
    ids = np.asarray(ids, dtype=np.int64)
    out = np.empty((4, len(ids)))
    for block in np.unique(ids // BLOCK):
        here = ids // BLOCK == block
        out[:, here] = _block(seed, int(block))[:, ids[here] % BLOCK]
    return out


def weights(seed: int, ids: np.ndarray, day: int | np.ndarray) -> np.ndarray:
    """How strongly each customer pulls the repeat orders of a day (relative; 0 < weight)."""
    rate, period, phase, lapse = rhythm(seed, ids)
    day = np.asarray(day, dtype=float)
    cyclic = period > 0
    into = np.mod(day - phase, np.where(cyclic, period, 1.0))
    distance = np.minimum(into, np.where(cyclic, period, 1.0) - into)
    cycle = np.where(cyclic, 0.05 + 3.0 * np.exp(-0.5 * (distance / 2.0) ** 2), 1.0)
    return rate * cycle * np.where(day >= lapse, LAPSED_WEIGHT, 1.0)


def repeat_customers(seed: int, rng: np.random.Generator, pool: np.ndarray, day: int, n: int) -> np.ndarray:
    """Draw the customers of a day's `n` repeat orders from `pool`, each in proportion to its weight."""
    if n == 0 or len(pool) == 0:
        return np.zeros(n, dtype=np.int64)
    w = weights(seed, pool, day)
    return pool[rng.choice(len(pool), n, p=w / w.sum())]


def order_propensity(
    cfg: Config, pool_ids: np.ndarray, pool_days: np.ndarray, first_day: int, horizon: int
) -> np.ndarray:
    """The true P(at least one repeat order in [first_day, first_day + horizon)) of each customer in `pool_ids`.

    A customer enters the pool on its day (`pool_days`, sorted like the ids); orders of won deals are not counted.
    """
    expected = np.zeros(len(pool_ids))
    for day in range(first_day, first_day + horizon):
        present = pool_days < day
        if not present.any():
            continue
        w = weights(cfg.seed, pool_ids, day) * present
        n = REPEAT_ORDERS_PER_DAY * cfg.scale * float(day_factor(cfg.start, day))
        expected += n * w / w.sum()
    return 1.0 - np.exp(-expected)


def touch_factor(delay_seconds: np.ndarray) -> np.ndarray:
    """Multiplier of a lead's conversion chance by how long its first touch took (averages about 1)."""
    days = np.asarray(delay_seconds, dtype=float) / 86_400.0
    return 0.25 + 1.3 * np.exp2(-days / TOUCH_HALF_DAYS)


# --- reps with a known weakness, for the per-rep analysis to name -----------------------------------------------

WEAKNESSES = ("slow_first_contact", "weak_at_proposal", "few_meetings")
SLOW_CONTACT_PACE = 4.0  # their leads wait this many times longer for a first touch
PROPOSAL_EXTRA_LOSS = 0.6  # share of their deals that would pass proposal lost there instead
FEW_MEETINGS_KEPT = 0.15  # share of their meetings that still happen (the rest become calls)
FEW_MEETINGS_WIN = 0.7  # and their win chance shrinks by this factor


def rep_weaknesses(org) -> list[str | None]:
    """The planted weakness of each rep (None for most); the organisation's weak-skill reps get none of these."""
    weak = set(np.asarray(org.weak_reps).tolist())
    out: list[str | None] = []
    for rep in range(org.n_reps):
        k = rep % 6
        out.append(WEAKNESSES[k - 1] if 1 <= k <= len(WEAKNESSES) and rep not in weak else None)
    return out


def _has(org, reps: np.ndarray, weakness: str) -> np.ndarray:
    flags = np.array([w == weakness for w in rep_weaknesses(org)] + [False])
    reps = np.asarray(reps, dtype=np.int64)
    return flags[np.where(reps >= 0, reps, len(flags) - 1)]


def contact_pace(org, reps: np.ndarray) -> np.ndarray:
    """Multiplier of the wait for a lead's first touch, by its rep."""
    return np.where(_has(org, reps, "slow_first_contact"), SLOW_CONTACT_PACE, 1.0)


def win_factor(org, owners: np.ndarray) -> np.ndarray:
    """Multiplier of a deal's win chance, by its owner."""
    return np.where(_has(org, owners, "few_meetings"), FEW_MEETINGS_WIN, 1.0)


def proposal_losses(org, owners: np.ndarray, won: np.ndarray, loss_stage: np.ndarray, u: np.ndarray):
    """Lose part of a weak-at-proposal owner's deals that would have passed proposal (stage index 2) right there;
    the ones that pass go on as anyone's would."""
    passing = won | (loss_stage > 2)
    lost = _has(org, owners, "weak_at_proposal") & passing & (u < PROPOSAL_EXTRA_LOSS)
    return won & ~lost, np.where(lost, 2, loss_stage)


def meeting_kinds(org, reps: np.ndarray, kind: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Activity kinds of a rep who rarely meets: most meetings (kind 2) become calls (kind 0)."""
    return np.where(_has(org, reps, "few_meetings") & (kind == 2) & (u >= FEW_MEETINGS_KEPT), 0, kind)
