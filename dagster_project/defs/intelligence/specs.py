"""What each score predicts: its feature table, item id, features, value, baseline and how reasons are worded."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class ScoreSpec:
    """One learned score: a features table (scoring date × item) with a label, turned into a probability."""

    name: str  # score_<name> is the mart; <name>_model the training asset
    features_table: str  # in the `features` schema (dbt models/features)
    id_column: str
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    baseline: str  # a key of models.BASELINES
    value: str  # how expected value is derived (see scoring.item_values)
    label_meaning: str


ACCOUNTS = ScoreSpec(
    name="accounts",
    features_table="feat_accounts",
    id_column="account_id",
    numeric=(
        "tenure_days",
        "orders_365d",
        "orders_90d",
        "orders_30d",
        "orders_per_30d",
        "revenue_365d_usd",
        "days_since_last_order",
        "avg_days_between_orders",
        "overdue_ratio",
        "days_until_due",
        "activities_30d",
        "activities_90d",
        "days_since_last_activity",
    ),
    categorical=(),
    baseline="rfm_rule",
    value="average_order",
    label_meaning="places an order within the horizon",
)

DEALS = ScoreSpec(
    name="deals",
    features_table="feat_deals",
    id_column="deal_id",
    numeric=(
        "amount_usd",
        "age_days",
        "days_in_stage",
        "stage_changes",
        "days_to_expected_close",
        "activities_30d",
        "activities_total",
        "days_since_last_activity",
        "owner_win_rate",
        "owner_closed_deals",
    ),
    categorical=("stage", "channel"),
    baseline="stage_rate",
    value="amount",
    label_meaning="is won within the horizon",
)

LEADS = ScoreSpec(
    name="leads",
    features_table="feat_leads",
    id_column="lead_id",
    numeric=(
        "age_days",
        "days_to_first_touch",
        "channel_rate",
        "channel_rate_ratio",
        "channel_history_leads",
    ),
    categorical=("channel", "has_campaign", "has_owner", "is_touched"),
    baseline="channel_rate",
    value="channel_deal",
    label_meaning="becomes a deal within the horizon",
)

SPECS = (ACCOUNTS, DEALS, LEADS)


def _days(v: float) -> str:
    return f"{v:.0f} day" + ("" if round(v) == 1 else "s")


def _missing(v) -> bool:
    return v is None or bool(pd.isna(v))


def describe(feature: str, row: dict) -> str:
    """A feature's value for one item in words, e.g. "no order for 41 days, usually orders every 30"."""
    v = row.get(feature)
    if feature in ("days_since_last_order", "avg_days_between_orders", "overdue_ratio", "days_until_due"):
        last, every = row.get("days_since_last_order"), row.get("avg_days_between_orders")
        if _missing(last):
            return "no order in the last year"
        return f"no order for {_days(last)}" + (
            "" if _missing(every) else f", usually orders every {every:.0f}"
        )
    if feature == "days_since_last_activity":
        return "no contact in the last 90 days" if _missing(v) else f"no contact for {_days(v)}"
    if feature in ("activities_30d", "activities_90d", "activities_total"):
        window = {"activities_30d": " in the last 30 days", "activities_90d": " in the last 90 days"}.get(
            feature, ""
        )
        return f"{0 if _missing(v) else v:.0f} contacts{window}"
    if feature in ("orders_365d", "orders_90d", "orders_30d"):
        window = {"orders_365d": "year", "orders_90d": "90 days", "orders_30d": "30 days"}[feature]
        return f"{0 if _missing(v) else v:.0f} orders in the last {window}"
    if feature == "orders_per_30d":
        return f"orders {0 if _missing(v) else v:.1f} times a month"
    if feature == "revenue_365d_usd":
        return f"{0 if _missing(v) else v:,.0f} USD of orders in the last year"
    if feature == "tenure_days":
        return "new customer" if _missing(v) else f"customer for {_days(v)}"
    if feature in ("owner_win_rate", "owner_closed_deals"):
        rate = row.get("owner_win_rate")
        return "owner without history" if _missing(rate) else f"its owner wins {rate:.0%} of closed deals"
    if feature == "channel" and "channel_rate_ratio" not in row:
        return f"from {v}"
    if feature in ("channel", "channel_rate", "channel_rate_ratio", "channel_history_leads"):
        ratio, name = row.get("channel_rate_ratio"), row.get("channel") or "its channel"
        if _missing(ratio):
            return f"from {name}, a channel without conversion history yet"
        return f"from {name}, a channel that converts {ratio:.1f}× the average"
    if feature == "age_days":
        return f"open for {_days(v)}"
    if feature in ("days_to_first_touch", "is_touched"):
        touch = row.get("days_to_first_touch")
        return "not touched yet" if _missing(touch) else f"first touched {touch:.1f} days after it arrived"
    if feature == "stage":
        return f"in stage {v}"
    if feature == "days_in_stage":
        return f"{_days(v)} in stage {row.get('stage')}"
    if feature == "stage_changes":
        return f"{v:.0f} stage changes so far"
    if feature == "days_to_expected_close":
        if _missing(v):
            return "no expected close date"
        return f"expected to close in {_days(v)}" if v >= 0 else f"{_days(-v)} past its expected close date"
    if feature == "amount_usd":
        return "no amount" if _missing(v) else f"worth {v:,.0f} USD"
    if feature == "has_campaign":
        return "came from a paid campaign" if v else "not from a paid campaign"
    if feature == "has_owner":
        return "has an owner" if v else "has no owner yet"
    return f"{feature} = {v}"
