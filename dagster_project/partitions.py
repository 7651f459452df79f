"""The daily partitioning every partitioned asset of the chain shares."""

from __future__ import annotations

import dagster as dg

from dagster_project.environment import settings


def daily_partitions() -> dg.DailyPartitionsDefinition:
    """Days from KPI_START_DATE up to yesterday (UTC): a day is loaded once it is complete."""
    return dg.DailyPartitionsDefinition(start_date=settings().start_date.isoformat(), timezone="UTC")
