"""The intelligence domain in the project's graph: after the feature marts, before the serving snapshot."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dagster as dg
import pytest


@pytest.fixture(scope="module")
def defs(tmp_path_factory):
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("KPI_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        from dagster_project.definitions import defs as build

        yield build()


def test_scores_follow_their_gated_models_and_feed_the_snapshot(defs):
    graph = defs.resolve_asset_graph()
    for score in ("accounts", "deals", "leads"):
        model = dg.AssetKey(["intelligence", f"{score}_model"])
        mart = dg.AssetKey(["marts", f"score_{score}"])
        assert model in graph.get(mart).parent_keys
        assert dg.AssetKey(["features", f"feat_{score}"]) in graph.get(model).parent_keys
        gate = [k for k in graph.asset_check_keys if k.asset_key == model]
        assert [k.name for k in gate] == ["beats_baseline"] and graph.get_check_spec(gate[0]).blocking
    snapshot = graph.get(dg.AssetKey(["serving", "snapshot"])).parent_keys
    for name in ("score_accounts", "rep_priority_list", "rep_suggestions", "score_status", "rep_analysis"):
        assert dg.AssetKey(["marts", name]) in snapshot


def test_weekly_digests_have_a_job_and_a_schedule(defs):
    assert defs.resolve_job_def("send_weekly_digests") is not None
    assert defs.resolve_schedule_def("weekly_digests").cron_schedule.endswith("* * 1")
