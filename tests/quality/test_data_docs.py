"""Data Docs written offline and every result logged to health.expectation_results."""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.defs.quality.data_docs import make_offline, remote_references
from tests.quality.fixture import run_with_checks

KEYS = [("raw", "orders_refunds"), ("raw", "ref_fx_rates")]
# Checks computed in SQL rather than by a GX suite: logged with every result, but without a Data Docs page.
SQL_CHECKS = ("quarantine_share",)


def test_pages_load_nothing_from_the_network_and_are_linked(warehouse, data_dir):
    result = run_with_checks(warehouse, KEYS, "2024-12-05")
    site = data_dir / "quality" / "data_docs"
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 1 + 2 * 3  # index, and a suite page and a validation page per check
    for page in pages:
        assert remote_references(page.read_text(encoding="utf-8")) == [], page
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.asset_check_key.name in SQL_CHECKS:
            continue
        page = Path(evaluation.metadata["data_docs_page"].value)
        assert page.is_file() and site in page.parents
        assert evaluation.metadata["data_docs_url"].value == page.as_uri()
        text = page.read_text(encoding="utf-8")
        assert evaluation.asset_check_key.name in text and "Expectation Validation Result" in text
    index = (site / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr>") == 1 + 5  # header and one row per check result
    assert "raw/orders_refunds" in index and "expectations/raw/orders_refunds/values.html" in index


def test_make_offline_strips_cdn_links_and_keeps_local_logos(tmp_path):
    (tmp_path / "static" / "images").mkdir(parents=True)
    (tmp_path / "static" / "images" / "logo-long.png").write_bytes(b"png")
    page = tmp_path / "validations" / "x.html"
    page.parent.mkdir()
    page.write_text(
        '<html><head><link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/b.css"/>'
        '<script src="https://code.jquery.com/jquery.js"></script></head><body>'
        '<img src="https://assets.example/logo-long.png?d=1"><img src="https://assets.example/other.png">'
        "<script>$('#t').bootstrapTable({})</script><p>kept</p></body></html>"
    )
    make_offline(tmp_path, [page])
    text = page.read_text()
    assert remote_references(text) == []
    assert '<img src="../static/images/logo-long.png">' in text and "<p>kept</p>" in text
    assert "bootstrapTable" not in text and "<style>" in text


def test_every_result_is_logged_and_a_rerun_appends(warehouse):
    first = run_with_checks(warehouse, KEYS, "2024-12-05", "2024-12-06")
    second = run_with_checks(warehouse, KEYS, "2024-12-05", "2024-12-06")
    with duckdb.connect(warehouse.path) as con:
        rows = con.execute(
            "select run_id, asset_key, check_name, severity, blocking, passed, partition_start, partition_end, "
            "observed_value, docs_path from health.expectation_results order by run_id, asset_key, check_name"
        ).fetchall()
    assert len(rows) == 2 * (5 + len(KEYS) * len(SQL_CHECKS))
    assert {r[0] for r in rows} == {first.run_id, second.run_id}
    refunds = [
        r for r in rows if r[1] == "raw/orders_refunds" and r[0] == first.run_id and r[2] not in SQL_CHECKS
    ]
    assert [(r[2], r[3], r[4], r[5]) for r in refunds] == [
        ("schema", "ERROR", True, True),
        ("values", "ERROR", True, True),
    ]
    assert {(str(r[6]), str(r[7])) for r in refunds} == {("2024-12-05", "2024-12-06")}
    fx = [r for r in rows if r[1] == "raw/ref_fx_rates"]
    assert {(r[6], r[7]) for r in fx} == {(None, None)}  # unpartitioned: the whole table is checked
    assert all(Path(r[9]).is_file() for r in rows if r[2] not in SQL_CHECKS)
