"""The exact optimum of a small day (≤ 12 stops) by dynamic programming over subsets, to audit the solver."""

from __future__ import annotations

import itertools
import math

from dagster_project.defs.routes.solver import Stop, Workday
from dagster_project.defs.routes.travel import TravelMatrix


def objective(stops: list[Stop], order: list[int], travel: TravelMatrix, cost_per_km: float) -> float:
    """Value collected minus the cost of the km driven for a tour home → order → home."""
    nodes = [0] + [i + 1 for i in order] + [0]
    km = sum(travel.km[a, b] for a, b in itertools.pairwise(nodes))
    return sum(stops[i].value for i in order) - cost_per_km * km


def optimum(
    day: Workday, stops: list[Stop], travel: TravelMatrix, cost_per_km: float
) -> tuple[float, list[int]]:
    """Best objective over every feasible tour keeping the most must-visits; labels (finish time, km) per
    (visited set, last stop) keep the DP exact with opening hours and waiting."""
    n = len(stops)
    if n > 12:
        raise ValueError("the exact optimum is only computed for up to 12 stops")
    windows = []
    for s in stops:
        lo = max(day.start_s, s.open_s if s.open_s is not None else day.start_s)
        hi = min(day.end_s, s.close_s if s.close_s is not None else day.end_s) - s.service_s
        windows.append((lo, hi))
    # labels[(mask, last)] = list of (finish_time, km, order) not dominated in both time and km
    labels: dict[tuple[int, int], list[tuple[float, float, tuple[int, ...]]]] = {}
    frontier = []
    for i in range(n):
        begin = max(day.start_s + travel.seconds[0, i + 1], windows[i][0])
        if begin <= windows[i][1]:
            key = (1 << i, i)
            labels[key] = [(begin + stops[i].service_s, travel.km[0, i + 1], (i,))]
            frontier.append(key)
    best = (_score(stops, 0, 0.0, cost_per_km), [])
    for size in range(1, n + 1):
        nxt_frontier = set()
        for mask, last in frontier:
            for finish, km, order in labels[(mask, last)]:
                if finish + travel.seconds[last + 1, 0] <= day.end_s:
                    total_km = km + travel.km[last + 1, 0]
                    score = _score(stops, mask, total_km, cost_per_km)
                    if score > best[0]:
                        best = (score, list(order))
                for j in range(n):
                    if mask & (1 << j):
                        continue
                    begin = max(finish + travel.seconds[last + 1, j + 1], windows[j][0])
                    if begin > windows[j][1]:
                        continue
                    key = (mask | (1 << j), j)
                    label = (begin + stops[j].service_s, km + travel.km[last + 1, j + 1], (*order, j))
                    kept = labels.setdefault(key, [])
                    if any(t <= label[0] and k <= label[1] for t, k, _ in kept):
                        continue
                    kept[:] = [x for x in kept if not (label[0] <= x[0] and label[1] <= x[1])] + [label]
                    nxt_frontier.add(key)
        frontier = sorted(nxt_frontier)
    return objective(stops, best[1], travel, cost_per_km), best[1]


def _score(stops: list[Stop], mask: int, km: float, cost_per_km: float) -> tuple[int, float]:
    """Lexicographic: due visits kept first, then value minus km cost (what the solver's penalties encode)."""
    due = sum(1 for i, s in enumerate(stops) if s.must and mask & (1 << i))
    value = sum(s.value for i, s in enumerate(stops) if mask & (1 << i))
    return due, value - cost_per_km * km if math.isfinite(km) else -math.inf
