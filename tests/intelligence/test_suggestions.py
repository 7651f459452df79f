"""Suggestions from the rules file: fired by gaps to the median rep, ranked by revenue at stake, stable ids."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dagster_project.defs.intelligence.suggestions import load_rules, suggest


def _analysis() -> pd.DataFrame:
    rows = [
        # rep, metric, step, better, rep value, median, sample, revenue at stake
        ("r1", "days_to_first_touch", "", "lower", 3.2, 0.8, 140, 5_000.0),
        ("r1", "stage_conversion", "pitch", "higher", 0.70, 0.75, 30, 900.0),
        ("r2", "stage_conversion", "pitch", "higher", 0.30, 0.75, 25, 40_000.0),
        ("r2", "days_to_first_touch", "", "lower", 1.5, 0.8, 150, 7_000.0),
        ("r3", "stage_conversion", "pitch", "higher", 0.20, 0.75, 4, 9_000.0),  # too few cases
        ("r4", "activity_share", "visit", "higher", 0.02, 0.15, 80, 12_000.0),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "rep_id",
            "metric",
            "step",
            "better",
            "rep_value",
            "team_median",
            "sample_size",
            "revenue_at_stake_usd",
        ],
    )
    return frame.assign(period_start=date(2026, 6, 1), period_end=date(2026, 12, 1), reps_in_median=10)


@pytest.fixture(scope="module")
def suggestions():
    leads = pd.DataFrame(
        {
            "lead_id": ["L1", "L2", "L3"],
            "rep_id": ["r1", "r1", "r2"],
            "is_touched": [False, True, False],
            "age_days": [3.0, 1.0, 2.0],
        }
    )
    deals = pd.DataFrame(
        {
            "deal_id": ["D1", "D2", "D3", "D4"],
            "rep_id": ["r2", "r2", "r4", "r4"],
            "stage": ["pitch", "pitch", "close", "pitch"],
            "days_in_stage": [40.0, 2.0, 5.0, 3.0],
            "activities_30d": [1, 0, 0, 2],
            "amount_usd": [10.0, 20.0, 30.0, 5.0],
            "channel": ["x"] * 4,
        }
    )
    accounts = pd.DataFrame(
        {"account_id": ["A1", "A2"], "rep_id": ["r1", "r1"], "expected_value": [5.0, 9.0]}
    )
    rules, call_first = load_rules()
    return suggest(_analysis(), leads, deals, accounts, rules, call_first)


def test_a_gap_beyond_the_rules_threshold_is_suggested_with_evidence_and_records(suggestions):
    r1 = suggestions[suggestions["rep_id"] == "r1"].set_index("rule_id")
    slow = r1.loc["slow_first_contact"]
    assert slow["suggestion"] == "new leads wait 3.2 days for a first contact, team 0.8"
    assert slow["records"] == "L1" and slow["material"]
    assert slow["suggestion_id"] == "slow_first_contact:r1"


def test_small_gaps_and_small_samples_suggest_nothing(suggestions):
    fired = set(zip(suggestions["rep_id"], suggestions["rule_id"], strict=True))
    assert ("r1", "weak_stage") not in fired  # 0.70 vs 0.75 is within the ratio
    assert ("r2", "slow_first_contact") not in fired  # 1.5 vs 0.8 is under 2x
    assert not (suggestions["rep_id"] == "r3").any()  # 4 cases are too few


def test_stage_suggestion_names_the_data_stage_and_the_deals_stuck_in_it(suggestions):
    r2 = suggestions[suggestions["rep_id"] == "r2"].iloc[0]
    assert r2["suggestion_id"] == "weak_stage:r2:pitch"
    assert r2["suggestion"] == "30 % of deals in pitch move on, team 75 %"
    assert r2["records"] == "D1"  # in pitch for over twice the median time of deals in pitch


def test_material_suggestions_rank_by_revenue_at_stake_before_where_to_start(suggestions):
    r1 = suggestions[suggestions["rep_id"] == "r1"].sort_values("suggestion_rank")
    assert r1["rule_id"].tolist() == ["slow_first_contact", "call_first"]
    call = r1.iloc[1]
    assert not call["material"] and call["records"] == "A2, A1"
