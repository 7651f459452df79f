"""Bad input: each bad row is quarantined with its file, line, text and reason; nothing is lost or half-loaded."""

import hashlib
import json
from datetime import date
from pathlib import Path

import pytest

from dagster_project.defs.ingest.load import load_tables
from dagster_project.defs.ingest.readers import HeaderError

DAY = date(2024, 12, 3)
WINDOW = (DAY, DAY)


def _fingerprints(root: Path) -> dict[str, tuple]:
    return {
        str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _append(path: Path, data: bytes) -> None:
    with open(path, "ab") as handle:
        handle.write(data)


def _quarantine(con, table: str) -> list[tuple]:
    return con.execute(
        "select source, source_line, raw_text, reason from raw.quarantine where target_table = ? order by source_line",
        [table],
    ).fetchall()


def _deal(**overrides) -> bytes:
    record = {
        "id": "deal_bad_1",
        "lead_id": None,
        "account_id": "acc_000001",
        "owner_id": "usr_0001",
        "name": "x",
        "stage": "new",
        "amount": 100.0,
        "currency": "USD",
        "created_at": "2024-12-03T10:00:00Z",
        "expected_close_date": "2025-01-01",
        "closed_at": None,
        "updated_at": "2024-12-03T10:00:00Z",
    }
    record.update(overrides)
    return (json.dumps({k: v for k, v in record.items() if v != "__drop__"}) + "\n").encode()


def test_bad_crm_rows_are_quarantined_with_reasons(sources: Path, warehouse, tmp_path: Path) -> None:
    deals = next((sources / "crm" / "deals" / f"date={DAY}").glob("*.jsonl"))
    good_lines = len(deals.read_bytes().splitlines())
    _append(deals, b"{not json at all\n")
    _append(deals, _deal(id="deal_bad_2", amount="a lot"))
    _append(deals, _deal(id="deal_bad_3", stage="__drop__"))
    _append(deals, _deal(id="deal_bad_4", currency="XYZ"))
    _append(deals, _deal(id="deal_bad_5", amount=-10))
    _append(deals, b'{"id": "deal_bad_6", "name": "caf\xe9 latin-1"}\n')
    _append(deals, _deal(id="deal_bad_7")[:40])  # truncated last line, no newline
    before = _fingerprints(sources)

    counts = load_tables(warehouse, ["crm_deals"], WINDOW, "bad", sources, tmp_path / "none")["crm_deals"]

    assert _fingerprints(sources) == before, "source files must never be modified"
    assert counts.read == good_lines + 7
    assert counts.loaded == good_lines
    assert counts.quarantined == 7
    rows = _quarantine(warehouse, "crm_deals")
    assert [r[1] for r in rows] == list(range(good_lines + 1, good_lines + 8))
    assert all(r[0] == str(deals.relative_to(sources)) for r in rows)
    reasons = [r[3] for r in rows]
    assert reasons[0].startswith("malformed line")
    assert reasons[1] == "wrong type for amount (double): a lot"
    assert reasons[2] == "missing required field: stage"
    assert reasons[3] == "unknown currency: XYZ"
    assert reasons[4].startswith("negative amount")
    assert reasons[5].startswith("not valid utf-8")
    assert reasons[6].startswith("malformed line")
    assert rows[0][2] == "{not json at all"
    assert "caf\\xe9" in rows[5][2]


def test_bad_ad_rows_are_quarantined(sources: Path, warehouse, tmp_path: Path) -> None:
    report = sources / "ads" / "google_ads" / f"{DAY}.csv"
    lines = report.read_bytes().splitlines()
    good = len(lines) - 1
    first = lines[1].decode().split(",")
    _append(report, (",".join([first[0], "999", "neg", "1", "1", "-5000000", "0", "USD"]) + "\n").encode())
    _append(report, lines[1] + b"\n")  # the same campaign twice in one day's report
    _append(report, b"2024-12-03,998,too,few\n")
    _append(report, b"2024-12-03,997,bad\xff,1,1,1000,0,USD\n")
    empty = sources / "ads" / "meta_ads" / f"{DAY}.csv"
    empty.write_bytes(b"")

    counts = load_tables(
        warehouse, ["ads_google_ads", "ads_meta_ads"], WINDOW, "bad", sources, tmp_path / "none"
    )

    google = counts["ads_google_ads"]
    assert (google.read, google.loaded, google.quarantined) == (good + 4, good, 4)
    assert counts["ads_meta_ads"].read == 0  # an empty file is read as no rows, not an error
    reasons = [r[3] for r in _quarantine(warehouse, "ads_google_ads")]
    assert reasons[0] == "negative cost_micros: -5000000"
    assert reasons[1] == f"duplicate id within file: {first[1]}"
    assert reasons[2] == "malformed line: expected 8 fields, found 4"
    assert reasons[3].startswith("not valid utf-8")


def test_changed_header_fails_the_load_and_loads_nothing(sources: Path, warehouse, tmp_path: Path) -> None:
    load_tables(warehouse, ["ads_google_ads", "ads_meta_ads"], WINDOW, "good", sources, tmp_path / "none")
    before = {
        t: warehouse.execute(f"select count(*), max(_load_id) from raw.{t}").fetchone()
        for t in ("ads_google_ads", "ads_meta_ads")
    }
    report = sources / "ads" / "meta_ads" / f"{DAY}.csv"
    text = report.read_text().replace("spend", "amount_spent", 1).replace("campaign_id", "adset_id", 1)
    report.write_text(text)

    with pytest.raises(HeaderError) as failure:
        load_tables(warehouse, ["ads_google_ads", "ads_meta_ads"], WINDOW, "bad", sources, tmp_path / "none")

    message = str(failure.value)
    assert f"ads/meta_ads/{DAY}.csv" in message and "campaign_id" in message and "spend" in message
    after = {t: warehouse.execute(f"select count(*), max(_load_id) from raw.{t}").fetchone() for t in before}
    assert after == before, "a failed load must leave every table of it as it was"
