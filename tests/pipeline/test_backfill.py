"""Backfills run a day range as one run, change nothing when repeated, and equal a fresh full build."""

from pathlib import Path

import dagster as dg
import pytest

from tests.pipeline.conftest import Stack, mart_checksums

pytestmark = pytest.mark.e2e


def _runs(stack: Stack) -> list[dg.DagsterRun]:
    import os

    previous = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = stack.env["DAGSTER_HOME"]
    try:
        with dg.DagsterInstance.get() as instance:
            return list(instance.get_runs())
    finally:
        if previous is None:
            os.environ.pop("DAGSTER_HOME")
        else:
            os.environ["DAGSTER_HOME"] = previous


def test_a_30_day_backfill_is_one_run_and_repeating_it_changes_nothing(built: Stack, tmp_path: Path) -> None:
    stack = built.copy(tmp_path / "stack")
    full = mart_checksums(stack.warehouse)
    runs_before = len(_runs(stack))

    stack.kpi("backfill", "--start", "2025-01-10", "--end", "2025-02-08")
    after_first = mart_checksums(stack.warehouse)
    stack.kpi("backfill", "--start", "2025-01-10", "--end", "2025-02-08")
    after_second = mart_checksums(stack.warehouse)

    runs = _runs(stack)
    assert len(runs) == runs_before + 2, "each backfill of 30 days is exactly one run"
    newest = runs[0]
    assert newest.tags["dagster/asset_partition_range_start"] == "2025-01-10"
    assert newest.tags["dagster/asset_partition_range_end"] == "2025-02-08"
    assert after_second == after_first, "re-running the same range changes nothing"
    assert after_first == full, "a backfill over unchanged sources equals the full build"
