"""The daily build: yesterday's partition through ingest, dbt, checks and the serving snapshot."""

from __future__ import annotations

import dagster as dg

from dagster_project.environment import settings

from dagster_project.build import BUILD_JOB


def build_job() -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        BUILD_JOB,
        selection=dg.AssetSelection.all(),
        description="Everything: ingest → dbt → checks → serving snapshot, for a day or a range in one run.",
    )


def daily_build_schedule(job: dg.UnresolvedAssetJobDefinition) -> dg.ScheduleDefinition:
    config = settings()
    return dg.build_schedule_from_partitioned_job(
        job,
        name="daily_build",
        hour_of_day=config.schedule_hour,
        execution_timezone=config.schedule_timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
