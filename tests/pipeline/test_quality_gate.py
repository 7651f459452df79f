"""The quality gate: a blocking check failure stops the serving snapshot; the dashboards keep the last good data."""

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.pipeline.conftest import Stack, file_digest

pytestmark = pytest.mark.e2e
DAY = "2025-02-10"


def _failed_checks(stack: Stack) -> set[tuple[str, str]]:
    with duckdb.connect(str(stack.warehouse), read_only=True) as con:
        return set(
            con.execute(
                "select asset_key, check_name from health.expectation_results where not passed and blocking "
                "and run_id = (select run_id from health.expectation_results order by checked_at desc limit 1)"
            ).fetchall()
        )


def test_a_good_build_publishes_a_snapshot_with_health_tables(built: Stack) -> None:
    with duckdb.connect(str(built.serving), read_only=True) as con:
        info = con.execute(
            "select partition_start, partition_end, checks_failed from health.build_info"
        ).fetchone()
        assert info[:2] == (date(2024, 12, 1), date(2025, 2, 28))
        marts = {
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        assert {"fct_orders", "kpi_monthly", "kpi_scorecard"} <= marts
        assert con.execute("select count(*) from health.source_freshness").fetchone()[0] >= 14
        # the first days of the history, before a source's first rows, are not stale data (a clean demo build
        # showed three failing freshness checks for them)
        empty_start = con.execute(
            "select asset_key from health.expectation_results where check_name = 'freshness' and not passed "
            "and failed_expectations like '%not_be_null(newest_at)%'"
        ).fetchall()
        assert empty_start == [], empty_start
        # the data-health dashboard's two counts: blocking failures apart from warnings
        outcomes = con.execute(
            "select count(*) filter (where outcome = 'blocking failure'), count(*) filter (where outcome = 'warning') "
            "from health.check_results"
        ).fetchone()
        assert con.execute("select blocking_failures, warnings from health.build_info").fetchone() == outcomes


def test_ten_times_the_volume_fails_the_blocking_check_and_keeps_the_snapshot(
    built: Stack, tmp_path: Path
) -> None:
    stack = built.copy(tmp_path / "stack")
    sources = tmp_path / "sources"
    import shutil

    shutil.copytree(built.sources, sources)
    stack.sources = sources
    before = file_digest(stack.serving)
    leads = next((sources / "crm" / "leads" / f"date={DAY}").glob("*.jsonl"))
    lines = [json.loads(line) for line in leads.read_text().splitlines()]
    assert lines, "the chosen day must have leads"
    flood = []
    for copy in range(12 * max(1, 10 // len(lines) + 1)):
        for record in lines:
            flood.append(json.dumps({**record, "id": f"{record['id']}_x{copy}"}))
    leads.write_text("\n".join([json.dumps(r) for r in lines] + flood) + "\n")

    result = stack.kpi("backfill", "--start", DAY, "--end", DAY, check=False)

    assert result.returncode != 0
    assert ("raw/crm_leads", "volume") in _failed_checks(stack)
    assert file_digest(stack.serving) == before, "serving must stay byte-identical after a blocked build"


def test_negative_amounts_in_raw_fail_the_blocking_check(built: Stack, tmp_path: Path) -> None:
    stack = built.copy(tmp_path / "stack")
    before = file_digest(stack.serving)
    # A loader bug that let negative lines through: checks must stop them before the marts are published.
    with duckdb.connect(str(stack.warehouse)) as con:
        con.execute(
            f"update raw.orders_order_lines set line_amount = -line_amount where _partition_date = '{DAY}'"
        )
    result = stack.kpi("check", "--start", DAY, "--end", DAY, check=False)
    assert result.returncode != 0
    assert ("raw/orders_order_lines", "values") in _failed_checks(stack)
    assert file_digest(stack.serving) == before
