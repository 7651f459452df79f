"""Dataset YAML completed at provisioning: columns typed from the serving snapshot, described and measured by dbt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from kpi_bi import kpis, rls_rules
from kpi_bi.connections import serving_duckdb_config
from kpi_bi.kpis import heading
from kpi_bi.metrics import count_metric, kpi_metrics, model_columns

TEMPORAL_TYPES = ("DATE", "TIMESTAMP")

# Table headers of the columns people read (a KPI column's header is its registry label and unit).
COLUMN_HEADERS = {
    "period_start": "Period",
    "month_start": "Month",
    "date_day": "Day",
    "period_label": "Period",
    "kpi_label": "KPI",
    "value_display": "Value",
    "target_display": "Target",
    "actual_display": "Actual",
    "status_label": "Status",
    "status_reason": "Why",
    "attainment": "Attainment",
    "pace_to_target": "Pace to target",
    "attainment_points": "vs target (pp)",
    "maturity_note": "Note",
    "vs_previous_period": "vs same days previous month",
    "vs_last_year": "vs same days last year",
    "scope_name": "Scope",
    "owner_name": "Owner",
    "full_name": "Rep",
    "team_name": "Team",
    "region": "Region",
    "channel": "Channel",
    "platform": "Platform",
    "campaign_name": "Campaign",
    "rep_id": "Rep id",
    "team_id": "Team id",
    "freshness": "Freshness",
    # data health
    "outcome": "Outcome",
    "check_name": "Check",
    "asset_key": "Asset",
    "checked_at": "Checked at",
    "built_at": "Built at",
    "newest_partition": "Newest day",
    "blocking_failures": "Blocking failures",
    "warnings": "Warnings",
    "quarantined_rows": "Quarantined rows",
    "checks_total": "Checks",
    "last_partition_date": "Newest day loaded",
    "raw_table": "Raw table",
    "last_loaded_at": "Last load",
    "row_count": "Rows",
    "target_table": "Table",
    "reason": "Reason",
    "file": "File",
    "detected_at": "Found at",
    "age_hours": "Age (hours)",
    "won_count": "Deals won",
    "activities": "Activities",
    "team_median_net_revenue_usd": "Team median net revenue (USD)",
    "team_median_win_rate_by_count": "Team median win rate",
    "team_median_sales_cycle_days": "Team median sales cycle (days)",
    "team_median_activities": "Team median activities",
    "priority_rank": "Rank",
    "item_type": "Item",
    "item_id": "Id",
    "probability": "Probability",
    "expected_value": "Expected value (USD)",
    "reason_1": "Reason 1",
    "reason_2": "Reason 2",
    "reason_3": "Reason 3",
    "model_version": "Model",
    "suggestion_rank": "Rank",
    "suggestion": "Suggestion",
    "evidence": "Evidence",
    "revenue_at_stake_usd": "Revenue at stake (USD)",
    "record_count": "Records",
    "records": "Act on",
    "suggestion_id": "Suggestion id",
    "kpi_value": "Value",
    "target_value": "Target",
    "team_median": "Team median",
    "team_median_display": "Team median",
    "vs_team_median": "vs team median",
    "team_reps": "Reps in median",
    "status_message": "Status",
    "status": "Status",
    "metric": "Metric",
    "step": "Step",
    "rep_value": "Rep's value",
    "sample_size": "Cases",
}


def describe(serving_path: Path, dataset: dict[str, Any]) -> list[tuple[str, str]]:
    """(column, DuckDB type) of a dataset's table or SQL as the serving snapshot has them now."""
    source = (
        f"({dataset['sql']})" if dataset.get("sql") else f'"{dataset["schema"]}"."{dataset["table_name"]}"'
    )
    con = duckdb.connect(str(serving_path), read_only=True, config=serving_duckdb_config())
    try:
        rows = con.execute(f"describe select * from {source}").fetchall()
    except duckdb.CatalogException as exc:
        raise RuntimeError(
            f"dataset {dataset['table_name']}: not in the serving snapshot {serving_path} ({exc})"
        ) from exc
    finally:
        con.close()
    return [(row[0], row[1]) for row in rows]


def render_dataset(dataset: dict[str, Any], serving_path: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """The dataset config with `columns` and `metrics` filled in (the YAML in assets/ holds neither)."""
    # A dataset reading one mart through SQL or a bi relation names it in extra.dbt_model; a mart's own is the mart.
    model = (dataset.get("extra") or {}).get("dbt_model", dataset["table_name"])
    documented = model_columns(manifest).get(model, {})
    registry = kpis.load()
    columns = []
    described = describe(serving_path, dataset)
    for name, duck_type in described:
        doc = documented.get(name, {})
        columns.append(
            {
                "column_name": name,
                "verbose_name": heading(registry[name]) if name in registry else COLUMN_HEADERS.get(name),
                "is_dttm": duck_type.upper().startswith(TEMPORAL_TYPES),
                "is_active": True,
                "type": duck_type,
                "advanced_data_type": None,
                "groupby": True,
                "filterable": True,
                "expression": None,
                "description": doc.get("description") or None,
                "python_date_format": None,
                "extra": None,
            }
        )
    metrics = [count_metric()]
    # The KPI metrics of a dbt mart: on the mart itself, or on a bi relation that reshapes one (extra.dbt_model).
    if dataset["schema"] == "marts" or (dataset.get("extra") or {}).get("dbt_model"):
        metrics += kpi_metrics(manifest, model, registry)
    rendered = dict(dataset)
    # The declared RLS rule travels in the dataset's extra, where roles.ensure_rls reads it back.
    rule = rls_rules.declared(dataset, manifest, {name for name, _ in described})
    if rule:
        rendered["extra"] = {**(dataset.get("extra") or {}), rls_rules.RLS_KEY: rule}
    rendered["columns"] = columns
    rendered["metrics"] = metrics
    return rendered
