"""Time `kpi demo-data` at one scale factor (730 days) in a child process: wall time, rows, rows/s, peak RSS."""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="1")
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", help="keep the output here (default: a temporary folder, removed)")
    args = parser.parse_args()
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="bench-demo-")) / "sources"
    cmd = [
        sys.executable,
        "-m",
        "dagster_project.cli",
        "demo-data",
        "--scale",
        args.scale,
        "--seed",
        str(args.seed),
        "--start",
        "2024-01-01",
        "--days",
        str(args.days),
        "--out",
        str(out),
    ]
    started = time.monotonic()
    proc = subprocess.run(
        cmd, capture_output=True, text=True, check=False, cwd=Path(__file__).resolve().parent.parent
    )
    wall = time.monotonic() - started
    if proc.returncode != 0:
        print(proc.stdout, proc.stderr, sep="\n")
        return proc.returncode
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rows = json.loads(proc.stdout)["rows"]
    size_mb = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
    total = sum(rows.values())
    print(
        f"scale {args.scale}, {args.days} days: wall {wall:.1f} s, peak RSS {peak_mb:.0f} MB, "
        f"{total:,} rows, {total / wall:,.0f} rows/s, {size_mb:.0f} MB on disk"
    )
    for table, n in sorted(rows.items()):
        print(f"  {table:28s} {n:>12,}  {n / wall:>12,.0f} rows/s")
    if not args.out:
        shutil.rmtree(out.parent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
