"""Running the pipeline from the command line: a whole build or a backfill of a day range, each as one run."""

from __future__ import annotations

import os
import socket
from datetime import date
from pathlib import Path

import dagster as dg

from dagster_project.instance import write_instance_config
from dagster_project.partitions import daily_partitions
from dagster_project.run_summary import failure_lines, failure_summary  # noqa: F401 (failure_lines: tests)
from dagster_project.runs import BUILD_JOB, HOST_TAG, PID_TAG, RANGE_END_TAG, RANGE_START_TAG, REBUILD_JOB


def partition_range(start: date | None, end: date | None) -> tuple[str, str]:
    """Clamp a requested day range to the partitions that exist (KPI_START_DATE up to yesterday)."""
    keys = daily_partitions().get_partition_keys()
    if not keys:
        raise SystemExit("no complete day since KPI_START_DATE: nothing to build")
    first = max(keys[0], start.isoformat()) if start else keys[0]
    last = min(keys[-1], end.isoformat()) if end else keys[-1]
    if first > last:
        raise SystemExit(f"empty range: {first} is after {last} (partitions run {keys[0]} … {keys[-1]})")
    return first, last


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_abandoned_runs(instance: dg.DagsterInstance) -> list[str]:
    """Fail the runs of `kpi` processes that died (killed, OOM) and free the pool slots they held.

    Without this a killed build keeps the single DuckDB-writer slot and the next build waits for it forever.
    """
    recovered = []
    in_flight = dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING])
    for run in instance.get_runs(filters=in_flight):
        pid, host = run.tags.get(PID_TAG), run.tags.get(HOST_TAG)
        if pid and host == socket.gethostname() and not _alive(int(pid)):
            instance.report_run_failed(run, f"the kpi process {pid} that ran it is gone")
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            recovered.append(run.run_id)
    return recovered


def run_range(start: date | None = None, end: date | None = None, job_name: str = BUILD_JOB) -> bool:
    """Execute the job over [start, end] as a single run recorded in the Dagster instance; True on success."""
    from dagster_project.definitions import defs

    write_instance_config()
    first, last = partition_range(start, end)
    job = defs().resolve_job_def(job_name)
    with dg.DagsterInstance.get() as instance:
        for run_id in recover_abandoned_runs(instance):
            print(f"marked abandoned run {run_id} as failed and freed its slots")
        result = job.execute_in_process(
            instance=instance,
            # INFO shows each step's own messages (rows read/loaded/quarantined, check outcomes); DEBUG adds one
            # line per Dagster event, ten thousand for a two-year range.
            run_config={
                "loggers": {"console": {"config": {"log_level": os.environ.get("KPI_LOG_LEVEL", "INFO")}}}
            },
            tags={
                RANGE_START_TAG: first,
                RANGE_END_TAG: last,
                PID_TAG: str(os.getpid()),
                HOST_TAG: socket.gethostname(),
            },
            raise_on_error=False,
        )

    print(f"{job_name} {first}…{last}: {'succeeded' if result.success else 'FAILED'} (run {result.run_id})")
    for line in failure_summary(result):
        print(line)
    return result.success


def move_warehouse_aside() -> Path | None:
    """Rename the warehouse file (and its WAL) out of the way so that the next build starts a new one."""
    from datetime import UTC, datetime

    from dagster_project.environment import settings

    path = settings().warehouse_path
    if not path.exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.broken-{stamp}")
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        wal.rename(aside.with_name(aside.name + ".wal"))
    path.rename(aside)
    return aside


def _day(value: str | None) -> date | None:
    import click

    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _run(start: str | None, end: str | None, job_name: str = BUILD_JOB) -> None:
    """Run the job; a setting or profile that cannot be used is a usage error, not a traceback."""
    import click

    from dagster_project.environment import SettingError
    from dagster_project.profile import ProfileError

    first, last = _day(start), _day(end)
    try:
        ok = run_range(first, last, job_name)
    except (SettingError, ProfileError) as exc:
        raise click.UsageError(str(exc)) from None
    raise SystemExit(0 if ok else 1)


def register(group) -> None:
    """Add the `build` and `backfill` commands to the `kpi` command group."""
    import click

    @group.command("build")
    @click.option("--start", help="first day (default: KPI_START_DATE)")
    @click.option("--end", help="last day (default: yesterday)")
    @click.option(
        "--rebuild",
        is_flag=True,
        help="move the warehouse file aside (kept, renamed *.broken-<time>) and rebuild it from the sources",
    )
    def build_command(start: str | None, end: str | None, rebuild: bool) -> None:
        """Build everything — ingest, dbt, checks, serving snapshot — over a day range as one run."""
        if rebuild:
            if start:
                raise click.UsageError("--rebuild builds the whole history: leave out --start")
            aside = move_warehouse_aside()
            if aside:
                print(f"moved the old warehouse to {aside}; rebuilding it from the sources")
        _run(start, end)

    @group.command("check")
    @click.option("--start", help="first day (default: KPI_START_DATE)")
    @click.option("--end", help="last day (default: yesterday)")
    def check_command(start: str | None, end: str | None) -> None:
        """Re-check the loaded raw tables, rebuild the marts and republish, without ingesting again."""
        _run(start, end, REBUILD_JOB)

    @group.command("backfill")
    @click.option("--start", required=True, help="first day to reprocess, YYYY-MM-DD")
    @click.option("--end", required=True, help="last day to reprocess, YYYY-MM-DD")
    def backfill_command(start: str, end: str) -> None:
        """Reprocess a day range as ONE run (never one run per partition) and republish the snapshot."""
        _run(start, end)
