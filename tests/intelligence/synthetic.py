"""Synthetic lead feature rows with a known rule, for the training, gate and scoring tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def lead_rows(
    seed: int = 1, dates: int = 30, per_date: int = 120, baseline_is_truth: bool = False
) -> pd.DataFrame:
    """Weekly scoring dates of open leads; the newest date is the current one (no label yet).

    By default the outcome depends on how fast a lead was touched, which the channel-rate baseline cannot see;
    with `baseline_is_truth` the outcome is the channel rate itself, which no model can beat.
    """
    rng = np.random.default_rng(seed)
    n = dates * per_date
    day = pd.Timestamp("2025-01-06") + pd.to_timedelta(np.repeat(np.arange(dates) * 7, per_date), unit="D")
    channel = rng.choice(["a", "b", "c"], n)
    channel_rate = pd.Series(channel).map({"a": 0.1, "b": 0.3, "c": 0.5}).to_numpy()
    touch = rng.exponential(2.0, n)
    if baseline_is_truth:
        label = channel_rate > 0.2
    else:
        label = rng.random(n) < np.clip(0.05 + 0.6 * np.exp(-touch), 0, 1)
    current = day == day.max()
    return pd.DataFrame(
        {
            "scoring_date": day,
            "lead_id": [f"L{i:05d}" for i in range(n)],
            "rep_id": rng.choice(["rep_x", "rep_y"], n),
            "is_current": current,
            "channel": channel,
            "has_campaign": rng.random(n) < 0.5,
            "has_owner": True,
            "is_touched": True,
            "age_days": rng.uniform(0, 30, n),
            "days_to_first_touch": touch,
            "channel_history_leads": 100,
            "channel_rate": channel_rate,
            "channel_rate_ratio": channel_rate / 0.3,
            "channel_avg_deal_usd": 1000.0,
            "horizon_days": 30,
            "label_complete": ~current & (day <= day.max() - pd.Timedelta(days=30)),
            "label": label & ~current,
            "label_value_usd": 0.0,
        }
    )
