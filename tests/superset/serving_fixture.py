"""A serving snapshot built by the real pipeline pieces (hand-made raw schema → dbt → publish) for Superset tests."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from dagster_project.defs.intelligence.assets import (
    build_model_asset,
    build_priority_assets,
    build_score_asset,
    build_suggestions_asset,
)
from dagster_project.defs.intelligence.specs import SPECS
from dagster_project.defs.routes.assets import plan_day
from dagster_project.defs.routes.config import load_config
from dagster_project.defs.serving.publish import (
    SERVED_SCHEMAS,
    ignored_files,
    publish_snapshot,
    quarantine_summary,
    source_freshness,
    with_outcome,
)
from dagster_project.environment import settings
from dagster_project.runs import RunWindow
from dagster_project.warehouse import WarehouseResource
from tests.intelligence.synthetic import lead_rows
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
    return with_outcome(
        pd.DataFrame(
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
    )


# A first-line manager below the director, managing two of the fixture's reps: a manager sees their team only.
LINE_MANAGER = "usr_0098"
LINE_MANAGER_TEAM = ("usr_0002", "usr_0003")


def _with_line_manager(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    users = tables["crm_users"].copy()
    template = users[users["id"] == LINE_MANAGER_TEAM[0]].iloc[[0]]
    manager = template.assign(
        id=LINE_MANAGER, email=f"{LINE_MANAGER}@x", full_name=LINE_MANAGER.upper(), role="manager"
    )
    users.loc[users["id"].isin(LINE_MANAGER_TEAM), "manager_id"] = LINE_MANAGER
    return {**tables, "crm_users": pd.concat([users, manager], ignore_index=True)}


# Reps with a planted gap in the rep analysis (the fixture's 90 days are too few for the rules to fire by themselves).
SLOW_FIRST_CONTACT = ("usr_0001", "usr_0002", "usr_0004")


def _intelligence(warehouse: Path, models_dir: Path) -> None:
    """The real training, scoring, priority-list and suggestion assets on the fixture's warehouse.

    The fixture's 90 days give no labelled accounts or deals: those two models stay in the "not enough data to
    train" state, as a young CRM would. Leads get the synthetic history of the intelligence tests (a known signal),
    spread over the fixture's reps, so one model is published and every rep has a priority list.
    """
    reps = [f"usr_{i:04d}" for i in range(1, 7)]
    leads = lead_rows(per_date=60)
    leads["rep_id"] = [reps[i % len(reps)] for i in range(len(leads))]
    gaps = pd.DataFrame(
        {
            "rep_id": list(SLOW_FIRST_CONTACT),
            "metric": "days_to_first_touch",
            "step": "",
            "better": "lower",
            "rep_value": 3.2,
            "team_median": 0.8,
            "sample_size": 140,
            "reps_in_median": 6,
            "revenue_at_stake_usd": [5_000.0, 7_000.0, 9_000.0],
        }
    )
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create or replace table features.feat_leads as select * from leads")
        period = con.execute("select min(period_start), min(period_end) from marts.rep_analysis").fetchone()
        gaps = gaps.assign(period_start=period[0], period_end=period[1])
        con.execute("insert into marts.rep_analysis by name select * from gaps")
    assets = [build_model_asset(s, models_dir) for s in SPECS] + [build_score_asset(s) for s in SPECS]
    assets += [build_priority_assets(), build_suggestions_asset()]
    dg.materialize(
        assets, resources={"warehouse": WarehouseResource(path=str(warehouse))}, raise_on_error=False
    )


def build_serving(workdir: Path) -> Path:
    """Build a warehouse from the transform tests' raw fixture, run dbt, publish; returns the serving path."""
    warehouse = workdir / "warehouse.duckdb"
    serving = workdir / "serving.duckdb"
    write_raw(str(warehouse), _with_line_manager(build_tables()))
    run_dbt(
        ["build", "--full-refresh", "--exclude", "resource_type:test", "resource_type:unit_test"],
        warehouse=warehouse,
        target_path=workdir / "target",
    )
    _intelligence(warehouse, workdir / "models")
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
                    **RunWindow(date(2024, 12, 1), date(2025, 2, 28), "range", "cli").build_info(),
                    "checks_total": len(checks),
                    "checks_passed": int((checks["passed"] == True).sum()),
                    "checks_failed": int((checks["passed"] == False).sum()),
                    "blocking_failures": int((checks["outcome"] == "blocking failure").sum()),
                    "warnings": int((checks["outcome"] == "warning").sum()),
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
                "ignored_files": ignored_files(con),
            },
        )
    return serving


if __name__ == "__main__":
    import sys

    print(build_serving(Path(sys.argv[1])))
