"""Run every benchmark script at one scale factor and print their figures one after another."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Order follows the pipeline: data generation feeds ingest, ingest feeds dbt, dbt feeds Superset.
ORDER = ["bench_demo_data.py", "bench_ingest.py", "bench_dbt.py", "bench_superset.py"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="1")
    args = parser.parse_args()
    scripts = [HERE / name for name in ORDER if (HERE / name).exists()]
    scripts += sorted(p for p in HERE.glob("bench_*.py") if p.name not in ORDER)
    failures = 0
    for script in scripts:
        print(f"\n== {script.name} (scale {args.scale})", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, str(script), "--scale", args.scale])
        print(f"-- {script.name}: exit {code}, {time.monotonic() - started:.1f} s", flush=True)
        failures += code != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
