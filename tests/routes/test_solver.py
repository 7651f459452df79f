"""The route solver against exact optima, and what a rep is told when due visits do not fit."""

from __future__ import annotations

import numpy as np
import pytest

from dagster_project.defs.routes.exact import objective, optimum
from dagster_project.defs.routes.solver import Stop, Workday, solve_day
from dagster_project.defs.routes.travel import estimated_matrix

H = 3600


def _instance(seed: int, n: int, must: int, windows: bool):
    rng = np.random.default_rng(seed)
    lat = 45.0 + rng.normal(0, 0.3, n + 1)
    lon = 9.0 + rng.normal(0, 0.4, n + 1)
    stops = [
        Stop(
            f"a{i}",
            lat[i + 1],
            lon[i + 1],
            45 * 60,
            float(rng.gamma(2.0, 150.0)),
            i < must,
            10 * H if windows and i % 3 == 0 else None,
            14 * H if windows and i % 3 == 0 else None,
        )
        for i in range(n)
    ]
    return Workday(lat[0], lon[0], 8 * H, 17 * H), stops, estimated_matrix(lat, lon, 1.3, 50.0)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("windows", [False, True])
def test_small_days_are_within_one_percent_of_the_exact_optimum(seed, windows):
    day, stops, travel = _instance(seed, 9, must=2, windows=windows)
    plan = solve_day(day, stops, travel, cost_per_km=0.5, time_limit_s=1.0)
    best, best_order = optimum(day, stops, travel, cost_per_km=0.5)
    got = objective(stops, [v.stop for v in plan.visits], travel, 0.5)
    assert sum(stops[v.stop].must for v in plan.visits) == sum(stops[i].must for i in best_order)
    assert got >= best - 0.01 * abs(best)


def test_a_plan_respects_hours_opening_times_and_returns_home():
    day, stops, travel = _instance(3, 9, must=2, windows=True)
    plan = solve_day(day, stops, travel, cost_per_km=0.5, time_limit_s=0.3)
    assert plan.visits and day.start_s <= plan.leave_s and plan.return_s <= day.end_s
    clock = plan.leave_s
    previous = 0
    for visit in plan.visits:
        stop = stops[visit.stop]
        assert visit.arrival_s >= clock + travel.seconds[previous, visit.stop + 1] - 1
        assert visit.start_s >= max(visit.arrival_s, stop.open_s or 0)
        assert visit.departure_s == visit.start_s + stop.service_s
        assert stop.close_s is None or visit.departure_s <= stop.close_s
        assert visit.km_from_previous == pytest.approx(travel.km[previous, visit.stop + 1])
        clock, previous = visit.departure_s, visit.stop + 1
    assert plan.return_s >= clock + travel.seconds[previous, 0] - 1


def test_the_solver_drives_a_line_of_stops_out_and_back_once():
    # five accounts on a line east of home: the shortest tour is twice the distance to the farthest
    lat = np.array([45.0] * 6)
    lon = np.array([9.0, 9.4, 9.1, 9.3, 9.2, 9.5])
    stops = [Stop(f"a{i}", lat[i + 1], lon[i + 1], 20 * 60, 0.0, True) for i in range(5)]
    travel = estimated_matrix(lat, lon, 1.0, 60.0)
    plan = solve_day(Workday(45.0, 9.0, 8 * H, 17 * H), stops, travel, 0.5, 0.2)
    assert len(plan.visits) == 5
    assert plan.km_total == pytest.approx(2 * travel.km[0, 5], rel=1e-5)


def test_due_visits_beyond_the_working_day_are_dropped_with_a_reason():
    # eight due accounts of two hours each cannot fit a nine-hour day; one is too far for any round trip
    lat = np.array([45.0, 45.01, 45.02, 45.03, 45.04, 45.05, 45.06, 45.07, 45.08, 49.0])
    lon = np.full(10, 9.0)
    stops = [Stop(f"a{i}", lat[i + 1], lon[i + 1], 2 * H, 100.0 + i, True) for i in range(8)]
    stops.append(Stop("far", 49.0, 9.0, 30 * 60, 10_000.0, True))
    stops.append(Stop("closed", 45.0, 9.01, 60 * 60, 50.0, True, 16 * H + 30 * 60, 18 * H))
    lat = np.append(lat, 45.0)
    lon = np.append(lon, 9.01)
    travel = estimated_matrix(lat, lon, 1.3, 50.0)
    plan = solve_day(Workday(45.0, 9.0, 8 * H, 17 * H), stops, travel, 0.5, 0.3)
    kept = {stops[v.stop].account_id for v in plan.visits}
    dropped = {stops[i].account_id: why for i, why in plan.dropped_must.items()}
    assert len(kept) == 4 and set(dropped) == {"a0", "a1", "a2", "a3", "far", "closed"}
    assert kept == {"a4", "a5", "a6", "a7"}  # the more valuable due visits are kept
    assert "round trip" in dropped["far"] and "9.0 working hours" in dropped["far"]
    assert "opens at 16:30" in dropped["closed"] and "by 17:00" in dropped["closed"]
    assert "cannot fit all 10 due visits" in dropped["a0"] and "the 4 that fit were kept" in dropped["a0"]


def test_an_empty_day_is_a_plan_without_visits():
    plan = solve_day(
        Workday(45.0, 9.0, 8 * H, 17 * H), [], estimated_matrix([45.0], [9.0], 1.3, 50.0), 0.5, 0.1
    )
    assert plan.visits == [] and plan.km_total == 0 and plan.status == "no stops"
