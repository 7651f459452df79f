"""Planning every rep's day from route marts shaped unlike the demo, with and without opportunity scores."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from dagster_project.cli import main
from dagster_project.defs.routes.assets import plan_day
from dagster_project.defs.routes.config import RouteConfigError, load_config
from dagster_project.defs.routes.plan import NO_SCORES
from dagster_project.environment import settings

DAY = date(2031, 3, 4)  # a Tuesday
POLICY = """
working_days: [tue, wed]
working_hours: {start: "07:00", end: "15:00"}
start_from: home
travel: {detour_factor: 1.25, speed_kmh: 60}
cost_per_km: 1.0
max_candidates: 5
tiers:
  - {tier: key, min_revenue_365d: 1000000, visit_every_days: 14, visit_minutes: 90}
  - {tier: small, min_revenue_365d: 0, visit_every_days: null, visit_minutes: 20}
opening_hours: {default: null, file: hours.csv}
"""


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch) -> Path:
    (tmp_path / "routes.yaml").write_text(POLICY)
    (tmp_path / "hours.csv").write_text("account_id,open,close\nK-2,12:00,14:00\n")
    path = tmp_path / "wh.duckdb"
    monkeypatch.setenv("KPI_WAREHOUSE_PATH", str(path))
    monkeypatch.setenv("KPI_ROUTES_CONFIG", str(tmp_path / "routes.yaml"))
    monkeypatch.setenv("KPI_ROUTES_WORKERS", "1")
    monkeypatch.setenv("KPI_ROUTES_TIME_LIMIT_S", "0.2")
    # two reps in Lisbon-like coordinates: R1 with a home, R2 whose home was exported as (0, 0)
    reps = pd.DataFrame(
        {
            "rep_id": ["R1", "R2", "R3"],
            "full_name": ["Ana", "Rui", "Gone"],
            "email": ["a@x", "r@x", "g@x"],
            "team_id": ["t", "t", "t"],
            "is_active": [True, True, False],
            "home_latitude": [38.72, 0.0, 38.7],
            "home_longitude": [-9.14, 0.0, -9.1],
            "home_issue": [None, "coordinates at (0, 0)", None],
        }
    )
    accounts = pd.DataFrame(
        {
            "account_id": ["K-1", "K-2", "S-1", "S-2", "S-3", "BAD", "R2-K"],
            "account_name": [
                "Key one",
                "Key two",
                "Small one",
                "Small two",
                "Small three",
                "No position",
                "Rui key",
            ],
            "rep_id": ["R1", "R1", "R1", "R1", "R1", "R1", "R2"],
            "city": None,
            "latitude": [38.75, 38.70, 38.73, 38.80, 38.60, None, 38.7],
            "longitude": [-9.10, -9.20, -9.15, -9.05, -9.30, None, -9.1],
            "location_issue": [None, None, None, None, None, "missing coordinates", None],
            "revenue_365d": [2e6, 3e6, 10.0, 0.0, 5.0, 9e6, 5e6],
            "last_visit_date": [DAY - timedelta(30), None, DAY - timedelta(3), None, None, None, None],
        }
    )
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.register("r", reps)
    con.register("a", accounts)
    con.execute("create table marts.route_reps as select * from r")
    con.execute("create table marts.route_accounts as select * from a")
    con.close()
    return path


def _scores(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema intel")
    con.execute("""
        create table intel.score_accounts as select * from (values
            ('S-1', 'R1', 0.9, 900.0, 'm7', timestamp '2031-03-03 05:00'),
            ('S-2', 'R1', 0.5, 400.0, 'm7', timestamp '2031-03-03 05:00'),
            ('S-3', 'R1', 0.1, 1.0, 'm7', timestamp '2031-03-03 05:00'),
            ('S-3', 'R1', 0.1, 2.0, 'm6', timestamp '2031-03-01 05:00')
        ) as t(account_id, rep_id, p_order_30d, expected_value, model_version, scored_at)""")
    con.close()


def _plan(path: Path):
    with duckdb.connect(str(path)) as con:
        return plan_day(con, DAY, load_config(settings().routes_config_path), settings())


def test_without_scores_only_due_accounts_are_planned_and_the_plan_says_so(warehouse):
    stops, days, _dropped = _plan(warehouse)
    r1 = days.set_index("rep_id").loc["R1"]
    assert r1["value_basis"] == NO_SCORES
    visits = stops[(stops["rep_id"] == "R1") & (stops["stop_type"] == "visit")]
    assert set(visits["account_id"]) == {"K-1", "K-2"}  # key tier, 30 days and never since a visit
    k2 = visits.set_index("account_id").loc["K-2"]
    assert (
        k2["arrival_at"] <= k2["departure_at"]
        and k2["departure_at"].hour * 60 + k2["departure_at"].minute <= 14 * 60
    )
    assert stops[stops["rep_id"] == "R1"]["stop_type"].tolist() == ["start", "visit", "visit", "end"]
    assert r1["km_total"] == pytest.approx(stops[stops["rep_id"] == "R1"]["km_from_previous"].sum(), rel=1e-6)
    assert r1["directions_url"].startswith("https://www.google.com/maps/dir/38.720000,-9.140000/")


def test_a_rep_without_a_home_position_gets_a_clear_state_and_inactive_reps_none(warehouse):
    stops, days, dropped = _plan(warehouse)
    assert set(days["rep_id"]) == {"R1", "R2"}
    r2 = days.set_index("rep_id").loc["R2"]
    assert r2["status"] == "no plan: the rep's home has coordinates at (0, 0)"
    assert stops[stops["rep_id"] == "R2"].empty
    assert dropped.set_index("account_id").loc["R2-K", "reason"] == r2["status"]


def test_scores_add_the_valuable_accounts_and_replanning_replaces_rows(warehouse):
    _plan(warehouse)
    _scores(warehouse)
    stops, days, _ = _plan(warehouse)
    r1 = days.set_index("rep_id").loc["R1"]
    assert r1["value_basis"] == "expected value (m7)"
    visits = stops[(stops["rep_id"] == "R1") & (stops["stop_type"] == "visit")]
    assert {"K-1", "K-2", "S-1", "S-2"} <= set(visits["account_id"])
    assert visits.set_index("account_id").loc["S-1", "value"] == 900.0
    assert r1["value_planned"] == pytest.approx(visits["value"].sum())
    with duckdb.connect(str(warehouse)) as con:
        stored = con.execute("select count(*) from marts.route_plans where rep_id = 'R1'").fetchone()[0]
        assert stored == len(stops[stops["rep_id"] == "R1"])  # the first plan's rows were replaced
        assert con.execute("select count(*) from marts.route_plan_days").fetchone()[0] == 2


def test_kpi_routes_plan_replans_one_rep_and_names_unknown_ones(warehouse):
    _scores(warehouse)
    result = CliRunner().invoke(main, ["routes", "plan", "--rep", "R1", "--day", DAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "R1 Ana 2031-03-04: planned" in result.output and "directions: https://" in result.output
    with duckdb.connect(str(warehouse)) as con:
        assert con.execute("select distinct rep_id from marts.route_plan_days").fetchall() == [("R1",)]
    result = CliRunner().invoke(main, ["routes", "plan", "--rep", "NOPE", "--day", DAY.isoformat()])
    assert result.exit_code != 0 and "no rep with accounts has the id NOPE" in result.output


def test_a_broken_policy_file_names_the_key(tmp_path):
    path = tmp_path / "routes.yaml"
    path.write_text(POLICY.replace('end: "15:00"', 'end: "3pm"'))
    with pytest.raises(RouteConfigError, match=r"working_hours.end: '3pm' is not a time of day"):
        load_config(path)
    path.write_text(POLICY.replace("tiers:", "levels:"))
    with pytest.raises(RouteConfigError, match="missing key 'tiers'"):
        load_config(path)
