"""Plans for every rep on one day: candidates from the marts, one solver run per rep, rows for the route marts."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from multiprocessing import get_context

import numpy as np
import pandas as pd

from dagster_project.defs.routes.baseline import greedy_day
from dagster_project.defs.routes.config import RouteConfig
from dagster_project.defs.routes.render import route_svg, svg_data_uri
from dagster_project.defs.routes.solver import Plan, Stop, Workday, solve_day
from dagster_project.defs.routes.travel import TravelMatrix, estimated_matrix, osrm_matrix

NO_SCORES = "no opportunity scores yet: due visits only"

# The route marts' columns and types (the tables are created from these, so an all-null column keeps its type).
PLAN_SCHEMA = {
    "plan_date": "date",
    "rep_id": "varchar",
    "stop_order": "integer",
    "stop_type": "varchar",
    "account_id": "varchar",
    "account_name": "varchar",
    "latitude": "double",
    "longitude": "double",
    "arrival_at": "timestamp",
    "departure_at": "timestamp",
    "km_from_previous": "double",
    "value": "double",
    "tier": "varchar",
    "is_due": "boolean",
    "reason": "varchar",
    "is_latest": "boolean",
}
DAY_SCHEMA = {
    "plan_date": "date",
    "rep_id": "varchar",
    "full_name": "varchar",
    "status": "varchar",
    "visits": "integer",
    "due_visits": "integer",
    "due_dropped": "integer",
    "km_total": "double",
    "drive_hours": "double",
    "leave_at": "timestamp",
    "return_at": "timestamp",
    "working_hours": "double",
    "value_planned": "double",
    "value_per_hour": "double",
    "greedy_visits": "integer",
    "greedy_km": "double",
    "greedy_value_per_hour": "double",
    "value_basis": "varchar",
    "travel_source": "varchar",
    "directions_url": "varchar",
    "route_map_uri": "varchar",
    "is_latest": "boolean",
}
DROPPED_SCHEMA = {
    "plan_date": "date",
    "rep_id": "varchar",
    "account_id": "varchar",
    "account_name": "varchar",
    "tier": "varchar",
    "reason": "varchar",
}
PLAN_COLUMNS, DAY_COLUMNS, DROPPED_COLUMNS = list(PLAN_SCHEMA), list(DAY_SCHEMA), list(DROPPED_SCHEMA)


@dataclass(frozen=True)
class RepDay:
    """Everything one rep's plan needs, small enough to send to a worker process."""

    rep_id: str
    full_name: str
    day: date
    home: tuple[float, float] | None
    home_issue: str | None
    candidates: (
        pd.DataFrame
    )  # account_id, account_name, latitude, longitude, tier, is_due, value, minutes, why
    overflow: pd.DataFrame  # due accounts beyond max_candidates, reported as dropped
    value_basis: str


def candidates_for_day(
    day: date, reps: pd.DataFrame, accounts: pd.DataFrame, scores: pd.DataFrame | None, cfg: RouteConfig
) -> list[RepDay]:
    """One RepDay per active rep: due accounts (by tier and last visit) and the best-valued others."""
    accounts = accounts[accounts["location_issue"].isna()].copy()
    tiers = [cfg.tier_of(r) for r in accounts["revenue_365d"].fillna(0.0)]
    accounts["tier"] = [t.name for t in tiers]
    accounts["minutes"] = [t.visit_minutes for t in tiers]
    every = pd.Series([t.visit_every_days for t in tiers], index=accounts.index, dtype="Float64")
    last = pd.to_datetime(accounts["last_visit_date"])
    since = (pd.Timestamp(day) - last).dt.days.astype("Float64")
    accounts["is_due"] = every.notna() & (last.isna() | (since >= every)).fillna(True)
    accounts["overdue_days"] = (since - every).fillna(1e6)
    accounts["why"] = np.where(
        last.isna(), "due: never visited", "due: last visit " + last.dt.strftime("%Y-%m-%d").fillna("")
    )
    if scores is not None and len(scores):
        value = scores.drop_duplicates("account_id", keep="last").set_index("account_id")["expected_value"]
        accounts["value"] = accounts["account_id"].map(value).astype(float)
        models = sorted(scores["model_version"].dropna().astype(str).unique())
        basis = f"expected value ({', '.join(models) or 'unnamed model'})"
    else:
        accounts["value"] = np.nan
        basis = NO_SCORES
    accounts.loc[~accounts["is_due"], "why"] = "expected value"
    by_rep = dict(tuple(accounts.groupby("rep_id", sort=False)))
    out = []
    for rep in reps.itertuples(index=False):
        if not bool(rep.is_active):
            continue
        mine = by_rep.get(rep.rep_id, accounts.iloc[0:0])
        due = mine[mine["is_due"]].sort_values(["overdue_days", "value"], ascending=False)
        optional = mine[~mine["is_due"] & (mine["value"] > 0)].sort_values("value", ascending=False)
        chosen = pd.concat([due.head(cfg.max_candidates), optional.head(cfg.max_candidates)])
        if cfg.start_from == "office":
            home, issue = cfg.office, None
        else:
            issue = rep.home_issue if isinstance(rep.home_issue, str) else None
            home = None if issue else (float(rep.home_latitude), float(rep.home_longitude))
        out.append(
            RepDay(
                rep_id=rep.rep_id,
                full_name=rep.full_name,
                day=day,
                home=home,
                home_issue=issue,
                candidates=chosen[
                    [
                        "account_id",
                        "account_name",
                        "latitude",
                        "longitude",
                        "tier",
                        "is_due",
                        "value",
                        "minutes",
                        "why",
                    ]
                ].reset_index(drop=True),
                overflow=due.iloc[cfg.max_candidates :][["account_id", "account_name", "tier"]],
                value_basis=basis,
            )
        )
    return out


def travel_matrix(points_lat, points_lon, cfg: RouteConfig, routing_url: str | None) -> TravelMatrix:
    """The configured travel model over home + stops."""
    if routing_url:
        return osrm_matrix(routing_url, points_lat, points_lon)
    return estimated_matrix(points_lat, points_lon, cfg.detour_factor, cfg.speed_kmh)


def plan_rep(rep: RepDay, cfg: RouteConfig, routing_url: str | None, time_limit_s: float):
    """Solve one rep's day; returns (stop rows, day row, dropped rows) ready for the marts."""
    day_start = datetime.combine(rep.day, datetime.min.time())
    at = lambda s: day_start + timedelta(seconds=int(s))
    dropped = [
        {
            "plan_date": rep.day,
            "rep_id": rep.rep_id,
            "account_id": r.account_id,
            "account_name": r.account_name,
            "tier": r.tier,
            "reason": f"more than {cfg.max_candidates} due visits: the most overdue entered the plan",
        }
        for r in rep.overflow.itertuples(index=False)
    ]
    summary = {c: None for c in DAY_COLUMNS} | {
        "plan_date": rep.day,
        "rep_id": rep.rep_id,
        "full_name": rep.full_name,
        "value_basis": rep.value_basis,
    }
    if rep.home is None:
        reason = f"no plan: the rep's home has {rep.home_issue or 'no position'}"
        summary |= {
            "status": reason,
            "visits": 0,
            "due_visits": 0,
            "due_dropped": int(rep.candidates["is_due"].sum()) + len(rep.overflow),
        }
        dropped += [
            {
                "plan_date": rep.day,
                "rep_id": rep.rep_id,
                "account_id": c.account_id,
                "account_name": c.account_name,
                "tier": c.tier,
                "reason": reason,
            }
            for c in rep.candidates[rep.candidates["is_due"]].itertuples(index=False)
        ]
        return [], summary, dropped
    c = rep.candidates
    stops = [
        Stop(
            r.account_id,
            float(r.latitude),
            float(r.longitude),
            int(r.minutes) * 60,
            0.0 if pd.isna(r.value) else float(r.value),
            bool(r.is_due),
            *_hours(cfg, r.account_id),
        )
        for r in c.itertuples(index=False)
    ]
    lat = np.array([rep.home[0], *c["latitude"]], dtype=float)
    lon = np.array([rep.home[1], *c["longitude"]], dtype=float)
    travel = travel_matrix(lat, lon, cfg, routing_url)
    workday = Workday(rep.home[0], rep.home[1], cfg.start_s, cfg.end_s)
    started = time.perf_counter()
    plan = solve_day(workday, stops, travel, cfg.cost_per_km, time_limit_s)
    solve_seconds = time.perf_counter() - started
    greedy = greedy_day(workday, stops, travel)

    rows = [
        {
            "plan_date": rep.day,
            "rep_id": rep.rep_id,
            "stop_order": 0,
            "stop_type": "start",
            "account_id": None,
            "account_name": "Start",
            "latitude": rep.home[0],
            "longitude": rep.home[1],
            "arrival_at": None,
            "departure_at": at(plan.leave_s),
            "km_from_previous": 0.0,
            "value": None,
            "tier": None,
            "is_due": None,
            "reason": None,
        }
    ]
    for order, visit in enumerate(plan.visits, start=1):
        r = c.iloc[visit.stop]
        rows.append(
            {
                "plan_date": rep.day,
                "rep_id": rep.rep_id,
                "stop_order": order,
                "stop_type": "visit",
                "account_id": r.account_id,
                "account_name": r.account_name,
                "latitude": float(r.latitude),
                "longitude": float(r.longitude),
                "arrival_at": at(visit.arrival_s),
                "departure_at": at(visit.departure_s),
                "km_from_previous": round(visit.km_from_previous, 3),
                "value": None if pd.isna(r.value) else float(r.value),
                "tier": r.tier,
                "is_due": bool(r.is_due),
                "reason": r.why,
            }
        )
    rows.append(
        {
            "plan_date": rep.day,
            "rep_id": rep.rep_id,
            "stop_order": len(plan.visits) + 1,
            "stop_type": "end",
            "account_id": None,
            "account_name": "End",
            "latitude": rep.home[0],
            "longitude": rep.home[1],
            "arrival_at": at(plan.return_s),
            "departure_at": None,
            "km_from_previous": round(plan.km_home, 3),
            "value": None,
            "tier": None,
            "is_due": None,
            "reason": None,
        }
    )
    dropped += [
        {
            "plan_date": rep.day,
            "rep_id": rep.rep_id,
            "account_id": c.iloc[i].account_id,
            "account_name": c.iloc[i].account_name,
            "tier": c.iloc[i].tier,
            "reason": why,
        }
        for i, why in sorted(plan.dropped_must.items())
    ]
    hours = (plan.return_s - plan.leave_s) / 3600 if plan.visits else 0.0
    value = float(np.nansum([stops[v.stop].value for v in plan.visits]))
    g_hours = (greedy.return_s - greedy.leave_s) / 3600 if greedy.visits else 0.0
    g_value = float(np.nansum([stops[v.stop].value for v in greedy.visits]))
    drive_s = sum(travel.seconds[a, b] for a, b in _legs(plan))
    summary |= {
        "status": plan.status if plan.visits or plan.status != "planned" else "nothing to visit",
        "visits": len(plan.visits),
        "due_visits": sum(1 for v in plan.visits if stops[v.stop].must),
        "due_dropped": len(plan.dropped_must) + len(rep.overflow),
        "km_total": round(plan.km_total, 3),
        "drive_hours": round(drive_s / 3600, 3),
        "leave_at": at(plan.leave_s) if plan.visits else None,
        "return_at": at(plan.return_s) if plan.visits else None,
        "working_hours": round(hours, 3),
        "value_planned": value,
        "value_per_hour": value / hours if hours else None,
        "greedy_visits": len(greedy.visits),
        "greedy_km": round(greedy.km_total, 3),
        "greedy_value_per_hour": g_value / g_hours if g_hours else None,
        "travel_source": travel.source,
        "solve_seconds": round(solve_seconds, 3),
        "directions_url": directions_url([(r["latitude"], r["longitude"]) for r in rows])
        if plan.visits
        else None,
        # the map as an image the dashboard can show without any map service
        "route_map_uri": svg_data_uri(route_svg(pd.DataFrame(rows))) if plan.visits else None,
    }
    return rows, summary, dropped


def _legs(plan: Plan):
    nodes = [0] + [v.stop + 1 for v in plan.visits] + [0]
    return list(itertools.pairwise(nodes)) if plan.visits else []


def _hours(cfg: RouteConfig, account_id: str) -> tuple[int | None, int | None]:
    hours = cfg.hours_by_account.get(account_id, cfg.default_hours)
    return hours if hours else (None, None)


def directions_url(points: list[tuple[float, float]]) -> str:
    """A turn-by-turn link through every point in order (Google Maps' path form, which any phone opens)."""
    return "https://www.google.com/maps/dir/" + "/".join(f"{lat:.6f},{lon:.6f}" for lat, lon in points)


def _plan_one(args):
    rep, cfg, routing_url, time_limit_s = args
    return plan_rep(rep, cfg, routing_url, time_limit_s)


def plan_all(
    reps: list[RepDay],
    cfg: RouteConfig,
    routing_url: str | None,
    time_limit_s: float,
    workers: int,
    progress: Callable[[int], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Plan every rep (in `workers` processes when more than one) and return the three mart frames."""
    jobs = [(rep, cfg, routing_url, time_limit_s) for rep in reps]
    if workers > 1 and len(jobs) > 1:
        # spawn, not fork: the caller may hold an open DuckDB connection and threads
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            results = list(pool.map(_plan_one, jobs, chunksize=max(1, len(jobs) // (workers * 4))))
    else:
        results = [_plan_one(job) for job in jobs]
    stops = [row for rows, _, _ in results for row in rows]
    days = [summary for _, summary, _ in results]
    dropped = [row for _, _, rows in results for row in rows]
    return (
        pd.DataFrame(stops, columns=PLAN_COLUMNS),
        # the solver's wall time is for benchmarks only: a mart holds what the plan is, so re-planning is idempotent
        pd.DataFrame(days, columns=[*DAY_COLUMNS, "solve_seconds"]),
        pd.DataFrame(dropped, columns=DROPPED_COLUMNS),
    )
