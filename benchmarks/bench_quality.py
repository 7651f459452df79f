"""Quality-check figures: GX import and context creation, and the wall time of every check on one day and on a
14-day window, on the quality tests' fixture warehouse."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-quality-"))
    os.environ["KPI_DATA_DIR"] = str(work / "data")
    os.environ["KPI_START_DATE"] = "2024-12-01"
    started = time.perf_counter()
    import great_expectations  # noqa: F401  (the import alone is the first cost a run pays)

    print(f"import great_expectations: {time.perf_counter() - started:.2f} s")
    from dagster_project.defs.quality.gx_runner import GxRunner
    from dagster_project.warehouse import WarehouseResource
    from tests.quality.fixture import RAW_KEYS, build_warehouse, run_with_checks

    started = time.perf_counter()
    GxRunner(work / "probe_docs")
    print(f"ephemeral GX context + pandas datasource: {time.perf_counter() - started:.3f} s")
    path = work / "warehouse.duckdb"
    build_warehouse(str(path))
    warehouse = WarehouseResource(path=str(path))
    keys = RAW_KEYS + [("marts", "fct_orders")]
    run_with_checks(warehouse, keys, "2024-12-09")  # warm-up: Dagster and GX first-use costs
    for first, last in (("2024-12-10", "2024-12-10"), ("2024-12-02", "2024-12-15")):
        started = time.perf_counter()
        result = run_with_checks(warehouse, keys, first, last)
        elapsed = time.perf_counter() - started
        checks = len(result.get_asset_check_evaluations())
        steps = {
            e.step_key: e.event_specific_data.duration_ms / 1000
            for e in result.all_events
            if e.event_type_value == "STEP_SUCCESS" and "_" in (e.step_key or "")
        }
        check_steps = [
            v
            for k, v in steps.items()
            if any(
                k.endswith(f"_{n}")
                for n in ("schema", "values", "plausibility", "volume", "freshness", "reconciliation")
            )
        ]
        print(
            f"window {first}..{last}: {checks} checks in {elapsed:.2f} s run wall time; per check step "
            f"mean {sum(check_steps) / len(check_steps):.3f} s, max {max(check_steps):.3f} s"
        )


if __name__ == "__main__":
    main()
