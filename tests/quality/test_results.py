"""The check log has one name (health.expectation_results), and a warehouse that kept it under the snapshot's
other table name (health.check_results) keeps every logged row under the new one."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb

from dagster_project import health
from dagster_project.defs.quality.results import CheckResultRow, latest, record


def _row(run_id: str) -> CheckResultRow:
    return CheckResultRow(
        check_name="volume",
        asset_key="raw/crm_deals",
        severity="ERROR",
        blocking=True,
        passed=True,
        partition_start=date(2025, 2, 1),
        partition_end=date(2025, 2, 1),
        observed_value=12.0,
        observed_label="rows",
        expectations_total=1,
        expectations_failed=0,
        failed_expectations="",
        error=None,
        docs_path=None,
        run_id=run_id,
        checked_at=datetime(2025, 2, 2, 6),
    )


def test_an_old_check_log_is_renamed_and_kept(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        record(con, _row("old"))
        # the warehouse as it was before: the same log under the snapshot's name for the Dagster summary
        con.execute(f"alter table health.{health.EXPECTATION_RESULTS} rename to {health.CHECK_RESULTS}")
        record(con, _row("new"))
        tables = {
            t
            for (t,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'health'"
            ).fetchall()
        }
        assert tables == {health.EXPECTATION_RESULTS}
        assert sorted(r["run_id"] for r in latest(con)) == ["new", "old"]
