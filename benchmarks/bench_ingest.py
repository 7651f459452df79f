"""Time ingesting demo sources through the Dagster ingest assets: the full history as one range run, then one day."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Runs in a child process so that peak RSS and start-up time belong to one load alone.
CHILD = r"""
import json, resource, sys, time
started = time.monotonic()
import dagster as dg
from dagster_project.defs.ingest import build_defs
from dagster_project.defs.ingest.resources import ingest_resources
from dagster_project.instance import write_instance_config
imported = time.monotonic()
# the instance `kpi build` uses (DAGSTER_HOME from the environment): per-day event bookkeeping is part of the cost
write_instance_config()
instance = dg.DagsterInstance.get()
first, last, reference = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
defs = build_defs()
assets = [a for a in defs.assets if a.partitions_def is not None]
result = dg.materialize(
    assets, tags={"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last},
    resources=ingest_resources(),
    instance=instance,
)
if reference:
    dg.materialize([a for a in defs.assets if a.partitions_def is None], resources=ingest_resources(),
                   instance=instance)
done = time.monotonic()
rows = {}
for event in result.get_asset_materialization_events():
    m = event.step_materialization_data.materialization
    rows[m.asset_key.path[-1]] = {k: m.metadata[k].value for k in ("rows_read", "rows_loaded", "rows_quarantined")}
print(json.dumps({"ok": result.success, "import_s": imported - started, "load_s": done - imported,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rows": rows}))
"""


def run(first: str, last: str, env: dict[str, str], reference: bool) -> dict:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, first, last, "1" if reference else "0"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )
    wall = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"load {first}…{last} failed:\n{proc.stdout}\n{proc.stderr[-4000:]}")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    report["wall_s"] = wall
    return report


def show(label: str, report: dict) -> None:
    read = sum(r["rows_read"] for r in report["rows"].values())
    loaded = sum(r["rows_loaded"] for r in report["rows"].values())
    quarantined = sum(r["rows_quarantined"] for r in report["rows"].values())
    print(
        f"{label}: wall {report['wall_s']:.1f} s (imports {report['import_s']:.1f} s, load {report['load_s']:.1f} s), "
        f"{read:,} rows read = {loaded:,} loaded + {quarantined:,} quarantined, "
        f"{read / report['load_s']:,.0f} rows/s, peak RSS {report['peak_mb']:.0f} MB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="1")
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument(
        "--sources", help="reuse demo sources generated with --start 2024-01-01 (default: generate)"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    sources = Path(args.sources) if args.sources else work / "sources"
    if not args.sources:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "dagster_project.cli",
                "demo-data",
                "--scale",
                args.scale,
                "--seed",
                "42",
                "--start",
                "2024-01-01",
                "--days",
                str(args.days),
                "--out",
                str(sources),
            ],
            cwd=REPO,
            check=True,
            capture_output=True,
        )
    env = {
        **os.environ,
        "KPI_DATA_DIR": str(work / "data"),
        "KPI_SOURCES_DIR": str(sources),
        "KPI_START_DATE": "2024-01-01",
        "DAGSTER_HOME": str(work / "dagster_home"),
    }
    env.pop("KPI_ORDERS_DB_URL", None)
    (work / "dagster_home").mkdir()
    first = "2024-01-01"
    last = time.strftime(
        "%Y-%m-%d", time.gmtime(time.mktime(time.strptime(first, "%Y-%m-%d")) + (args.days - 1) * 86400)
    )
    try:
        print(f"scale {args.scale}, {args.days} days of sources in {sources}")
        show(f"full history {first}…{last} (one run)", run(first, last, env, reference=True))
        show(f"one day {last} (reload)", run(last, last, env, reference=False))
    finally:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
