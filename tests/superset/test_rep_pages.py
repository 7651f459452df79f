"""The rep's own page and the manager's team view: each user sees only the rows the user directory gives them.

A rep's priority list and suggestions hold only their own rows (another rep's item and suggestion ids are absent
from the response); a manager's hold exactly their team's (from marts.rep_visibility, the manager chain); a score
that could not be trained is said in words on the page. Through the chart-data API (what the dashboard and
reports fetch) and in headless Chromium, whose screenshots land in tests/artifacts/superset/<backend>/pages/.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.superset.conftest import ARTIFACTS, SUPERSET_DIR
from tests.superset.serving_fixture import LINE_MANAGER, LINE_MANAGER_TEAM
from tests.superset.test_security import _rep_username, _username_of_role

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("superset", ["sqlite"], indirect=True)]

PRIORITIES = "Priority list: who to work on first"
SUGGESTIONS = "Suggestions with evidence"
TOP_SUGGESTIONS = "Each rep's top suggestion"
KPIS = "KPIs this month: target and team median"
ID_COLUMN = {PRIORITIES: "item_id", SUGGESTIONS: "suggestion_id", TOP_SUGGESTIONS: "suggestion_id"}


def _rows(client, chart_id: int) -> list[dict]:
    response = client.chart_data(chart_id)
    assert response.status_code == 200, response.text
    return [row for result in response.json()["result"] for row in result["data"]]


@pytest.fixture(scope="module")
def pages(superset):
    admin = superset.client()
    charts = {c["slice_name"]: c["id"] for c in admin.list_all("chart")}
    everyone = {
        title: _rows(admin, charts[title]) for title in (PRIORITIES, SUGGESTIONS, TOP_SUGGESTIONS, KPIS)
    }
    return superset, charts, everyone


def _reps(rows: list[dict]) -> set[str]:
    return {row["rep_id"] for row in rows}


def test_a_rep_sees_only_their_own_priorities_and_suggestions(pages):
    superset, charts, everyone = pages
    rep = _rep_username(superset)
    client = superset.client(rep, "superset_rep_password")
    for title, id_column in ID_COLUMN.items():
        others = {row[id_column] for row in everyone[title] if row["rep_id"] != rep}
        assert others, f"{title}: the fixture must give other reps rows for this to mean anything"
        response = client.chart_data(charts[title])
        assert response.status_code == 200, response.text
        mine = [row for result in response.json()["result"] for row in result["data"]]
        assert mine, f"{title}: the rep has rows in the fixture"
        assert _reps(mine) == {rep}, title
        # exactly the rep's rows, and no one else's id anywhere in the answer
        assert sorted(r[id_column] for r in mine) == sorted(
            r[id_column] for r in everyone[title] if r["rep_id"] == rep
        )
        assert not [i for i in others if i in response.text], title
    kpis = _rows(client, charts[KPIS])
    assert kpis and _reps(kpis) == {rep}
    # the team median is computed over the whole team before row-level security: the rep sees it, not the others
    assert any(r["team_reps"] > 1 for r in kpis)


def test_a_manager_sees_exactly_their_team(pages):
    superset, charts, everyone = pages
    manager = _username_of_role(superset, "Manager")
    assert manager == LINE_MANAGER
    client = superset.client(manager, "superset_manager_password")
    team = set(LINE_MANAGER_TEAM)
    for title, id_column in ID_COLUMN.items():
        expected = [r for r in everyone[title] if r["rep_id"] in team]
        assert expected and len(_reps(everyone[title])) > len(_reps(expected)), title
        response = client.chart_data(charts[title])
        assert response.status_code == 200, response.text
        rows = [row for result in response.json()["result"] for row in result["data"]]
        assert sorted(r[id_column] for r in rows) == sorted(r[id_column] for r in expected), title
        outside = {r[id_column] for r in everyone[title] if r["rep_id"] not in team}
        assert not [i for i in outside if i in response.text], title
    priorities = _rows(client, charts[PRIORITIES])
    assert _reps(priorities) == team


def _render(superset, username: str, password_file: str, slugs: list[str], out_dir) -> list[dict]:
    result = subprocess.run(
        [
            str(SUPERSET_DIR / ".venv" / "bin" / "python"),
            "-m",
            "kpi_bi.render_check",
            "--base-url",
            superset.url,
            "--username",
            username,
            "--password-file",
            str(superset.secrets_dir / password_file),
            "--out",
            str(out_dir),
            "--height",
            "4800",
            *slugs,
        ],
        cwd=SUPERSET_DIR,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_pages_in_chromium_say_why_a_score_is_missing_and_show_no_one_elses_rows(pages):
    superset, _, everyone = pages
    rep = _rep_username(superset)
    manager = _username_of_role(superset, "Manager")
    for username, password_file, slug, allowed in (
        (rep, "superset_rep_password", "rep-performance", {rep}),
        (manager, "superset_manager_password", "team-view", set(LINE_MANAGER_TEAM)),
    ):
        out_dir = ARTIFACTS / superset.backend / "pages" / username
        (page,) = _render(superset, username, password_file, [slug], out_dir)
        assert not page["timed_out"] and page["errors"] == [], page
        text = (out_dir / f"{slug}.txt").read_text()
        # the fixture's accounts and deals cannot be trained: the page says so in words
        assert "Not enough data to train the accounts model" in text
        assert "Not enough data to train the deals model" in text
        assert "scored by model leads-" in text
        shown = [r["item_id"] for r in everyone[PRIORITIES] if r["rep_id"] in allowed]
        hidden = [r["item_id"] for r in everyone[PRIORITIES] if r["rep_id"] not in allowed]
        assert any(i in text for i in shown), (username, "no priority of theirs on the page")
        assert not [i for i in hidden if i in text], (username, "another rep's priority on the page")
