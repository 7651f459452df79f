"""Operations domain: the build job, its daily schedule and failure notifications."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.ops.schedules import build_job, daily_build_schedule
from dagster_project.defs.ops.sensors import email_data_team_on_failure


def build_defs() -> dg.Definitions:
    job = build_job()
    return dg.Definitions(
        jobs=[job], schedules=[daily_build_schedule(job)], sensors=[email_data_team_on_failure]
    )
