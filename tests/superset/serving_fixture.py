"""A serving snapshot built by the real pipeline pieces (hand-made raw schema → dbt → publish) for Superset tests."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from dagster_project.defs.routes.assets import plan_day
from dagster_project.defs.routes.config import load_config
from dagster_project.defs.serving.publish import (
    SERVED_SCHEMAS,
    publish_snapshot,
    quarantine_summary,
    source_freshness,
)
from dagster_project.environment import settings
from tests.transform.dbt_runner import run_dbt
from tests.transform.raw_fixture import build_tables, write_raw


def _check_results() -> pd.DataFrame:
    """Check results in the shape the serving asset writes (one failing warning check, as in real life)."""
    now = datetime(2025, 3, 1, 6, 0)
    rows = [
        ("marts/fct_orders", "orders_reconcile_with_source", True, "SUCCESS", True, "ERROR"),
        ("raw/crm_deals", "gx_raw_crm_deals", True, "SUCCESS", True, "ERROR"),
        ("raw/ads_meta_ads", "gx_raw_ads_meta_ads", False, "FAILED", False, "WARN"),
    ]
    return pd.DataFrame(
        [
            {
                "asset_key": a,
                "check_name": c,
                "blocking": b,
                "status": s,
                "passed": p,
                "severity": sev,
                "partition": None,
                "run_id": "fixture",
                "checked_at": now,
            }
            for a, c, b, s, p, sev in rows
        ]
    ).astype({"passed": "boolean"})


def build_serving(workdir: Path) -> Path:
    """Build a warehouse from the transform tests' raw fixture, run dbt, publish; returns the serving path."""
    warehouse = workdir / "warehouse.duckdb"
    serving = workdir / "serving.duckdb"
    write_raw(str(warehouse), build_tables())
    run_dbt(
        ["build", "--full-refresh", "--exclude", "resource_type:test", "resource_type:unit_test"],
        warehouse=warehouse,
        target_path=workdir / "target",
    )
    with duckdb.connect(str(warehouse)) as con:
        # the route marts come from the planner, not dbt (the fixture's positions are all (0, 0): no-plan states)
        plan_day(con, date(2025, 3, 3), load_config(settings().routes_config_path), settings())
        freshness = source_freshness(con)
        quarantine = quarantine_summary(con)
        checks = _check_results()
        build_info = pd.DataFrame(
            [
                {
                    "built_at": datetime(2025, 3, 1, 6, 5),
                    "run_id": "fixture",
                    "partition_start": "2024-12-01",
                    "partition_end": "2025-02-28",
                    "checks_total": len(checks),
                    "checks_passed": int((checks["passed"] == True).sum()),
                    "checks_failed": int((checks["passed"] == False).sum()),
                    "quarantined_rows": int(quarantine["rows_quarantined"].sum()) if len(quarantine) else 0,
                    "newest_partition": freshness["last_partition_date"].max() if len(freshness) else None,
                }
            ]
        )
        publish_snapshot(
            con,
            serving,
            SERVED_SCHEMAS,
            {
                "build_info": build_info,
                "check_results": checks,
                "source_freshness": freshness,
                "quarantine_summary": quarantine,
            },
        )
    return serving


if __name__ == "__main__":
    import sys

    print(build_serving(Path(sys.argv[1])))
