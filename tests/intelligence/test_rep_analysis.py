"""The rep analysis beside the median rep: days per stage and activity volume, recomputed from the staged events."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def warehouse(features_warehouse):
    with duckdb.connect(str(features_warehouse), read_only=True) as con:
        yield {
            "analysis": con.execute("select * from marts.rep_analysis").df(),
            "events": con.execute("select * from staging.stg_crm__deal_stage_events").df(),
            "stages": con.execute("select * from staging.stg_profile__stages").df(),
            "deals": con.execute("select deal_id, rep_id from marts.fct_deals").df(),
            "activities": con.execute("select rep_id, occurred_at from staging.stg_crm__activities").df(),
        }


def _window(analysis: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp, int]:
    start, end = pd.Timestamp(analysis["period_start"].iloc[0]), pd.Timestamp(analysis["period_end"].iloc[0])
    return start, end, (end - start).days


def test_days_in_each_stage_are_the_median_time_before_the_deal_moved(warehouse):
    analysis, events = warehouse["analysis"], warehouse["events"]
    start, end, _ = _window(analysis)
    outcome = warehouse["stages"].set_index("stage")["outcome"]
    events = events.sort_values(["deal_id", "changed_at", "stage_event_id"]).copy()
    events["next_at"] = events.groupby("deal_id")["changed_at"].shift(-1)
    moved = events[
        events["to_stage"].map(outcome).fillna("open").eq("open")
        & events["next_at"].notna()
        & (events["changed_at"] >= start)
        & (events["changed_at"] < end)
    ].merge(warehouse["deals"], on="deal_id")
    moved = moved[moved["rep_id"] != "unassigned"]
    # hour boundaries crossed, as dbt's datediff counts them
    moved["days"] = (
        moved["next_at"].dt.floor("h") - moved["changed_at"].dt.floor("h")
    ).dt.total_seconds() / 86400
    expected = moved.groupby(["rep_id", "to_stage"])["days"].median()
    got = analysis[analysis["metric"] == "days_in_stage"].set_index(["rep_id", "step"])["rep_value"]
    assert len(expected) > 3
    pd.testing.assert_series_equal(
        got.sort_index(), expected.rename_axis(["rep_id", "step"]).sort_index(), check_names=False
    )
    rows = analysis[analysis["metric"] == "days_in_stage"]
    assert (rows["better"] == "lower").all() and rows["team_median"].notna().any()


def test_activity_volume_is_activities_a_week_over_the_window_beside_the_median(warehouse):
    analysis, activities = warehouse["analysis"], warehouse["activities"]
    start, end, days = _window(analysis)
    inside = activities[
        (activities["occurred_at"] >= start)
        & (activities["occurred_at"] < end)
        & activities["rep_id"].notna()
    ]
    counts = inside.groupby("rep_id").size()
    expected = counts * 7.0 / days
    rows = analysis[analysis["metric"] == "activities_per_week"].set_index("rep_id")
    assert len(expected) > 2
    pd.testing.assert_series_equal(
        rows["rep_value"].sort_index(), expected.sort_index(), check_names=False, check_index_type=False
    )
    # the median rep among those with enough activities to count (analysis_min_sample)
    assert rows["team_median"].iloc[0] == pytest.approx(expected[counts >= 5].median())
