"""Scoring the current items with a trained model: probability, value, expected value and three reasons in words."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from dagster_project.defs.intelligence.models import Model
from dagster_project.defs.intelligence.specs import ScoreSpec, describe

# features that state the same fact are worded once: the first of a group to rank names it
SAME_FACT = {
    "days_since_last_order": "order_recency",
    "avg_days_between_orders": "order_recency",
    "overdue_ratio": "order_recency",
    "days_until_due": "order_recency",
    "channel": "channel",
    "channel_rate": "channel",
    "channel_rate_ratio": "channel",
    "channel_history_leads": "channel",
    "days_to_first_touch": "touch",
    "is_touched": "touch",
}


def item_values(spec: ScoreSpec, rows: pd.DataFrame) -> pd.Series:
    """What an item is worth if the outcome happens, in the reporting currency."""
    if spec.value == "amount":
        return rows["amount_usd"].astype(float)
    if spec.value == "channel_deal":
        return rows["channel_avg_deal_usd"].astype(float)
    if spec.value == "average_order":
        per_order = rows["revenue_365d_usd"].astype(float) / rows["orders_365d"].replace(0, np.nan).astype(
            float
        )
        typical = per_order.median()
        return per_order.fillna(0.0 if pd.isna(typical) else typical)
    raise ValueError(f"unknown value rule {spec.value}")


def reasons(
    spec: ScoreSpec, rows: pd.DataFrame, contributions: pd.DataFrame, top: int = 3
) -> list[list[str]]:
    """The features that moved each item's score most, in words, marked ↑ (raises) or ↓ (lowers)."""
    out = []
    records = rows.to_dict("records")
    values = contributions.to_numpy()
    names = list(contributions.columns)
    for record, contrib in zip(records, values, strict=True):
        said, texts = set(), []
        for j in np.argsort(-np.abs(contrib), kind="stable"):
            fact = SAME_FACT.get(names[j], names[j])
            if fact in said or contrib[j] == 0:
                continue
            said.add(fact)
            texts.append(f"{'↑' if contrib[j] > 0 else '↓'} {describe(names[j], record)}")
            if len(texts) == top:
                break
        out.append(texts + [None] * (top - len(texts)))
    return out


def score(model: Model, rows: pd.DataFrame, scored_at: datetime) -> pd.DataFrame:
    """One row per current item: probability, value, expected value, reasons and the model that made them."""
    spec = model.spec
    p = model.predict(rows)
    value = item_values(spec, rows).fillna(0.0)
    why = reasons(spec, rows, model.contributions(rows))
    frame = pd.DataFrame(
        {
            spec.id_column: rows[spec.id_column].astype(str).to_numpy(),
            "rep_id": rows["rep_id"].astype(str).to_numpy(),
            "scoring_date": pd.to_datetime(rows["scoring_date"]).dt.date.to_numpy(),
            "probability": p,
            "value_usd": value.to_numpy(),
            "expected_value": p * value.to_numpy(),
            "reason_1": [r[0] for r in why],
            "reason_2": [r[1] for r in why],
            "reason_3": [r[2] for r in why],
            "model_version": model.card["version"],
            "scored_at": scored_at,
        }
    )
    return frame
