"""The intelligence assets in Dagster: the gate blocks a worse model and keeps the previous scores; no data, no scores."""

from __future__ import annotations

import dagster as dg
import duckdb
import pandas as pd
import pytest

from dagster_project.defs.intelligence.assets import (
    build_model_asset,
    build_priority_assets,
    build_score_asset,
    model_key,
)
from dagster_project.defs.intelligence.specs import SPECS
from dagster_project.warehouse import WarehouseResource
from tests.intelligence.synthetic import lead_rows


def _write_features(path, leads: pd.DataFrame) -> None:
    """Lead features as given; accounts and deals without any row (a CRM with no history for them)."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists features")
        con.execute("create or replace table features.feat_leads as select * from leads")
        for table, cols in (
            ("feat_accounts", "account_id varchar, rep_id varchar"),
            ("feat_deals", "deal_id varchar, rep_id varchar, stage varchar"),
        ):
            con.execute(
                f"create or replace table features.{table} ({cols}, scoring_date date, is_current boolean, "
                "label_complete boolean, label boolean, horizon_days integer)"
            )


def _materialize(path, models_dir):
    assets = [build_model_asset(s, models_dir) for s in SPECS] + [build_score_asset(s) for s in SPECS]
    assets.append(build_priority_assets())
    return dg.materialize(
        assets, resources={"warehouse": WarehouseResource(path=str(path))}, raise_on_error=False
    )


def _table(path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).df()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Three daily runs: a model with signal, then one that cannot beat its baseline, then a single-class history."""
    root = tmp_path_factory.mktemp("intel")
    path, models = root / "warehouse.duckdb", root / "models"
    out = {}
    _write_features(path, lead_rows())
    out["good"] = (
        _materialize(path, models),
        _table(path, "select * from marts.score_leads"),
        _table(path, "select * from marts.score_status order by score"),
    )
    _write_features(path, lead_rows(seed=2, baseline_is_truth=True))
    out["worse"] = (_materialize(path, models), _table(path, "select * from marts.score_leads"), None)
    _write_features(path, lead_rows(seed=3).assign(label=False))
    out["one_class"] = (
        _materialize(path, models),
        _table(path, "select * from marts.score_leads"),
        _table(path, "select * from marts.score_status order by score"),
    )
    out["registry"] = _table(
        path, "select score, version, state from intelligence.models order by trained_at"
    )
    out["models_dir"] = models
    return out


def test_an_approved_model_scores_the_current_leads_and_the_card_is_saved_beside_it(runs):
    result, scores, status = runs["good"]
    assert result.success
    assert len(scores) == 120 and scores["p_deal"].between(0, 1).all()
    version = scores["model_version"].iloc[0]
    assert (runs["models_dir"] / "leads" / version / "card.json").exists()
    leads = status.set_index("score").loc["leads"]
    assert leads["state"] == "scored" and leads["published_model"] == version


def test_accounts_and_deals_without_history_say_so_and_have_no_scores(runs):
    _, _, status = runs["good"]
    for score in ("accounts", "deals"):
        row = status.set_index("score").loc[score]
        assert row["state"] == "not_enough_data"
        assert "labelled rows" in row["last_training_reason"]
        assert row["scored_items"] == 0
        # what the dashboards show instead of an empty priority list
        assert row["status_message"].startswith(f"Not enough data to train the {score} model yet (")
        assert row["last_training_reason"] in row["status_message"]
    leads = status.set_index("score").loc["leads"]
    assert leads["status_message"] == f"120 open leads scored by model {leads['published_model']}"


def test_a_model_that_does_not_beat_its_baseline_is_blocked_and_the_previous_scores_stay(runs):
    result, scores, _ = runs["worse"]
    assert not result.success
    check = [e for e in result.get_asset_check_evaluations() if e.asset_key == model_key(SPECS[2])]
    assert len(check) == 1 and not check[0].passed
    pd.testing.assert_frame_equal(scores, runs["good"][1])
    assert runs["registry"]["state"].tolist()[:2] == ["approved", "rejected"]


def test_a_single_class_history_trains_nothing_and_the_published_model_keeps_scoring(runs):
    result, scores, status = runs["one_class"]
    assert result.success
    leads = status.set_index("score").loc["leads"]
    assert leads["last_training_state"] == "not_enough_data"
    assert leads["published_model"] == runs["good"][1]["model_version"].iloc[0]
    assert (scores["model_version"] == leads["published_model"]).all()
