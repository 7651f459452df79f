"""The jobs, the run tags and the run window: what a run is asked to build, stated once for every domain.

The CLI runner (`kpi build`), the schedules and the file-drop sensor start runs with these job names and tags;
ingest, dbt, the checks, the failure e-mail and the serving snapshot's build_info read the window of a run from
`RunWindow.of(run)`, derived once from Dagster's own partition tags.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

BUILD_JOB = "build_all"
REBUILD_JOB = "rebuild_from_raw"

# Dagster's own partition tags: one partition, or a range run as one run (BackfillPolicy.single_run).
PARTITION_TAG = "dagster/partition"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
# Which process started a run (`kpi build` sets them so that a killed build's run can be failed later).
PID_TAG = "kpi/pid"
HOST_TAG = "kpi/host"
# How the run was asked for: Dagster tags the schedule's, the sensor's and the backfill's runs.
_ORIGIN_TAGS = (
    ("dagster/schedule_name", "schedule"),
    ("dagster/sensor_name", "sensor"),
    ("dagster/backfill", "backfill"),
    (PID_TAG, "cli"),
)


@dataclass(frozen=True)
class RunWindow:
    """The days a run builds (first and last inclusive; None for a run over whole tables) and how it got them."""

    start: date | None
    end: date | None
    # partition (one day), range (a day range as one run) or none (unpartitioned: whole tables)
    kind: str
    # schedule:<name>, sensor:<name>, backfill:<id>, cli or manual (the UI or an API call)
    origin: str

    @classmethod
    def of(cls, tags: Mapping[str, str]) -> RunWindow:
        """The window of a run from its tags."""
        origin = "manual"
        for tag, name in _ORIGIN_TAGS:
            if tags.get(tag):
                origin = name if name == "cli" else f"{name}:{tags[tag]}"
                break
        if tags.get(RANGE_START_TAG):
            start, end = tags[RANGE_START_TAG], tags.get(RANGE_END_TAG) or tags[RANGE_START_TAG]
            kind = "range"
        elif tags.get(PARTITION_TAG):
            start = end = tags[PARTITION_TAG]
            kind = "partition"
        else:
            return cls(None, None, "none", origin)
        first, last = date.fromisoformat(start), date.fromisoformat(end)
        if first > last:
            raise ValueError(f"run window {first} … {last}: the start is after the end")
        return cls(first, last, kind, origin)

    @property
    def is_windowed(self) -> bool:
        return self.start is not None

    @property
    def end_exclusive(self) -> date | None:
        """The day after the last (for half-open date comparisons)."""
        return self.end + timedelta(days=1) if self.end else None

    @property
    def partitions(self) -> tuple[str, ...]:
        """The partition keys (ISO days) the run covers; empty for a run over whole tables."""
        if self.start is None or self.end is None:
            return ()
        return tuple(
            (self.start + timedelta(days=i)).isoformat() for i in range((self.end - self.start).days + 1)
        )

    def dbt_env(self) -> dict[str, str]:
        """The window for dbt's partition_window macros (KPI_WINDOW_START / KPI_WINDOW_END); empty: a full build."""
        if self.start is None or self.end is None:
            return {}
        return {"KPI_WINDOW_START": self.start.isoformat(), "KPI_WINDOW_END": self.end.isoformat()}

    def label(self) -> str:
        """The window in words, for logs and e-mails."""
        if self.start is None:
            return "all data (no partition window)"
        days = len(self.partitions)
        span = str(self.start) if days == 1 else f"{self.start} … {self.end}"
        return f"{span} ({days} day{'s' if days != 1 else ''}, {self.kind}, {self.origin})"

    def build_info(self) -> dict[str, object]:
        """The columns of health.build_info that record the window."""
        return {
            "partition_start": self.start,
            "partition_end": self.end,
            "partition_count": len(self.partitions),
            "window_kind": self.kind,
            "run_origin": self.origin,
        }
