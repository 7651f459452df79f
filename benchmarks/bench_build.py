"""`kpi build` at a scale factor, as a user runs it: the two-year full build and a one-day run, each with its wall
time by phase (ingest, dbt, checks, publish, other), peak RSS of the whole process tree and time per row read."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree_rss(root: int) -> int:
    """Resident bytes of `root` and every process below it (dbt runs as a child of the build)."""
    parents: dict[int, list[int]] = defaultdict(list)
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            pages = int(Path(entry.path, "statm").read_text().split()[1])
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents[ppid].append(int(entry.name))
        rss[int(entry.name)] = pages * PAGE
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += parents.get(pid, [])
    return total


def measured(cmd: list[str], env: dict, cwd: Path, log: Path) -> tuple[float, float, float]:
    """Run a command; its wall seconds, the peak RSS (MB) of its process tree sampled every 0.1 s, and the CPU
    seconds of the tree (user + system: the figure a loaded machine does not inflate)."""
    peak = 0
    started = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            ticks = 0
            while not done.wait(0.1):
                peak = max(peak, _tree_rss(proc.pid))
                ticks += 1
                if ticks % 600 == 0:  # a long run on a loaded machine: say where it stands every minute
                    print(
                        f"    … {time.monotonic() - started:.0f} s, peak RSS so far {peak / 2**20:.0f} MB",
                        flush=True,
                    )

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
    wall = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{log.read_text()[-4000:]}")
    return wall, peak / 2**20, usage.ru_utime + usage.ru_stime


PHASES = ("ingest", "dbt", "checks", "publish", "other")


def _phase(step: str) -> str:
    if step.startswith("ingest_"):
        return "ingest"
    if "dbt" in step:
        return "dbt"
    if "publish" in step or "serving" in step:
        return "publish"
    if "check" in step or "quality" in step or "quarantine" in step or "gx" in step:
        return "checks"
    return "other"


def run_figures(dagster_home: Path, env: dict, cwd: Path) -> tuple[dict[str, float], int, dict[str, float]]:
    """Seconds per phase, rows read by ingest and seconds per step of the newest run, from Dagster's event log."""
    script = r"""
import json, dagster as dg
with dg.DagsterInstance.get() as instance:
    run = instance.get_runs(limit=1)[0]
    steps = {s.step_key: s.end_time - s.start_time for s in instance.get_run_step_stats(run.run_id)
             if s.start_time and s.end_time}
    records = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
    rows = {}
    for record in records:
        # a range run records one materialization per partition day, each with the whole load's counts
        materialization = record.event_log_entry.dagster_event.step_materialization_data.materialization
        if "rows_read" in materialization.metadata:
            rows[str(materialization.asset_key)] = materialization.metadata["rows_read"].value
    print(json.dumps({"steps": steps, "rows": sum(rows.values())}))
"""
    import json

    out = subprocess.run(
        [sys.executable, "-c", script],
        env={**env, "DAGSTER_HOME": str(dagster_home)},
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    phases = dict.fromkeys(PHASES, 0.0)
    for step, seconds in report["steps"].items():
        phases[_phase(step)] += seconds
    return phases, report["rows"], report["steps"]


def sources_for(scale: str, days: int, data_dir: Path) -> tuple[Path, date]:
    """Demo sources at the scale, generated once into data_dir and reused; their first day."""
    folder = data_dir / f"sf{scale}"
    sources, first_file = folder / "sources", folder / "start"
    if not first_file.exists():
        first = date.today() - timedelta(days=days)
        shutil.rmtree(sources, ignore_errors=True)
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "dagster_project.cli", "demo-data", "--scale", scale, "--seed", "42"]
            + ["--start", first.isoformat(), "--days", str(days), "--out", str(sources)],
            cwd=REPO,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        first_file.write_text(first.isoformat())
        print(f"demo data generated into {sources} in {time.monotonic() - started:.0f} s")
    return sources, date.fromisoformat(first_file.read_text().strip())


def show(label: str, wall: float, peak: float, cpu: float, phases: dict[str, float], rows: int) -> None:
    split = ", ".join(f"{p} {phases[p]:.1f}" for p in PHASES)
    per_row = f"{1e6 * wall / rows:.2f} µs/row ({rows:,} rows read)" if rows else "no rows read"
    print(
        f"{label:<10}: wall {wall:7.1f} s  [{split}]  CPU {cpu:7.1f} s  peak RSS {peak:6.0f} MB  {per_row}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="1")
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--data-dir", default="/tmp/scale_data", help="demo sources are generated here once")
    parser.add_argument("--repo", default=str(REPO), help="checkout to measure (e.g. an export of main)")
    parser.add_argument("--steps", action="store_true", help="also print each step's seconds")
    args = parser.parse_args()
    repo = Path(args.repo).resolve()
    sources, first = sources_for(args.scale, args.days, Path(args.data_dir))
    last = first + timedelta(days=args.days - 1)
    work = Path(tempfile.mkdtemp(prefix="bench-build-"))
    env = {
        **os.environ,
        "PYTHONPATH": str(repo),
        "KPI_DATA_DIR": str(work / "data"),
        "KPI_SOURCES_DIR": str(sources),
        "KPI_START_DATE": first.isoformat(),
        "DAGSTER_HOME": str(work / "dagster_home"),
        "KPI_LOG_LEVEL": "WARNING",
    }
    for var in ("KPI_ORDERS_DB_URL", "KPI_WAREHOUSE_PATH", "KPI_SERVING_PATH", "KPI_DAGSTER_PG_URL"):
        env.pop(var, None)
    build = [sys.executable, "-m", "dagster_project.cli", "build"]
    print(
        f"scale {args.scale}, {args.days} days ({first} … {last}), code from {repo}, load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    try:
        runs = {
            "full build": [*build, "--end", last.isoformat()],
            "one day": [*build, "--start", last.isoformat(), "--end", last.isoformat()],
        }
        for label, cmd in runs.items():
            wall, peak, cpu = measured(cmd, env, repo, work / f"{label.replace(' ', '_')}.log")
            phases, rows, steps = run_figures(work / "dagster_home", env, repo)
            show(label, wall, peak, cpu, phases, rows)
            storage = sum(f.stat().st_size for f in (work / "dagster_home").rglob("*") if f.is_file())
            print(f"{'':<10}  Dagster storage (run and event log, SQLite) after it: {storage / 2**20:.1f} MB")
            if args.steps:
                for step, seconds in sorted(steps.items(), key=lambda s: -s[1]):
                    print(f"    {step:<60} {seconds:7.1f} s")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
