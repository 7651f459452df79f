"""Weekly digests: one per rep and manager of the user directory, each with only the rows that person may see."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from dagster_project.defs.intelligence.digest import send_digests
from dagster_project.defs.routes.render import digest_part
from dagster_project.environment import settings
from dagster_project.mail import send_message
from tests.support.smtp_sink import SmtpSink

USERS = pd.DataFrame(
    {
        "rep_id": ["u_ann", "u_bob", "u_cid", "u_mgr", "u_old"],
        "email": [
            "ann@example.test",
            "bob@example.test",
            "cid@example.test",
            "mgr@example.test",
            "old@example.test",
        ],
        "full_name": ["Ann", "Bob", "Cid", "Meg", "Old"],
        "role": ["rep", "rep", "rep", "manager", "rep"],
        "manager_id": ["u_mgr", "u_mgr", "u_other", None, "u_mgr"],
        "is_active": [True, True, True, True, False],
    }
)


def _snapshot(path, users: pd.DataFrame) -> None:
    reps = ["u_ann", "u_bob", "u_cid", "u_old"]
    priorities = pd.DataFrame(
        {
            "priority_rank": [1, 2, 1, 1, 1],
            "rep_id": ["u_ann", "u_ann", "u_bob", "u_cid", "u_old"],
            "item_type": ["account", "deal", "lead", "account", "deal"],
            "item_id": ["ACC-ANN-1", "DEAL-ANN-2", "LEAD-BOB-1", "ACC-CID-1", "DEAL-OLD-1"],
            "probability": [0.8, 0.5, 0.3, 0.9, 0.4],
            "expected_value": [900.0, 500.0, 300.0, 950.0, 10.0],
            "reason_1": ["↑ no order for 41 days, usually orders every 30"] * 5,
        }
    )
    suggestions = pd.DataFrame(
        {
            "rep_id": ["u_ann", "u_ann", "u_bob", "u_cid"],
            "suggestion_rank": [1, 2, 1, 1],
            "suggestion": [
                "ANN-TOP: new leads wait 3.2 days",
                "ANN-SECOND",
                "BOB-TOP: few meetings",
                "CID-TOP",
            ],
            "evidence": ["e"] * 4,
            "revenue_at_stake_usd": [10.0, 5.0, 7.0, 9.0],
            "records": ["L-1", "", "D-9", ""],
        }
    )
    kpis = pd.DataFrame(
        {
            "scope_level": "rep",
            "scope_id": reps,
            "period_grain": "month",
            "period_start": date(2026, 11, 1),
            "kpi_label": "Revenue",
            "kpi_value": [111.0, 222.0, 333.0, 444.0],
            "target_value": 100.0,
            "status": "on_track",
        }
    )
    day = date(2026, 12, 1)
    route_days = pd.DataFrame(
        {
            "plan_date": [day, day],
            "rep_id": ["u_ann", "u_bob"],
            "full_name": ["Ann", "Bob"],
            "status": ["planned", "no plan: the rep has no home position"],
            "visits": [2, 0],
            "km_total": [31.5, None],
            "working_hours": [6.5, None],
            "value_basis": ["priority list"] * 2,
            "directions_url": ["https://maps.example.test/dir/ANN-ROUTE", None],
            "is_latest": [True, True],
        }
    )
    at = pd.Timestamp("2026-12-01 09:00")
    route_stops = pd.DataFrame(
        {
            "plan_date": day,
            "rep_id": "u_ann",
            "stop_order": [0, 1, 2, 3],
            "stop_type": ["start", "visit", "visit", "end"],
            "account_id": [None, "ACC-ANN-1", "ACC-ANN-9", None],
            "account_name": ["Home", "Annex Ltd", "Anvil plc", "Home"],
            "latitude": [52.0, 52.1, 52.2, 52.0],
            "longitude": [4.0, 4.1, 4.2, 4.0],
            "arrival_at": [at, at + pd.Timedelta("1h"), at + pd.Timedelta("3h"), at + pd.Timedelta("5h")],
            "departure_at": [at, at + pd.Timedelta("2h"), at + pd.Timedelta("4h"), at + pd.Timedelta("5h")],
            "km_from_previous": [0.0, 10.0, 11.0, 10.5],
            "value": [None, 900.0, 300.0, None],
            "tier": [None, "A", "B", None],
            "is_due": [False, True, False, False],
            "reason": [None, "due visit", "priority", None],
            "is_latest": True,
        }
    )
    route_dropped = pd.DataFrame(
        {
            "plan_date": [day],
            "rep_id": ["u_ann"],
            "account_id": ["ACC-ANN-7"],
            "account_name": ["Far Away"],
            "reason": ["no time left in the working day"],
        }
    )
    with duckdb.connect(str(path)) as con:
        for name, frame in {
            "users": users,
            "priorities": priorities,
            "suggestions": suggestions,
            "kpis": kpis,
            "route_days": route_days,
            "route_stops": route_stops,
            "route_dropped": route_dropped,
        }.items():
            con.register(name, frame)
        con.execute("create schema marts")
        con.execute("create table marts.dim_reps as select * from users")
        con.execute("create table marts.rep_priority_list as select * from priorities")
        con.execute("create table marts.rep_suggestions as select * from suggestions")
        con.execute("create table marts.kpi_scorecard as select * from kpis")
        con.execute("create table marts.route_plan_days as select * from route_days")
        con.execute("create table marts.route_plans as select * from route_stops")
        con.execute("create table marts.route_plan_dropped as select * from route_dropped")


@pytest.fixture(scope="module")
def received(tmp_path_factory):
    """Every digest as it arrived at an SMTP sink, by address; the routes domain's section wired in."""
    path = tmp_path_factory.mktemp("digest") / "serving.duckdb"
    _snapshot(path, USERS)
    with SmtpSink() as sink, pytest.MonkeyPatch.context() as env:
        env.setenv("SMTP_PORT", str(sink.port))
        config = settings()
        sent = send_digests(
            path, lambda message: send_message(config, message), [lambda con, rep: digest_part(con, rep)]
        )
        messages = sink.wait_for(len(sent))
    return {m["To"]: m for m in messages}


@pytest.fixture(scope="module")
def mails(received):
    return {to: m.get_body(preferencelist=("plain",)).get_content() for to, m in received.items()}


def test_a_reps_digest_carries_their_route_with_directions_map_and_calendar(received, mails):
    ann = received["ann@example.test"]
    assert "Your route for 2026-12-01" in mails["ann@example.test"]
    assert "Annex Ltd" in mails["ann@example.test"] and "Not planned: Far Away" in mails["ann@example.test"]
    html = ann.get_body(preferencelist=("html",)).get_content()
    assert "https://maps.example.test/dir/ANN-ROUTE" in html and "<svg" in html
    (ics,) = [p for p in ann.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = ics.get_content()
    calendar = calendar if isinstance(calendar, str) else calendar.decode()
    assert calendar.count("BEGIN:VEVENT") == 2 and "Annex Ltd" in calendar
    # another rep's digest carries their own state, never Ann's route; a manager's carries no route
    bob = mails["bob@example.test"]
    assert "no plan: the rep has no home position" in bob and "ANN-ROUTE" not in bob and "Annex" not in bob
    assert not list(received["bob@example.test"].iter_attachments())
    assert "Your route" not in mails["mgr@example.test"]


def test_every_active_rep_and_each_manager_gets_one_from_the_directory(mails):
    assert set(mails) == {"ann@example.test", "bob@example.test", "cid@example.test", "mgr@example.test"}


def test_a_reps_digest_holds_only_their_own_rows(mails):
    ann, bob = mails["ann@example.test"], mails["bob@example.test"]
    assert "ACC-ANN-1" in ann and "DEAL-ANN-2" in ann and "ANN-TOP" in ann and "ANN-SECOND" in ann
    assert "111" in ann
    for other in ("BOB", "CID", "OLD", "222", "333"):
        assert other not in ann
    assert "LEAD-BOB-1" in bob and "BOB-TOP" in bob
    for other in ("ANN", "CID", "OLD", "111"):
        assert other not in bob


def test_a_managers_digest_holds_their_team_and_each_reps_top_suggestion_only(mails):
    meg = mails["mgr@example.test"]
    assert "ANN-TOP" in meg and "BOB-TOP" in meg and "ACC-ANN-1" in meg and "LEAD-BOB-1" in meg
    assert "ANN-SECOND" not in meg and "CID" not in meg


def test_a_new_rep_in_the_directory_gets_a_digest_without_any_file_edited(tmp_path):
    users = pd.concat(
        [
            USERS,
            pd.DataFrame(
                [
                    {
                        "rep_id": "u_new",
                        "email": "new@example.test",
                        "full_name": "New",
                        "role": "rep",
                        "manager_id": "u_mgr",
                        "is_active": True,
                    }
                ]
            ),
        ]
    )
    path = tmp_path / "serving.duckdb"
    _snapshot(path, users)
    sent = send_digests(path, lambda message: None)
    assert "new@example.test" in sent
