"""The demo world's scale, calendar, anomalies and seeded random streams."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

DAY = 86_400
HOUR = 3_600

# SF1 volumes per day (two-year totals / 730); every count below is multiplied by the scale factor.
NONPAID_LEADS_PER_DAY = {"organic": 35.0, "referral": 15.0, "events": 15.0}
PAID_LEADS_PER_DAY = 72.0
DIRECT_DEALS_PER_DAY = 2.7  # upsell deals on existing accounts, without a lead
REPEAT_ORDERS_PER_DAY = 390.0
WEB_ORDERS_PER_DAY = 20.0
BASE_ACCOUNTS = 4_000  # accounts that exist before the first day
REPS = 50
CAMPAIGNS_PER_PLATFORM = 40

# Anomalies, as day offsets from --start (documented in docs/demo-data.md).
SPIKE_DAYS = (20, 21, 22)
SPIKE_FACTOR = 10.0
LOW_CONVERSION_DAYS = range(35, 42)
LOW_CONVERSION_FACTOR = 0.4
TEAM_MOVE_DAY = 40

_WEEKDAY = np.array([1.12, 1.15, 1.15, 1.12, 1.02, 0.42, 0.32])
_WEEKDAY = _WEEKDAY / _WEEKDAY.mean()


class DemoDataError(ValueError):
    """The arguments or the sources folder do not allow the requested run."""


@dataclass(frozen=True)
class Config:
    """One generator run: scale factor, seed, first day and number of days (the cut is the end of the last day)."""

    scale: float
    seed: int
    start: date
    days: int

    def __post_init__(self) -> None:
        if self.scale <= 0:
            raise DemoDataError(f"--scale must be positive, got {self.scale}")
        if self.days < 1:
            raise DemoDataError(f"--days must be at least 1, got {self.days}")
        if self.seed < 0:
            raise DemoDataError(f"--seed must be a non-negative integer, got {self.seed}")

    @property
    def cut(self) -> int:
        """Seconds from the start to the end of the last day: nothing at or after it has happened yet."""
        return self.days * DAY

    @property
    def last_day(self) -> date:
        return self.start + timedelta(days=self.days - 1)

    def day(self, offset: int) -> date:
        return self.start + timedelta(days=int(offset))

    def count(self, per_day_sf1: float, minimum: int = 0) -> int:
        return max(minimum, round(per_day_sf1 * self.scale))


def stream(seed: int, name: str, index: int = 0) -> np.random.Generator:
    """An independent random stream per (seed, purpose, day): draws for a day never depend on --days."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence([seed, zlib.crc32(name.encode()), index]))
    )


def day_factor(start: date, offsets: np.ndarray | int) -> np.ndarray:
    """Demand multiplier per day: weekly cycle (quiet weekends) times yearly seasonality (peak in October)."""
    days = np.datetime64(start, "D") + np.asarray(offsets, dtype="int64")
    weekday = (days.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    day_of_year = (days - days.astype("datetime64[Y]")).astype("int64")
    yearly = 1.0 + 0.18 * np.cos(2 * np.pi * (day_of_year - 290) / 365.25)
    return _WEEKDAY[weekday] * yearly


def intraday_seconds(
    rng: np.random.Generator, n: int, mean_hour: float = 13.0, sd_hour: float = 3.2
) -> np.ndarray:
    """Seconds into a day, concentrated in working hours."""
    hours = np.clip(rng.normal(mean_hour, sd_hour, n), 6.0, 23.5)
    return (hours * HOUR).astype(np.int64)


def iso(start: date, seconds: np.ndarray, sep: str = "T", zulu: bool = True) -> np.ndarray:
    """Format seconds-from-start as ISO-8601 text (object array; negative = before the start)."""
    if np.size(seconds) == 0:
        return np.zeros(0, dtype=object)
    stamps = np.datetime64(start, "s") + np.asarray(seconds, dtype="int64").astype("timedelta64[s]")
    text = np.datetime_as_string(stamps, unit="s")
    if sep != "T":
        text = np.char.replace(text, "T", sep)
    if zulu:
        text = np.char.add(text, "Z")
    return text.astype(object)


def dates(start: date, seconds: np.ndarray) -> np.ndarray:
    """Format seconds-from-start as YYYY-MM-DD (object array)."""
    days = np.datetime64(start, "D") + np.floor_divide(np.asarray(seconds, dtype="int64"), DAY).astype(
        "timedelta64[D]"
    )
    return np.datetime_as_string(days, unit="D").astype(object)


def nullable(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """An object array with None where `present` is false (NDJSON null / SQL NULL)."""
    out = np.asarray(values, dtype=object).copy()
    out[~np.asarray(present, dtype=bool)] = None
    return out


def lookup(labels: list, index: np.ndarray) -> np.ndarray:
    """Map integer indices to labels; index -1 maps to None."""
    table = np.array(list(labels) + [None], dtype=object)
    return table[np.asarray(index, dtype=np.int64)]
