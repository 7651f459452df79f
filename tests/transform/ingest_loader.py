"""Loading demo sources into a warehouse's raw schema with the real ingest assets (no quality checks attached)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def load_raw(sources: Path, data_dir: Path, start: date, end: date) -> Path:
    """Run the ingest assets over [start, end] in a child process with the KPI_* settings; returns the warehouse."""
    env = {
        **os.environ,
        "KPI_DATA_DIR": str(data_dir),
        "KPI_SOURCES_DIR": str(sources),
        "KPI_START_DATE": start.isoformat(),
    }
    env.pop("KPI_WAREHOUSE_PATH", None)
    result = subprocess.run(
        [sys.executable, "-m", "tests.transform.ingest_loader", start.isoformat(), end.isoformat()],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"ingest failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return data_dir / "warehouse" / "warehouse.duckdb"


def main() -> None:
    import dagster as dg

    from dagster_project.defs.ingest import build_defs
    from dagster_project.defs.profile import build_defs as build_profile_defs
    from dagster_project.environment import settings
    from dagster_project.warehouse import WarehouseResource

    parser = argparse.ArgumentParser()
    parser.add_argument("start")
    parser.add_argument("end")
    args = parser.parse_args()
    assets = [
        a for a in build_defs().assets if isinstance(a, dg.AssetsDefinition)
    ]  # landing folders are specs
    resources = {"warehouse": WarehouseResource(path=str(settings().warehouse_path))}
    daily = [a for a in assets if a.partitions_def is not None]
    whole = [a for a in assets if a.partitions_def is None] + list(build_profile_defs().assets)
    dg.materialize(daily, resources=resources, tags={RANGE_START_TAG: args.start, RANGE_END_TAG: args.end})
    dg.materialize(whole, resources=resources)


if __name__ == "__main__":
    main()
