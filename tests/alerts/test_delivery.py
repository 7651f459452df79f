"""Alerts and reports delivered by real Superset + Celery stacks (SQLite/embedded broker and PostgreSQL/Redis)."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import struct
import time
import zlib
from pathlib import Path

import duckdb
import pytest
import yaml

from tests.alerts.conftest import DROP_CHANNEL

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "alerts"
STACKS = ("sqlite_embedded", "postgres_redis")
CONVERSION = "Lead-to-deal conversion down more than 20 % against the previous 4 weeks"


def _wait_mail(stack, subject_part: str, timeout: float = 150.0):
    """The first e-mail whose subject contains subject_part, with its arrival time (two scheduler ticks at most).
    Superset's error notices to the owners ("Error occurred for Report: <name>") are not the report: they are
    skipped while waiting (the schedule runs every minute here) and quoted if nothing else arrives."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for i, msg in enumerate(list(stack.smtp.messages)):
            subject = msg["Subject"]
            if subject_part in subject and "Error occurred" not in subject and i < len(stack.smtp.arrivals):
                return msg, stack.smtp.arrivals[i]
        time.sleep(0.2)
    errors = [
        f"{m['Subject']}: {m.get_body(('html', 'plain')).get_content()[:600]}"
        for m in stack.smtp.messages
        if "Error occurred" in m["Subject"] and subject_part in m["Subject"]
    ]
    raise AssertionError(
        f"{stack.name}: no e-mail {subject_part!r} in {timeout}s; subjects "
        f"{[m['Subject'] for m in stack.smtp.messages]}; error notices {errors}; "
        f"worker log tail:\n{stack.log('worker')[-3000:]}"
    )


def _html(msg) -> str:
    return msg.get_body(("html",)).get_content()


def _cells(html: str) -> list[list[str]]:
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.DOTALL)
    return [
        [c.strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.DOTALL)] for row in rows
    ]


def _expected_conversion(serving, channel: str) -> tuple[float, float]:
    """(the 7 days ending 14 days before the last day, 0.8 × the 28 days before those) of leads_with_deal / leads for a
    channel, computed here independently; alerts.yaml's conversion_drop leaves the newest 14 days out (lag_days)."""
    with duckdb.connect(str(serving), read_only=True) as con:
        as_of = con.execute("select max(date_day) from marts.kpi_sales_daily").fetchone()[0]
        rows = con.execute(
            "select date_day, leads, leads_with_deal from marts.kpi_sales_daily where channel = ?", [channel]
        ).fetchall()
    recent = [(l, w) for d, l, w in rows if 14 <= (as_of - d).days < 21]
    base = [(l, w) for d, l, w in rows if 21 <= (as_of - d).days < 49]
    recent_v = sum(w for _, w in recent) / sum(l for l, _ in recent)
    base_v = sum(w for _, w in base) / sum(l for l, _ in base)
    return recent_v, 0.8 * base_v


@pytest.mark.parametrize("name", STACKS)
def test_conversion_drop_fires_with_value_and_threshold(alert_stacks, name):
    stack = alert_stacks[name]
    msg, arrived = _wait_mail(stack, CONVERSION)
    table = _cells(_html(msg))
    header = table[0]
    rows = [dict(zip(header[1:], r[1:], strict=False)) for r in table[1:] if len(r) == len(header)]
    assert [r["scope"] for r in rows] == [f"channel {DROP_CHANNEL}"]
    value, threshold = _expected_conversion(stack.serving_path, DROP_CHANNEL)
    # values as the registry formats a percent KPI, under its label
    assert rows[0]["value"] == f"{value * 100:,.1f} %"
    assert rows[0]["threshold"] == f"{threshold * 100:,.1f} %"
    assert rows[0]["kpi"] == "Conversion lead → deal"
    assert "/superset/dashboard/funnel/" in _html(msg)
    # The healthy twin ran on the same tick and stayed quiet; the webhook got the firing alert.
    time.sleep(3)
    assert not [m for m in stack.smtp.messages if "Healthy channel" in m["Subject"]]
    schedules = {
        r["name"]: r for r in stack.client().get("/api/v1/report/?q=(page_size:100)").json()["result"]
    }
    assert schedules["Healthy channel conversion drop"]["last_state"] == "Not triggered"
    hooks = [p["body"] for p in stack.webhook.posts if CONVERSION in str(p["body"])]
    assert hooks, stack.webhook.posts
    # the webhook carries the same rows as the e-mail: scope, value and threshold
    hook_rows = hooks[0]["rows"]
    assert [r.get("scope") for r in hook_rows] == [f"channel {DROP_CHANNEL}"], hook_rows
    assert hook_rows[0]["value"] == f"{value * 100:,.1f} %"
    assert hook_rows[0]["threshold"] == f"{threshold * 100:,.1f} %"
    assert f"channel {DROP_CHANNEL}" in hooks[0]["text"]
    minute = arrived - arrived % 60
    print(f"\n{name}: conversion alert e-mail {arrived - minute:.1f} s after the tick")
    # every task ran without a failing signal handler (Superset 6.1's teardown raised after each one: #36892)
    worker_log = stack.log("worker")
    assert "Task reports.scheduler" in worker_log
    assert (
        "Signal handler" not in worker_log and "Working outside of application context" not in worker_log
    ), worker_log[-3000:]


def _png_ok(data: bytes) -> tuple[int, int, int]:
    """(width, height, distinct byte values of the pixel data) of a valid PNG; raises on anything else."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    idat, pos = b"", 8
    while pos < len(data):
        length = struct.unpack(">I", data[pos : pos + 4])[0]
        if data[pos + 4 : pos + 8] == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    pixels = zlib.decompress(idat)
    return width, height, len(set(pixels))


def _blank_share(data: bytes) -> float:
    """The share of the image's pixel rows that are one colour from edge to edge (page background, no content)."""
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGB")
    width, height = image.size
    pixels = image.load()
    blank = sum(1 for y in range(height) if len({pixels[x, y] for x in range(0, width, 4)}) == 1)
    return blank / height


def test_weekly_report_png_and_csv(alert_stacks):
    stack = alert_stacks["sqlite_embedded"]
    png_msg, _ = _wait_mail(stack, "Weekly leadership KPI overview", timeout=300)
    images = [p.get_content() for p in png_msg.walk() if p.get_content_type() == "image/png"]
    assert images, "no PNG in the dashboard report"
    # one clean subject: the prefix and the report's name, once
    assert png_msg["Subject"] == "[Sales KPI] Weekly leadership KPI overview", png_msg["Subject"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "weekly_leadership_dashboard.png").write_bytes(images[0])
    width, height, distinct = _png_ok(images[0])
    assert width >= 800 and height >= 400 and distinct > 50, (width, height, distinct)
    # readable: as tall as the dashboard (no blank strip below it; only the gaps between rows are plain)
    blank = _blank_share(images[0])
    print(f"\nweekly PNG {width}x{height}, {blank:.1%} blank rows")
    assert blank < 0.12, (height, blank)
    # it opens with the dashboard's title beside the data date (report screenshots leave Superset's header out)
    client = stack.client()
    dashboard = next(d for d in client.list_all("dashboard") if d["slug"] == "leadership-kpi-overview")
    position = json.loads(
        client.get(f"/api/v1/dashboard/{dashboard['id']}").json()["result"]["position_json"]
    )
    first_row = position[position["GRID_ID"]["children"][0]]["children"]
    kinds = [position[key]["type"] for key in first_row]
    assert kinds == ["MARKDOWN", "CHART"], kinds
    assert position[first_row[0]]["meta"]["code"].startswith("# Leadership KPI overview")
    assert position[first_row[1]]["meta"]["sliceName"] == "Data freshness"

    csv_msg, _ = _wait_mail(stack, "Weekly leadership KPI table", timeout=120)
    attachments = [p for p in csv_msg.iter_attachments() if p.get_filename().endswith(".csv")]
    assert ":" not in attachments[0].get_filename(), attachments[0].get_filename()
    text = attachments[0].get_content()
    text = text.decode() if isinstance(text, bytes) else text
    got = list(csv.DictReader(io.StringIO(text)))
    with duckdb.connect(str(stack.serving_path), read_only=True) as con:
        want = con.execute(
            "select cast(period_start as varchar), kpi_label, kpi_value, target_value, attainment, status"
            " from marts.kpi_scorecard where scope_level = 'company' and basis = 'target'"
        ).fetchall()

    def num(x):
        """A raw number from the CSV (no thousands separators, no percent signs)."""
        # Superset writes a missing value (NULL in the mart) as NaN.
        if x is None or x.strip().lower() in ("", "nan"):
            return None
        assert "," not in x and "%" not in x and "$" not in x, x
        value = float(x)
        return None if math.isnan(value) else value

    # human headers (the datasets' column labels) over raw numbers
    assert {"Period", "KPI", "Attainment"} <= set(got[0]), list(got[0])
    got_rows = {
        (r["Period"][:10], r["KPI"]): (
            num(r["kpi_value"]),
            num(r["target_value"]),
            num(r["Attainment"]),
            r["status"],
        )
        for r in got
    }
    want_rows = {(p, k): (v, t, a, s) for p, k, v, t, a, s in want}
    assert len(want_rows) > 0 and got_rows.keys() == want_rows.keys()
    for key, (v, t, a, s) in want_rows.items():
        gv, gt, ga, gs = got_rows[key]
        assert gs == s, key
        for got_value, want_value, tol in ((gv, v, 1e-6), (gt, t, 1e-6), (ga, a, 1e-6)):
            assert (got_value is None) == (want_value is None), key
            if want_value is not None:
                assert got_value == pytest.approx(want_value, abs=tol), key


@pytest.mark.parametrize("name", STACKS)
def test_provision_twice_is_idempotent_and_deletes_removed(alert_stacks, name):
    stack = alert_stacks[name]
    client = stack.client()

    def state():
        reports = client.get("/api/v1/report/?q=(page_size:100)").json()["result"]
        charts = [c["slice_name"] for c in client.list_all("chart") if c["slice_name"].startswith("[alert] ")]
        return sorted((r["id"], r["name"], r["crontab"], r["type"]) for r in reports), sorted(charts)

    before = state()
    out = stack.provision_alerts()
    assert "'created': 0" in out and "'deleted': 0" in out
    assert state() == before

    doc = yaml.safe_load(stack.alerts_path.read_text())
    doc["alerts"] = [a for a in doc["alerts"] if a["key"] != "conversion_drop_healthy"]
    stack.alerts_path.write_text(yaml.safe_dump(doc, sort_keys=False))
    out = stack.provision_alerts()
    assert "'deleted': 1" in out
    reports, charts = state()
    assert "Healthy channel conversion drop" not in [r[1] for r in reports]
    assert "[alert] Healthy channel conversion drop" not in charts
    assert len(reports) == len(before[0]) - 1
