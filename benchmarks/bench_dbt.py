"""dbt build figures at a scale factor: full build and one-day incremental (wall time, peak RSS), PostgreSQL ratio."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.transform.dbt_runner import DBT_PROJECT, dbt_executable
from tests.transform.ingest_loader import load_raw

# Runs one command and reports its own peak RSS, so each dbt invocation is measured on its own.
MEASURE = (
    "import resource, subprocess, sys, json;"
    "rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL);"
    "print(json.dumps({'rc': rc, 'rss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))"
)


def measured(cmd: list[str], env: dict) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one command; raises if it fails."""
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, *cmd], env=env, capture_output=True, text=True, check=True
    )
    seconds = time.monotonic() - started
    report = json.loads(out.stdout.strip().splitlines()[-1])
    if report["rc"] != 0:
        raise SystemExit(f"failed ({report['rc']}): {' '.join(cmd)}")
    return seconds, report["rss_kb"] / 1024


def dbt_cmd(args: list[str], target: str, target_path: Path, dbt_vars: dict | None = None) -> list[str]:
    cmd = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(DBT_PROJECT),
        "--profiles-dir",
        str(DBT_PROJECT),
        "--target",
        target,
        "--target-path",
        str(target_path),
    ]
    return cmd + (["--vars", json.dumps(dbt_vars)] if dbt_vars else [])


def prepare_raw(scale: str, days: int, start: date, workdir: Path) -> Path:
    """Generate the demo sources at the scale and load them with the real ingest assets (cached per scale)."""
    sources, data_dir = workdir / "sources", workdir / "data"
    marker = workdir / "ingested.ok"
    if not (sources / "crm").exists():
        started = time.monotonic()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "dagster_project.cli",
                "demo-data",
                "--scale",
                scale,
                "--seed",
                "42",
                "--start",
                start.isoformat(),
                "--days",
                str(days),
                "--out",
                str(sources),
            ],
            check=True,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
        )
        print(f"demo data: {time.monotonic() - started:.1f} s", flush=True)
    if not marker.exists():
        started = time.monotonic()
        load_raw(sources, data_dir, start, start + timedelta(days=days - 1))
        marker.write_text("ok")
        print(f"ingest: {time.monotonic() - started:.1f} s", flush=True)
    return data_dir / "warehouse" / "warehouse.duckdb"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="1")
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--start", default="2024-12-01")
    parser.add_argument("--workdir", default="/tmp/bench-dbt")
    parser.add_argument(
        "--postgres",
        choices=["auto", "yes", "no"],
        default="auto",
        help="also build on PostgreSQL (auto: only at scale 1)",
    )
    args = parser.parse_args()
    start = date.fromisoformat(args.start)
    workdir = Path(args.workdir) / f"sf{args.scale}"
    workdir.mkdir(parents=True, exist_ok=True)
    warehouse = prepare_raw(args.scale, args.days, start, workdir)
    env = {**os.environ, "KPI_WAREHOUSE_PATH": str(warehouse)}
    target_path = workdir / "dbt_target"
    last = (start + timedelta(days=args.days - 1)).isoformat()

    # as the Dagster asset runs it: data tests on, unit tests (CI only) off
    build = ["build", "--exclude", "test_type:unit"]
    full_s, full_rss = measured(dbt_cmd([*build, "--full-refresh"], "duckdb", target_path), env)
    # the window as Dagster passes it: environment variables, so dbt's partial parse stays valid
    day_env = {**env, "KPI_WINDOW_START": last, "KPI_WINDOW_END": last}
    day_s, day_rss = measured(dbt_cmd(build, "duckdb", target_path), day_env)
    # the floor of any dbt invocation: start, load the parsed project, open the warehouse, build one tiny model
    floor_s, _ = measured(dbt_cmd(["run", "--select", "dim_date"], "duckdb", target_path), day_env)
    print(f"scale {args.scale}, {args.days} days")
    print(
        f"duckdb full build          : {full_s:8.1f} s   peak RSS {full_rss:7.0f} MB   (target SF10 <= 360 s, 3 GB)"
    )
    print(
        f"duckdb one-day incremental : {day_s:8.1f} s   peak RSS {day_rss:7.0f} MB   "
        f"= {100 * day_s / full_s:.1f} % of full (target <= 3 %)"
    )
    print(
        f"dbt floor (one tiny model)  : {floor_s:8.1f} s                        = {100 * floor_s / full_s:.1f} % of full"
    )

    if args.postgres == "yes" or (args.postgres == "auto" and args.scale == "1"):
        from tests.transform.pg_copy import copy_raw_schema, scratch_database

        with scratch_database("kpi_bench") as database:
            copy_raw_schema(warehouse, database)
            pg_env = {**env, "KPI_PG_DATABASE": database}
            pg_s, pg_rss = measured(dbt_cmd(build, "postgres", workdir / "dbt_target_pg"), pg_env)
        print(
            f"postgres full build        : {pg_s:8.1f} s   peak RSS {pg_rss:7.0f} MB   "
            f"= {pg_s / full_s:.2f} x duckdb"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
