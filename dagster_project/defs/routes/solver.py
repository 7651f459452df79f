"""One rep's day as a prize-collecting vehicle-routing problem, solved with OR-Tools routing."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from dagster_project.defs.routes.travel import TravelMatrix

UNREACHABLE = 10**9
EXTRA_OPERATORS: tuple[str, ...] = ()
EXTRA_ON = 1  # seconds and cents of a leg the routing server could not route


@dataclass(frozen=True)
class Stop:
    """An account the rep may visit: where, how long, how valuable, whether it is due, when it is open."""

    account_id: str
    lat: float
    lon: float
    service_s: int
    value: float
    must: bool
    open_s: int | None = None
    close_s: int | None = None


@dataclass(frozen=True)
class Workday:
    """Where the rep's day starts and ends and the working hours, in seconds after midnight."""

    home_lat: float
    home_lon: float
    start_s: int
    end_s: int


@dataclass(frozen=True)
class Visit:
    """A planned stop: index into the stops given, arrival, start of service, departure, km from the previous point."""

    stop: int
    arrival_s: int
    start_s: int
    departure_s: int
    km_from_previous: float


@dataclass
class Plan:
    """A solved day: the ordered visits, the drive home, and every dropped must-visit with its reason."""

    visits: list[Visit]
    leave_s: int
    return_s: int
    km_home: float
    dropped_must: dict[int, str] = field(default_factory=dict)
    status: str = "planned"

    @property
    def km_total(self) -> float:
        return sum(v.km_from_previous for v in self.visits) + self.km_home


def _cents(x: float) -> int:
    return UNREACHABLE if not math.isfinite(x) else round(x * 100)


def solve_day(
    day: Workday,
    stops: list[Stop],
    travel: TravelMatrix,
    cost_per_km: float,
    time_limit_s: float,
) -> Plan:
    """Choose and order the day's visits: every feasible must-visit, then as much prize as the hours allow minus km
    cost; `travel` covers the home (index 0) and the stops (1…n) in order."""
    windows = [_window(day, s) for s in stops]
    # A stop whose opening hours cannot hold its visit inside the working day never enters the model.
    keep = [i for i, (lo, hi) in enumerate(windows) if lo <= hi]
    if not keep:
        plan = Plan(
            visits=[],
            leave_s=day.start_s,
            return_s=day.start_s,
            km_home=0.0,
            status="no stops" if not stops else "no stop fits the working hours",
        )
    else:
        plan = _solve(day, stops, windows, travel, cost_per_km, time_limit_s, keep)
    visited = {v.stop for v in plan.visits}
    plan.dropped_must = {
        i: explain_dropped(day, stops, i, travel, visited)
        for i, s in enumerate(stops)
        if s.must and i not in visited
    }
    return plan


def _window(day: Workday, stop: Stop) -> tuple[int, int]:
    """Earliest and latest start of service: inside the working day, and finished by closing time."""
    lo = max(day.start_s, stop.open_s if stop.open_s is not None else day.start_s)
    hi = min(day.end_s, stop.close_s if stop.close_s is not None else day.end_s) - stop.service_s
    return lo, hi


def _solve(
    day: Workday,
    stops: list[Stop],
    windows,
    travel: TravelMatrix,
    cost_per_km: float,
    time_limit_s: float,
    keep: list[int],
) -> Plan:
    """Search everything at once; if that leaves due visits out while optional ones are in, check against a search
    of the due stops alone and, if that fits more of them (local search can settle on fewer), search again from its
    route. Worst case 1¾ × the time limit."""
    full = _route(day, stops, windows, travel, cost_per_km, time_limit_s, keep)
    due = [i for i in keep if stops[i].must]
    kept_due = sum(stops[v.stop].must for v in full.visits)
    if kept_due == len(due) or len(due) == len(keep):
        return full
    alone = _route(day, stops, windows, travel, cost_per_km, time_limit_s / 4, due)
    kept = [v.stop for v in alone.visits]
    if kept_due >= len(kept):
        return full
    nodes = kept + [i for i in keep if not stops[i].must]
    again = _route(day, stops, windows, travel, cost_per_km, time_limit_s / 2, nodes, start=kept)
    return again if sum(stops[v.stop].must for v in again.visits) >= len(kept) else alone


def _route(
    day: Workday,
    stops: list[Stop],
    windows,
    travel: TravelMatrix,
    cost_per_km: float,
    time_limit_s: float,
    nodes: list[int],
    start: list[int] | None = None,
) -> Plan:
    """One OR-Tools search over `nodes` (indices into stops), from the insertion heuristic's first solution or
    from the route `start` when given."""
    n = len(nodes)
    pick = np.array([0] + [i + 1 for i in nodes])
    km = travel.km[np.ix_(pick, pick)]
    seconds = travel.seconds[np.ix_(pick, pick)]
    sub = [stops[i] for i in nodes]
    seconds_int = np.where(np.isfinite(seconds), np.rint(seconds), UNREACHABLE).astype(np.int64)
    service = np.array([0] + [s.service_s for s in sub], dtype=np.int64)
    time_matrix = (seconds_int + service[:, None]).tolist()
    cost_matrix = [[_cents(km[i, j] * cost_per_km) for j in range(n + 1)] for i in range(n + 1)]

    manager = pywrapcp.RoutingIndexManager(n + 1, 1, 0)
    routing = pywrapcp.RoutingModel(manager)
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(cost_matrix))
    time_cb = routing.RegisterTransitMatrix(time_matrix)
    routing.AddDimension(time_cb, day.end_s - day.start_s, day.end_s, False, "time")
    time = routing.GetDimensionOrDie("time")
    for v in (routing.Start(0), routing.End(0)):
        time.CumulVar(v).SetRange(day.start_s, day.end_s)
    # Just above everything optional can be worth: keeps due visits first without swamping guided local search,
    # whose penalty step grows with the objective.
    finite = [c for row in cost_matrix for c in row if c < UNREACHABLE]
    must_penalty = 1 + sum(_cents(s.value) for s in sub) + (n + 1) * max(finite, default=0)
    for k, stop_index in enumerate(nodes, start=1):
        index = manager.NodeToIndex(k)
        time.CumulVar(index).SetRange(*windows[stop_index])
        stop = stops[stop_index]
        prize = _cents(stop.value)
        routing.AddDisjunction([index], must_penalty + prize if stop.must else prize)
    routing.AddVariableMaximizedByFinalizer(time.CumulVar(routing.Start(0)))
    routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(0)))

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    if start:
        routing.CloseModelWithParameters(params)
        position = {stop_index: k for k, stop_index in enumerate(nodes, start=1)}
        initial = routing.ReadAssignmentFromRoutes([[manager.NodeToIndex(position[i]) for i in start]], True)
        solution = routing.SolveFromAssignmentWithParameters(initial, params) if initial is not None else None
    else:
        solution = routing.SolveWithParameters(params)
    if solution is None:
        return Plan(
            visits=[], leave_s=day.start_s, return_s=day.start_s, km_home=0.0, status="no feasible plan"
        )
    plan = _read(
        routing, manager, solution, time, TravelMatrix(km=km, seconds=seconds, source=travel.source), service
    )
    plan.visits = [replace(v, stop=nodes[v.stop]) for v in plan.visits]
    return plan


def _read(routing, manager, solution, time, travel: TravelMatrix, service: np.ndarray) -> Plan:
    visits: list[Visit] = []
    index = routing.Start(0)
    leave = solution.Min(time.CumulVar(index))
    node, clock = 0, leave
    while True:
        nxt = solution.Value(routing.NextVar(index))
        nxt_node = manager.IndexToNode(nxt)
        if routing.IsEnd(nxt):
            return Plan(
                visits=visits,
                leave_s=leave,
                return_s=solution.Min(time.CumulVar(nxt)),
                km_home=float(travel.km[node, 0]),
            )
        start = solution.Min(time.CumulVar(nxt))
        arrival = min(start, clock + round(travel.seconds[node, nxt_node]))
        departure = start + int(service[nxt_node])
        visits.append(Visit(nxt_node - 1, arrival, start, departure, float(travel.km[node, nxt_node])))
        clock = departure
        index, node = nxt, nxt_node


def explain_dropped(day: Workday, stops: list[Stop], i: int, travel: TravelMatrix, visited: set[int]) -> str:
    """Why a must-visit is not in the plan, in words a rep or manager can act on."""
    stop = stops[i]
    node = i + 1
    to_s, back_s = travel.seconds[0, node], travel.seconds[node, 0]
    if not (math.isfinite(to_s) and math.isfinite(back_s)):
        return "no road route between home and this account"
    open_s = stop.open_s if stop.open_s is not None else day.start_s
    close_s = stop.close_s if stop.close_s is not None else day.end_s
    begin = max(day.start_s + to_s, open_s)
    has_hours = stop.open_s is not None or stop.close_s is not None
    if has_hours and begin + stop.service_s > close_s:
        return (
            f"cannot be reached and visited ({stop.service_s // 60} min) within its opening hours "
            f"{_hhmm(open_s)}–{_hhmm(close_s)} from home leaving at {_hhmm(day.start_s)}"
        )
    if begin + stop.service_s + back_s > day.end_s and open_s > day.start_s + to_s:
        return (
            f"opens at {_hhmm(open_s)}: a {stop.service_s // 60} min visit and the drive home do not end "
            f"by {_hhmm(day.end_s)}"
        )
    if begin + stop.service_s + back_s > day.end_s:
        hours = (to_s + stop.service_s + back_s) / 3600
        return (
            f"a round trip home → account → home takes {hours:.1f} h, more than the "
            f"{(day.end_s - day.start_s) / 3600:.1f} working hours"
        )
    due = sum(1 for s in stops if s.must)
    kept = sum(1 for j in visited if stops[j].must)
    return (
        f"the {(day.end_s - day.start_s) / 3600:.1f} working hours cannot fit all {due} due visits with driving; "
        f"the {kept} that fit were kept (the most valuable, then the nearest) and this one is left for another day"
    )


def _hhmm(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
