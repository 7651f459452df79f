"""The rep's route on the dashboard: a Rep gets only their own route rows; the no-plan state is shown, not hidden."""

from __future__ import annotations

import pytest

from tests.superset.test_security import _rep_username

pytestmark = pytest.mark.e2e


def test_a_rep_sees_only_their_own_route(superset):
    rep = _rep_username(superset)
    admin = superset.client()
    charts = {c["slice_name"]: c["id"] for c in admin.list_all("chart")}
    everyone = admin.chart_data(charts["Next working day's route"])
    assert everyone.status_code == 200, everyone.text
    all_rows = everyone.json()["result"][0]["data"]
    assert len({r["rep_id"] for r in all_rows}) > 1, (
        "the fixture must plan several reps for this to mean anything"
    )
    # the fixture's homes are at (0, 0): every plan says why there is none instead of showing an empty route
    assert all(r["status"].startswith("no plan: the rep's home has coordinates at (0, 0)") for r in all_rows)
    own = superset.client(rep, "superset_rep_password").chart_data(charts["Next working day's route"])
    assert own.status_code == 200, own.text
    assert {r["rep_id"] for r in own.json()["result"][0]["data"]} == {rep}
