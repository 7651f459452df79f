"""Operations domain: the build job, its daily schedule and failure notifications."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.ops.schedules import build_job, daily_build_schedule, rebuild_job
from dagster_project.defs.ops.sensors import email_data_team_on_failure


def build_defs() -> dg.Definitions:
    job = build_job()
    return dg.Definitions(
        jobs=[job, rebuild_job()], schedules=[daily_build_schedule(job)], sensors=[email_data_team_on_failure]
    )
