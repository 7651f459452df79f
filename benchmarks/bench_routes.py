"""Route-planning figures: gap to the exact optimum on small days, km the demo reps would have saved by driving
their own visits in the solver's order, value per working hour against the greedy baseline, and the time and
peak memory of planning every rep of an SF10-sized organisation with 60 candidate stops each.

Usage: python benchmarks/bench_routes.py [--warehouse PATH] [--reps 500] [--skip-sf10]
(the demo figures need a built warehouse: `make build`, or KPI_DATA_DIR pointing at one)."""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from dagster_project.defs.routes.config import load_config
from dagster_project.defs.routes.exact import objective, optimum
from dagster_project.defs.routes.solver import Stop, Workday, solve_day
from dagster_project.defs.routes.travel import estimated_matrix
from dagster_project.environment import settings

H = 3600


def small_instances(time_limit_s: float, count: int = 40) -> None:
    """Random days of 6–10 candidate stops (some due, some with opening hours) against the DP optimum."""
    gaps, times = [], []
    for seed in range(count):
        rng = np.random.default_rng(1000 + seed)
        n = int(rng.integers(6, 11))
        lat = 50.0 + rng.normal(0, 0.25, n + 1)
        lon = 8.0 + rng.normal(0, 0.35, n + 1)
        stops = [
            Stop(
                f"s{i}",
                lat[i + 1],
                lon[i + 1],
                int(rng.integers(20, 91)) * 60,
                float(rng.gamma(2.0, 150.0)),
                bool(rng.random() < 0.25),
                *(
                    (int(rng.integers(8, 12)) * H, int(rng.integers(13, 18)) * H)
                    if rng.random() < 0.3
                    else (None, None)
                ),
            )
            for i in range(n)
        ]
        travel = estimated_matrix(lat, lon, 1.3, 45.0)
        day = Workday(lat[0], lon[0], 8 * H + 1800, 17 * H + 1800)
        started = time.perf_counter()
        plan = solve_day(day, stops, travel, 0.5, time_limit_s)
        times.append(time.perf_counter() - started)
        best, order = optimum(day, stops, travel, 0.5)
        due_gap = sum(stops[i].must for i in order) - sum(stops[v.stop].must for v in plan.visits)
        got = objective(stops, [v.stop for v in plan.visits], travel, 0.5)
        gaps.append(np.inf if due_gap > 0 else (best - got) / abs(best) * 100 if best else 0.0)
    gaps = np.array(gaps)
    print(
        f"exact check, {count} days of 6–10 stops, time limit {time_limit_s:g} s/rep: "
        f"{(gaps <= 1.0).sum()}/{count} within 1 % of the optimum, median gap {np.median(gaps):.3f} %, "
        f"worst {gaps.max():.2f} %; solver {np.mean(times):.3f} s mean"
    )


def demo_reality(con, cfg, time_limit_s: float) -> None:
    """Every past day with ≥ 2 positioned visits, driven as it happened vs re-sequenced by the solver."""
    from dagster_project.defs.routes.compare import resequence_days
    from dagster_project.defs.routes.plan import travel_matrix

    visits = con.execute("select * from marts.route_field_visits").df()
    reps = con.execute("select * from marts.route_reps").df()
    started = time.perf_counter()
    days = resequence_days(visits, reps, cfg, lambda la, lo: travel_matrix(la, lo, cfg, None), time_limit_s)
    elapsed = time.perf_counter() - started
    if days.empty:
        print("demo reality: no past day with two or more positioned field visits")
        return
    actual, best = days["actual_km"].sum(), days["resequenced_km"].sum()
    multi = days[days["visits"] >= 3]
    print(
        f"demo reality: {len(days)} rep-days with ≥ 2 visits ({len(multi)} with ≥ 3), "
        f"{days['visits'].sum()} visits: driven {actual:,.0f} km, re-sequenced {best:,.0f} km, "
        f"saved {100 * (actual - best) / actual:.1f} % of km and {days['hours_saved'].sum():,.1f} driving hours "
        f"(≥ 3-visit days: {100 * multi['km_saved'].sum() / multi['actual_km'].sum():.1f} %); "
        f"median day saves {days['km_saved_pct'].median():.1f} %; {elapsed:.1f} s"
    )


def value_per_hour(con, cfg, time_limit_s: float, workers: int, days: int = 5) -> None:
    """Plan the next working days for every rep and compare value per working hour with the greedy baseline."""
    from dagster_project.defs.routes.assets import read_scores
    from dagster_project.defs.routes.plan import candidates_for_day, plan_all

    reps = con.execute("select * from marts.route_reps").df()
    accounts = con.execute("select * from marts.route_accounts").df()
    scores = read_scores(con)
    label = "score_accounts.expected_value"
    if scores is None:
        # Without the intelligence models in this warehouse, a labelled stand-in lets the solver and the baseline
        # be compared on the same values: a random share of each account's last-365-day revenue.
        rng = np.random.default_rng(7)
        scores = pd.DataFrame(
            {
                "account_id": accounts["account_id"],
                "expected_value": accounts["revenue_365d"] / 12 * rng.beta(2, 5, len(accounts)),
                "model_version": "bench-standin",
                "scored_at": pd.Timestamp("2000-01-01"),
            }
        )
        label = "bench stand-in values (no score_accounts in this warehouse)"
    day = date.today()
    rows = []
    for _ in range(days):
        day = cfg.next_working_day(day)
        _, summary, _ = plan_all(
            candidates_for_day(day, reps, accounts, scores, cfg), cfg, None, time_limit_s, workers
        )
        rows.append(summary)
    summary = pd.concat(rows)
    planned = summary.dropna(subset=["value_per_hour", "greedy_value_per_hour"])
    plan_vph, greedy_vph = planned["value_per_hour"].mean(), planned["greedy_value_per_hour"].mean()
    wins = (planned["value_per_hour"] > planned["greedy_value_per_hour"]).mean() * 100
    print(
        f"value per working hour, {len(planned)} rep-days over {days} working days ({label}): solver "
        f"{plan_vph:,.0f}/h vs greedy {greedy_vph:,.0f}/h (mean over rep-days, {plan_vph / greedy_vph:.2f}×); "
        f"solver higher on {wins:.0f} % of rep-days; km solver "
        f"{planned['km_total'].sum():,.0f} vs greedy {planned['greedy_km'].sum():,.0f}"
    )


def sf10(n_reps: int, cfg, time_limit_s: float, workers: int) -> None:
    """Every rep of an SF10-sized organisation, 60 candidate accounts each around the rep's home, one day."""
    from dagster_project.defs.routes.plan import RepDay, plan_all

    rng = np.random.default_rng(10)
    day = cfg.next_working_day(date.today())
    jobs = []
    for r in range(n_reps):
        home = (float(rng.uniform(40, 55)), float(rng.uniform(-5, 20)))
        k = 60
        cand = pd.DataFrame(
            {
                "account_id": [f"r{r}a{i}" for i in range(k)],
                "account_name": [f"Account {i}" for i in range(k)],
                "latitude": home[0] + rng.normal(0, 0.2, k),
                "longitude": home[1] + rng.normal(0, 0.3, k),
                "tier": "x",
                "is_due": rng.random(k) < 0.1,
                "value": rng.gamma(2.0, 300.0, k),
                "minutes": rng.integers(30, 61, k),
                "why": "bench",
            }
        )
        jobs.append(RepDay(f"r{r}", f"Rep {r}", day, home, None, cand, cand.iloc[0:0], "bench"))
    started = time.perf_counter()
    _stops, summary, _dropped = plan_all(jobs, cfg, None, time_limit_s, workers)
    elapsed = time.perf_counter() - started
    rss = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    print(
        f"SF10 speed: {n_reps} reps × 60 candidates planned in {elapsed:.1f} s wall with {workers} workers, "
        f"time limit {time_limit_s:g} s/rep (solve p50 {summary['solve_seconds'].median():.2f} s, max "
        f"{summary['solve_seconds'].max():.2f} s); {summary['visits'].mean():.1f} visits/rep; peak RSS of one "
        f"process {rss / 1024:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warehouse", type=Path, default=None)
    parser.add_argument("--reps", type=int, default=500, help="reps at SF10 (the demo has 50 per SF)")
    parser.add_argument("--skip-sf10", action="store_true")
    parser.add_argument("--skip-exact", action="store_true")
    args = parser.parse_args()
    config = settings()
    cfg = load_config(config.routes_config_path)
    limit, workers = config.routes_time_limit_s, config.routes_workers
    if not args.skip_exact:
        small_instances(limit)
        small_instances(1.0)
    path = args.warehouse or config.warehouse_path
    if path.exists():
        import duckdb

        with duckdb.connect(str(path), read_only=True) as con:
            demo_reality(con, cfg, limit)
            value_per_hour(con, cfg, limit, workers)
    else:
        print(f"no warehouse at {path}: demo figures skipped (run `make build`)")
    if not args.skip_sf10:
        sf10(args.reps, cfg, limit, workers)


if __name__ == "__main__":
    os.environ.setdefault("KPI_LOG_LEVEL", "WARNING")
    main()
