"""Training, the backtest against the named baseline, calibration, the gate and reasons in words."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from dagster_project.defs.intelligence.models import NotEnoughData, beats_baseline, train
from dagster_project.defs.intelligence.scoring import score
from dagster_project.defs.intelligence.specs import LEADS
from tests.intelligence.synthetic import lead_rows


@pytest.fixture(scope="module")
def model():
    return train(LEADS, lead_rows())


def test_a_model_with_signal_the_baseline_lacks_beats_it_in_every_window(model):
    windows = model.card["backtest"]
    assert len(windows) >= 3
    for w in windows:
        assert w["model"]["roc_auc"] > w["baseline"]["roc_auc"] + 0.1
        assert w["model"]["top_decile_lift"] > 1.5
    assert model.card["beats_baseline"] is True


def test_backtest_trains_only_on_dates_whose_outcome_was_known_before_the_test_window(model):
    for w in model.card["backtest"]:
        assert datetime.fromisoformat(w["train_until"]) <= datetime.fromisoformat(w["test_from"])
        gap = datetime.fromisoformat(w["test_from"]) - datetime.fromisoformat(w["train_until"])
        assert gap.days >= 30


def test_probabilities_are_calibrated(model):
    table = model.card["backtest"][-1]["reliability"]
    rows = sum(b["rows"] for b in table)
    weighted_gap = sum(b["rows"] * abs(b["predicted"] - b["observed"]) for b in table) / rows
    assert weighted_gap < 0.06


def test_a_model_that_cannot_beat_its_baseline_is_not_approved():
    card = train(LEADS, lead_rows(baseline_is_truth=True)).card
    assert card["beats_baseline"] is False
    assert not beats_baseline(card["backtest"][-1])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.assign(label=False), "positive"),
        (
            lambda r: r[r["scoring_date"] >= r["scoring_date"].max() - np.timedelta64(35, "D")],
            "labelled rows",
        ),
    ],
)
def test_one_class_or_too_little_history_is_not_enough_data(change, message):
    with pytest.raises(NotEnoughData, match=message):
        train(LEADS, change(lead_rows()))


def test_scores_carry_value_reasons_and_the_model_version(model):
    rows = lead_rows()
    current = rows[rows["is_current"]].reset_index(drop=True)
    scored = score(model, current, datetime(2025, 8, 1))
    assert len(scored) == len(current)
    assert scored["probability"].between(0, 1).all()
    assert np.allclose(scored["expected_value"], scored["probability"] * scored["value_usd"])
    assert (scored["model_version"] == model.card["version"]).all()
    fastest = scored.loc[current["days_to_first_touch"].idxmin()]
    assert "first touched" in fastest["reason_1"] and fastest["reason_1"].startswith("↑")
    # the touch speed drives the outcome: a fast touch scores higher than a slow one
    slow = current["days_to_first_touch"] > 4
    fast = current["days_to_first_touch"] < 0.3
    assert scored.loc[fast, "probability"].mean() > 2 * scored.loc[slow, "probability"].mean()
