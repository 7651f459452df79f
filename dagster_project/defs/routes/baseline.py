"""The baseline a rep would follow without a solver: go to the highest-priority account, then always the nearest."""

from __future__ import annotations

import math

from dagster_project.defs.routes.solver import Plan, Stop, Visit, Workday
from dagster_project.defs.routes.travel import TravelMatrix


def greedy_day(day: Workday, stops: list[Stop], travel: TravelMatrix) -> Plan:
    """First the highest-priority stop (due before others, then by value); from there the nearest stop that still
    fits its opening hours and the drive home, due stops before others, until none fits."""
    left = set(range(len(stops)))
    visits: list[Visit] = []
    node, clock = 0, day.start_s
    first = True
    while left:
        options = []
        for i in left:
            start = _fits(day, stops[i], travel, node, i + 1, clock)
            if start is not None:
                options.append((i, start))
        if not options:
            break
        if first:
            i, start = max(options, key=lambda o: (stops[o[0]].must, stops[o[0]].value))
            first = False
        else:
            i, start = min(options, key=lambda o: (not stops[o[0]].must, travel.km[node, o[0] + 1]))
        arrival = clock + round(travel.seconds[node, i + 1])
        visits.append(Visit(i, arrival, start, start + stops[i].service_s, float(travel.km[node, i + 1])))
        clock, node = start + stops[i].service_s, i + 1
        left.remove(i)
    back = clock + round(travel.seconds[node, 0]) if visits else day.start_s
    return Plan(visits=visits, leave_s=day.start_s, return_s=back, km_home=float(travel.km[node, 0]))


def _fits(day: Workday, stop: Stop, travel: TravelMatrix, here: int, there: int, clock: int) -> int | None:
    """When service could start at `there` leaving `here` at `clock`, or None if the day cannot hold it."""
    leg, home = travel.seconds[here, there], travel.seconds[there, 0]
    if not (math.isfinite(leg) and math.isfinite(home)):
        return None
    start = max(clock + round(leg), stop.open_s if stop.open_s is not None else day.start_s)
    end = start + stop.service_s
    if stop.close_s is not None and end > stop.close_s:
        return None
    return start if end + home <= day.end_s else None
