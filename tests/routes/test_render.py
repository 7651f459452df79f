"""The rep's route as shown and sent: the map drawn by headless Chromium with no tile server reachable, the stop
list and directions link, the .ics calendar, and the e-mail at an SMTP sink."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import icalendar
import pandas as pd
import pytest
from PIL import Image

from dagster_project.defs.routes.render import (
    DUE_COLOUR,
    OPTIONAL_COLOUR,
    ROUTE_COLOUR,
    route_email,
    route_html,
    route_ics,
    send,
)
from dagster_project.environment import settings
from tests.support.smtp_sink import SmtpSink

DAY = date(2031, 5, 6)


def _day():
    t = lambda h, m: datetime(2031, 5, 6, h, m)
    stops = pd.DataFrame(
        [
            (DAY, "R9", 0, "start", None, "Start", 59.33, 18.06, None, t(8, 10), 0.0, None, None, None, None),
            (
                DAY,
                "R9",
                1,
                "visit",
                "A1",
                "Harbour Café",
                59.34,
                18.10,
                t(8, 30),
                t(9, 30),
                3.1,
                None,
                "A",
                True,
                "due: never visited",
            ),
            (
                DAY,
                "R9",
                2,
                "visit",
                "A2",
                "Mill & Co; North",
                59.36,
                18.02,
                t(9, 45),
                t(10, 15),
                4.0,
                250.0,
                "C",
                False,
                "expected value",
            ),
            (DAY, "R9", 3, "end", None, "End", 59.33, 18.06, t(10, 30), None, 3.9, None, None, None, None),
        ],
        columns=[
            "plan_date",
            "rep_id",
            "stop_order",
            "stop_type",
            "account_id",
            "account_name",
            "latitude",
            "longitude",
            "arrival_at",
            "departure_at",
            "km_from_previous",
            "value",
            "tier",
            "is_due",
            "reason",
        ],
    )
    summary = pd.Series(
        {
            "plan_date": DAY,
            "rep_id": "R9",
            "full_name": "Eva Lund",
            "status": "planned",
            "visits": 2,
            "km_total": 11.0,
            "working_hours": 2.3,
            "value_basis": "expected value (m1)",
            "directions_url": "https://www.google.com/maps/dir/59.330000,18.060000/59.340000,18.100000/",
        }
    )
    dropped = pd.DataFrame(
        [
            (
                DAY,
                "R9",
                "A3",
                "Far Away AB",
                "A",
                ("a round trip home → account → home takes 12.0 h, more than the 9.0 working hours"),
            )
        ],
        columns=["plan_date", "rep_id", "account_id", "account_name", "tier", "reason"],
    )
    return summary, stops, dropped


def _pixels(path: Path, colour: str) -> int:
    target = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    image = Image.open(path).convert("RGB")
    return sum(1 for p in image.getdata() if all(abs(a - b) <= 8 for a, b in zip(p, target)))


@pytest.mark.skipif(
    not shutil.which("chromium"), reason="needs Debian's chromium (scripts/install_chromium.sh)"
)
def test_the_route_map_renders_in_headless_chromium_without_a_reachable_tile_server(tmp_path):
    summary, stops, dropped = _day()
    # a tile server is configured but nothing listens there: the map must still show the route
    page = route_html(summary, stops, dropped, tile_url="http://127.0.0.1:9/{z}/{x}/{y}.png")
    html = tmp_path / "route.html"
    html.write_text(f"<!doctype html><html><head><meta charset='utf-8'></head><body>{page}</body></html>")
    shot = tmp_path / "route.png"
    subprocess.run(
        [
            "chromium",
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--screenshot={shot}",
            "--window-size=900,1000",
            "--virtual-time-budget=3000",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert _pixels(shot, ROUTE_COLOUR) > 300  # the legs between home and the two stops
    assert (
        _pixels(shot, DUE_COLOUR) > 100 and _pixels(shot, OPTIONAL_COLOUR) > 100
    )  # one due, one optional stop
    assert "url('http://127.0.0.1:9/" in page


def test_the_page_lists_stops_in_order_with_links_and_dropped_reasons():
    summary, stops, dropped = _day()
    page = route_html(summary, stops, dropped)
    assert page.index("Harbour Café") < page.index("Mill &amp; Co; North")
    assert "url(" not in page  # no tile server configured: no tiles requested
    assert 'href="https://www.google.com/maps/dir/59.330000,18.060000/' in page
    assert "Far Away AB: a round trip home → account → home takes 12.0 h" in page
    assert "Route for Eva Lund, 2031-05-06" in page


def test_the_calendar_has_one_event_per_visit_at_the_planned_times():
    summary, stops, _ = _day()
    calendar = icalendar.Calendar.from_ical(route_ics(summary, stops))
    events = calendar.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Visit Harbour Café", "Visit Mill & Co; North"]
    assert events[1].decoded("dtstart") == datetime(2031, 5, 6, 9, 45)
    assert events[1].decoded("dtend") == datetime(2031, 5, 6, 10, 15)
    assert str(events[0]["uid"]) == "R9-2031-05-06-A1@kpi-warehouse"
    assert "Directions: https://www.google.com/maps/dir/" in str(events[0]["description"])


@pytest.fixture
def smtp_sink():
    with SmtpSink() as sink:
        yield sink


def test_the_rep_receives_their_route_by_email(monkeypatch, smtp_sink):
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(smtp_sink.port))
    config = settings()
    summary, stops, dropped = _day()
    send(config, [route_email(config, "eva@example.org", summary, stops, dropped)])
    [message] = smtp_sink.wait_for(1)
    assert message["To"] == "eva@example.org"
    assert message["Subject"] == "Your route for 2031-05-06: 2 visits, 11 km"
    parts = {p.get_content_type(): p for p in message.walk()}
    assert " 1 08:30 Harbour Café" in parts["text/plain"].get_content()
    assert "<svg" in parts["text/html"].get_content()
    assert parts["text/calendar"].get_filename() == "route-2031-05-06.ics"
