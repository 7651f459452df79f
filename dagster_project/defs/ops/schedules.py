"""The daily build: yesterday's partition through ingest, dbt, checks and the serving snapshot."""

from __future__ import annotations

import dagster as dg

from dagster_project.environment import settings
from dagster_project.partitions import daily_partitions
from dagster_project.runs import BUILD_JOB, REBUILD_JOB


def build_job() -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        BUILD_JOB,
        selection=dg.AssetSelection.all(),
        description="Everything: ingest → dbt → checks → serving snapshot, for a day or a range in one run.",
    )


def rebuild_job() -> dg.UnresolvedAssetJobDefinition:
    ingest = dg.AssetSelection.groups("ingest")
    return dg.define_asset_job(
        REBUILD_JOB,
        selection=(dg.AssetSelection.all() - ingest) | dg.AssetSelection.all_asset_checks(),
        description="Re-check the raw tables already loaded, rebuild the marts and republish: no ingest.",
    )


def daily_build_schedule(job: dg.UnresolvedAssetJobDefinition) -> dg.ScheduleDefinition:
    """Every day at KPI_SCHEDULE_HOUR in KPI_SCHEDULE_TIMEZONE: build the newest complete day."""
    config = settings()

    @dg.schedule(
        name="daily_build",
        job=job,
        cron_schedule=f"0 {config.schedule_hour} * * *",
        execution_timezone=config.schedule_timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    def daily_build(context: dg.ScheduleEvaluationContext):
        # the newest complete day at the tick's time (this Dagster takes the time only in get_partition_keys)
        days = daily_partitions().get_partition_keys(current_time=context.scheduled_execution_time)
        day = days[-1] if days else None
        if day is None:
            return dg.SkipReason("no complete day since KPI_START_DATE")
        return dg.RunRequest(run_key=f"daily-{day}", partition_key=day)

    return daily_build
