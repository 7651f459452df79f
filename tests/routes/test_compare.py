"""Past days against the solver: the visits as driven (in the order they happened) and re-sequenced."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from dagster_project.defs.routes.compare import resequence_days
from dagster_project.defs.routes.config import load_config
from dagster_project.defs.routes.travel import estimated_matrix
from dagster_project.environment import REPO_ROOT

CONFIG = load_config(Path(REPO_ROOT / "dagster_project" / "defs" / "routes" / "routes.yaml"))


def _travel(lat, lon):
    return estimated_matrix(lat, lon, CONFIG.detour_factor, CONFIG.speed_kmh)


def test_a_zigzag_day_is_resequenced_and_unusable_positions_are_counted():
    day = date(2030, 1, 7)
    # four accounts on a line east of home, visited 3rd-farthest, nearest, farthest, 2nd: a zig-zag
    lons = [9.3, 9.1, 9.4, 9.2]
    visits = pd.DataFrame(
        {
            "activity_id": ["v1", "v2", "v3", "v4", "v5"],
            "rep_id": "R1",
            "account_id": ["a", "b", "c", "d", "e"],
            "occurred_at": [datetime(2030, 1, 7, 9 + i) for i in range(5)],
            "visit_date": day,
            "duration_min": 30.0,
            "latitude": [45.0, 45.0, 45.0, 45.0, 0.0],
            "longitude": [*lons, 0.0],
            "location_issue": [None, None, None, None, "coordinates at (0, 0)"],
            "visit_order": [1, 2, 3, 4, 5],
        }
    )
    reps = pd.DataFrame(
        {
            "rep_id": ["R1", "R2"],
            "home_latitude": [45.0, None],
            "home_longitude": [9.0, None],
            "home_issue": [None, "missing coordinates"],
        }
    )
    out = resequence_days(visits, reps, CONFIG, _travel, 0.2)
    row = out.iloc[0]
    assert len(out) == 1 and row["visits"] == 4 and row["visits_without_position"] == 1
    travel = _travel([45.0, 45.0, 45.0, 45.0, 45.0], [9.0, *lons])
    driven = sum(travel.km[a, b] for a, b in [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0)])
    assert row["actual_km"] == pytest.approx(driven, rel=1e-3)
    assert row["resequenced_km"] == pytest.approx(
        2 * travel.km[0, 3], rel=1e-3
    )  # out to the farthest and back
    assert row["km_saved_pct"] == pytest.approx(100 * (driven - 2 * travel.km[0, 3]) / driven, abs=0.01)
    assert row["hours_saved"] == pytest.approx(row["km_saved"] / CONFIG.speed_kmh, rel=1e-3)


def test_a_day_already_in_the_best_order_saves_nothing():
    visits = pd.DataFrame(
        {
            "activity_id": ["v1", "v2"],
            "rep_id": "R1",
            "account_id": ["a", "b"],
            "occurred_at": [datetime(2030, 1, 7, 9), datetime(2030, 1, 7, 11)],
            "visit_date": date(2030, 1, 7),
            "duration_min": 30.0,
            "latitude": [45.0, 45.0],
            "longitude": [9.1, 9.2],
            "location_issue": [None, None],
            "visit_order": [1, 2],
        }
    )
    reps = pd.DataFrame(
        {"rep_id": ["R1"], "home_latitude": [45.0], "home_longitude": [9.0], "home_issue": [None]}
    )
    out = resequence_days(visits, reps, CONFIG, _travel, 0.1)
    assert out.iloc[0]["km_saved"] == pytest.approx(0.0, abs=1e-6)
