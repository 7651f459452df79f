"""The company's route-planning policy, read from its YAML file (KPI_ROUTES_CONFIG) and checked once."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class RouteConfigError(ValueError):
    """The route-planning configuration cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Tier:
    """An account tier: who belongs (revenue floor), how often they are due, how long a visit takes."""

    name: str
    min_revenue_365d: float
    visit_every_days: int | None
    visit_minutes: int


@dataclass(frozen=True)
class RouteConfig:
    """Working time, travel model, value trade-off, tiers and opening hours."""

    working_days: frozenset[int]
    start_s: int
    end_s: int
    start_from: str
    office: tuple[float, float] | None
    detour_factor: float
    speed_kmh: float
    cost_per_km: float
    max_candidates: int
    tiers: tuple[Tier, ...]
    default_hours: tuple[int, int] | None
    hours_by_account: dict[str, tuple[int, int]]

    def tier_of(self, revenue_365d: float) -> Tier:
        """The first tier from the top whose revenue floor the account reaches (the last one otherwise)."""
        for tier in self.tiers:
            if revenue_365d >= tier.min_revenue_365d:
                return tier
        return self.tiers[-1]

    def next_working_day(self, after: date) -> date:
        """The first working day strictly after `after`."""
        day = after + timedelta(days=1)
        while day.weekday() not in self.working_days:
            day += timedelta(days=1)
        return day


def _seconds(text: object, where: str) -> int:
    try:
        hours, minutes = str(text).split(":")
        value = int(hours) * 3600 + int(minutes) * 60
    except ValueError:
        raise RouteConfigError(f"{where}: {text!r} is not a time of day HH:MM") from None
    if not 0 <= value <= 24 * 3600:
        raise RouteConfigError(f"{where}: {text!r} is not a time of day HH:MM")
    return value


def load_config(path: Path) -> RouteConfig:
    """Read and validate the policy file; every mistake is reported with the file and key."""
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except OSError as exc:
        raise RouteConfigError(f"route configuration {path} cannot be read: {exc.strerror}") from exc
    where = str(path)
    try:
        days = frozenset(WEEKDAYS.index(str(d).lower()[:3]) for d in raw["working_days"])
        hours = raw["working_hours"]
        start_s = _seconds(hours["start"], f"{where}: working_hours.start")
        end_s = _seconds(hours["end"], f"{where}: working_hours.end")
        start_from = raw.get("start_from", "home")
        office = raw.get("office")
        travel = raw.get("travel") or {}
        tiers = tuple(
            Tier(
                name=str(t["tier"]),
                min_revenue_365d=float(t["min_revenue_365d"]),
                visit_every_days=None if t.get("visit_every_days") is None else int(t["visit_every_days"]),
                visit_minutes=int(t["visit_minutes"]),
            )
            for t in raw["tiers"]
        )
        opening = raw.get("opening_hours") or {}
    except KeyError as exc:
        raise RouteConfigError(f"{where}: missing key {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        raise RouteConfigError(f"{where}: {exc}") from None
    if not days or end_s <= start_s:
        raise RouteConfigError(
            f"{where}: working_days must name a day and working_hours end after they start"
        )
    if start_from not in ("home", "office"):
        raise RouteConfigError(f"{where}: start_from must be home or office, not {start_from!r}")
    if start_from == "office" and not (isinstance(office, dict) and {"lat", "lon"} <= set(office)):
        raise RouteConfigError(f"{where}: start_from office needs office: {{lat: …, lon: …}}")
    if not tiers:
        raise RouteConfigError(f"{where}: tiers must list at least one tier")
    default_hours = None
    if opening.get("default"):
        default_hours = (
            _seconds(opening["default"]["open"], f"{where}: opening_hours.default.open"),
            _seconds(opening["default"]["close"], f"{where}: opening_hours.default.close"),
        )
    by_account: dict[str, tuple[int, int]] = {}
    if opening.get("file"):
        hours_path = Path(opening["file"])
        hours_path = hours_path if hours_path.is_absolute() else path.parent / hours_path
        try:
            with open(hours_path, newline="") as handle:
                for line, row in enumerate(csv.DictReader(handle), start=2):
                    spot = f"{hours_path}:{line}"
                    by_account[row["account_id"]] = (
                        _seconds(row["open"], spot),
                        _seconds(row["close"], spot),
                    )
        except OSError as exc:
            raise RouteConfigError(
                f"{where}: opening_hours.file {hours_path} cannot be read: {exc.strerror}"
            ) from exc
        except KeyError as exc:
            raise RouteConfigError(
                f"{hours_path}: needs the columns account_id,open,close ({exc.args[0]!r})"
            ) from None
    return RouteConfig(
        working_days=days,
        start_s=start_s,
        end_s=end_s,
        start_from=start_from,
        office=(float(office["lat"]), float(office["lon"])) if start_from == "office" else None,
        detour_factor=float(travel.get("detour_factor", 1.3)),
        speed_kmh=float(travel.get("speed_kmh", 45)),
        cost_per_km=float(raw.get("cost_per_km", 0.5)),
        max_candidates=int(raw.get("max_candidates", 60)),
        tiers=tiers,
        default_hours=default_hours,
        hours_by_account=by_account,
    )
