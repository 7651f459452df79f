"""Reality against the solver: the field visits a rep made each past day, driven in the order they happened
and re-sequenced by the solver, from and back to the same home."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from dagster_project.defs.routes.config import RouteConfig
from dagster_project.defs.routes.solver import Stop, Workday, solve_day

RESEQUENCED_SCHEMA = {
    "visit_date": "date",
    "rep_id": "varchar",
    "visits": "integer",
    "visits_without_position": "integer",
    "actual_km": "double",
    "resequenced_km": "double",
    "km_saved": "double",
    "km_saved_pct": "double",
    "actual_drive_hours": "double",
    "resequenced_drive_hours": "double",
    "hours_saved": "double",
    "travel_source": "varchar",
}
RESEQUENCED_COLUMNS = list(RESEQUENCED_SCHEMA)


def resequence_days(
    visits: pd.DataFrame, reps: pd.DataFrame, cfg: RouteConfig, travel_fn, time_limit_s: float
) -> pd.DataFrame:
    """One row per rep and day with at least two routable visits: km and driving hours as driven and as
    re-sequenced; visits without a usable position are counted, not routed."""
    homes = {
        r.rep_id: (
            cfg.office if cfg.start_from == "office" else (float(r.home_latitude), float(r.home_longitude))
        )
        for r in reps.itertuples(index=False)
        if cfg.start_from == "office" or not isinstance(r.home_issue, str)
    }
    rows = []
    for (rep_id, day), group in visits.groupby(["rep_id", "visit_date"], sort=True):
        if rep_id not in homes:
            continue
        group = group.sort_values("visit_order")
        usable = group[group["location_issue"].isna()]
        if len(usable) < 2:
            continue
        home = homes[rep_id]
        lat = np.array([home[0], *usable["latitude"]], dtype=float)
        lon = np.array([home[1], *usable["longitude"]], dtype=float)
        travel = travel_fn(lat, lon)
        n = len(usable)
        actual = [0, *range(1, n + 1), 0]
        actual_km = float(sum(travel.km[a, b] for a, b in itertools.pairwise(actual)))
        actual_s = float(sum(travel.seconds[a, b] for a, b in itertools.pairwise(actual)))
        # the same visits, all required, with no clock limit: only the order changes
        stops = [Stop(str(i), lat[i + 1], lon[i + 1], 0, 0.0, True) for i in range(n)]
        plan = solve_day(Workday(home[0], home[1], 0, 7 * 86_400), stops, travel, 1.0, time_limit_s)
        order = [0, *[v.stop + 1 for v in plan.visits], 0]
        best_km = float(sum(travel.km[a, b] for a, b in itertools.pairwise(order)))
        best_s = float(sum(travel.seconds[a, b] for a, b in itertools.pairwise(order)))
        rows.append(
            {
                "visit_date": day,
                "rep_id": rep_id,
                "visits": n,
                "visits_without_position": len(group) - n,
                "actual_km": round(actual_km, 3),
                "resequenced_km": round(best_km, 3),
                "km_saved": round(actual_km - best_km, 3),
                "km_saved_pct": round(100 * (actual_km - best_km) / actual_km, 2) if actual_km else None,
                "actual_drive_hours": round(actual_s / 3600, 3),
                "resequenced_drive_hours": round(best_s / 3600, 3),
                "hours_saved": round((actual_s - best_s) / 3600, 3),
                "travel_source": travel.source,
            }
        )
    return pd.DataFrame(rows, columns=RESEQUENCED_COLUMNS)
