"""Every dashboard renders for every role allowed to open it, in headless Chromium, without an error tile and
without "No results" where the snapshot has data; a role is offered exactly its dashboards and lands on its own
page after login. Screenshots land in tests/artifacts/<backend>/<user>/."""

from __future__ import annotations

import json
import subprocess

import duckdb
import pytest
import yaml
from kpi_bi.dashboard_access import dashboard_roles, landing_pages
from kpi_bi.roles import demo_manager, demo_rep

from tests.superset.conftest import ARTIFACTS, SUPERSET_DIR

pytestmark = pytest.mark.e2e


def _dashboards() -> dict[str, int]:
    """Dashboard slug → number of tiles in its layout, from the bundle itself."""
    out = {}
    for path in sorted((SUPERSET_DIR / "assets" / "dashboards").glob("*.yaml")):
        config = yaml.safe_load(path.read_text())
        # the title block (kpi_bi.layout.TITLE) is a tile too: Superset draws Markdown in the same holder
        out[config["slug"]] = sum(len(row) for row in config["layout"] if isinstance(row, list))
    return out


def _users(superset) -> dict[str, tuple[str | None, str]]:
    """username → (role, password file) of the admin, the demo leadership and analyst users, rep and manager."""
    rep = demo_rep(superset.serving_path)["rep_id"]
    manager = demo_manager(superset.serving_path)["rep_id"]
    return {
        "admin": (None, "superset_admin_password"),
        "leadership": ("Leadership", "superset_leadership_password"),
        "analyst": ("Analyst", "superset_analyst_password"),
        rep: ("Rep", "superset_rep_password"),
        manager: ("Manager", "superset_manager_password"),
    }


def _visible(superset, username: str) -> set[str]:
    """The reps whose rows the user may see (themself and everyone they manage), as row-level security reads it."""
    with duckdb.connect(str(superset.serving_path), read_only=True) as con:
        rows = con.execute(
            "select rep_id from marts.rep_visibility where viewer_id = ?", [username]
        ).fetchall()
    return {username, *(r[0] for r in rows)}


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
            "--landing-shot",
            *slugs,
        ],
        cwd=SUPERSET_DIR,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_dashboard_renders_for_every_role_that_may_open_it(superset):
    dashboards = _dashboards()
    allowed = dashboard_roles()
    landing = landing_pages()
    for username, (role, password_file) in _users(superset).items():
        mine = sorted(slug for slug, roles in allowed.items() if role is None or role in roles)
        # offered exactly the dashboards that work for the role
        listed = sorted(d["slug"] for d in superset.client(username, password_file).list_all("dashboard"))
        assert listed == mine, (username, listed)
        out_dir = ARTIFACTS / superset.backend / username
        pages = _render(superset, username, password_file, mine, out_dir)
        client = superset.client(username, password_file)
        admin = superset.client()
        charts = {c["slice_name"]: c["id"] for c in admin.list_all("chart")}
        for page in pages:
            assert page["landing"].startswith(landing.get(role, "/superset/welcome/")), (
                username,
                page["landing"],
            )
            assert not page["timed_out"], (username, page)
            assert page["charts"] == dashboards[page["slug"]], (username, page)
            assert page["errors"] == [], (username, page)
            # "No results" only where the user's own query of that chart returns no value either (no rows, or rows
            # whose measures are all null: a KPI with an empty denominator has no honest value to draw)
            for title in page["empty"]:
                response = client.chart_data(charts[title])
                if response.status_code == 200:
                    rows = [row for r in response.json()["result"] for row in r["data"]]
                else:
                    # a chart the user reaches only through its dashboard: the admin's rows that are the user's
                    rows = [
                        row
                        for r in admin.chart_data(charts[title]).json()["result"]
                        for row in r["data"]
                        if role not in ("Rep", "Manager")
                        or row.get("rep_id", username) in _visible(superset, username)
                    ]
                values = [
                    v
                    for row in rows
                    for k, v in row.items()
                    if v is not None and k not in ("__timestamp", "period_start", "month_start", "date_day")
                ]
                assert not values, (username, page["slug"], title, "data exists", values[:5])
            assert (out_dir / f"{page['slug']}.png").stat().st_size > 10_000
