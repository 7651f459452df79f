"""The serving snapshot: what Superset reads, published only after the marts pass their blocking checks."""

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pandas as pd

from dagster_project import health
from dagster_project.defs.serving.publish import (
    SERVED_SCHEMAS,
    ignored_files,
    publish_snapshot,
    quarantine_summary,
    source_freshness,
    tables_in_schema,
    with_outcome,
)
from dagster_project.runs import RunWindow
from dagster_project.warehouse import WRITER_POOL, WarehouseResource

SERVING_KEY = dg.AssetKey(["serving", "snapshot"])


def check_summary(context: dg.AssetExecutionContext, checks: Sequence[dg.AssetCheckSpec]) -> pd.DataFrame:
    """The latest result of every asset check, as the data-health dashboard shows it."""
    specs = {spec.key: spec for spec in checks}
    keys = sorted(specs, key=lambda k: (k.asset_key.to_user_string(), k.name))
    latest = context.instance.event_log_storage.get_latest_asset_check_execution_by_key(keys) if keys else {}
    rows = []
    for key in keys:
        spec = specs[key]
        record = latest.get(key)
        evaluation = None
        if record is not None and record.event is not None and record.event.dagster_event is not None:
            data = record.event.dagster_event.event_specific_data
            evaluation = data if hasattr(data, "passed") else None
        rows.append(
            {
                "asset_key": key.asset_key.to_user_string(),
                "check_name": key.name,
                "blocking": bool(getattr(spec, "blocking", False)),
                "status": record.status.value if record else "NEVER_RUN",
                "passed": evaluation.passed if evaluation else None,
                "severity": evaluation.severity.value if evaluation else None,
                "partition": record.partition if record else None,
                "run_id": record.run_id if record else None,
                "checked_at": (
                    datetime.fromtimestamp(record.create_timestamp, tz=UTC).replace(tzinfo=None)
                    if record
                    else None
                ),
            }
        )
    return with_outcome(
        pd.DataFrame(
            rows,
            columns=[
                "asset_key",
                "check_name",
                "blocking",
                "status",
                "passed",
                "severity",
                "partition",
                "run_id",
                "checked_at",
            ],
        ).astype({"passed": "boolean"})
    )


def build_serving_asset(
    upstream: Sequence[dg.AssetKey],
    serving_path: Path,
    checks: Sequence[dg.AssetCheckSpec] = (),
    dashboards: Sequence[dg.AssetKey] = (),
) -> dg.AssetsDefinition:
    checks_to_report = list(checks)
    served_dashboards = list(dashboards)

    @dg.asset(
        key=SERVING_KEY,
        deps=list(upstream),
        group_name="serving",
        kinds={"duckdb"},
        owners=["team:data-engineering"],
        pool=WRITER_POOL,
        description="Read-only DuckDB snapshot of the marts, the BI layer built from them and the data-health tables "
        "that Superset serves.",
    )
    def serving_snapshot(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        built_at = datetime.now(UTC).replace(tzinfo=None)
        with warehouse.connect() as con:
            checks = check_summary(context, checks_to_report)
            health.migrate(con)
            logged = (
                con.execute(f"select * from {health.qualified(health.EXPECTATION_RESULTS)}").df()
                if health.EXPECTATION_RESULTS in tables_in_schema(con, health.SCHEMA)
                else None
            )
            freshness = source_freshness(con)
            quarantine = quarantine_summary(con)
            build_info = pd.DataFrame(
                [
                    {
                        "built_at": built_at,
                        "run_id": context.run_id,
                        **RunWindow.of(context.run.tags).build_info(),
                        "checks_total": len(checks),
                        "checks_passed": int((checks["passed"] == True).sum()),
                        "checks_failed": int((checks["passed"] == False).sum()),
                        "blocking_failures": int((checks["outcome"] == "blocking failure").sum()),
                        "warnings": int((checks["outcome"] == "warning").sum()),
                        "quarantined_rows": int(quarantine["rows_quarantined"].sum())
                        if len(quarantine)
                        else 0,
                        "newest_partition": freshness["last_partition_date"].max()
                        if len(freshness)
                        else None,
                    }
                ]
            )
            tables = {
                health.BUILD_INFO: build_info,
                health.CHECK_RESULTS: checks,
                health.SOURCE_FRESHNESS: freshness,
                health.QUARANTINE_SUMMARY: quarantine,
                health.IGNORED_FILES: ignored_files(con),
            }
            if logged is not None:
                tables[health.EXPECTATION_RESULTS] = logged
            counts = publish_snapshot(con, serving_path, SERVED_SCHEMAS, tables)
        # Superset serves the dashboards from this file: each now shows the data this snapshot holds
        for key in served_dashboards:
            context.log_event(
                dg.AssetObservation(
                    asset_key=key,
                    metadata={
                        "snapshot": dg.MetadataValue.path(str(serving_path)),
                        "published_at": str(built_at),
                    },
                )
            )
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(serving_path)),
                "tables": len(counts),
                "rows_by_table": dg.MetadataValue.json(counts),
                "checks_failed": int(build_info.loc[0, "checks_failed"]),
                "dagster/row_count": sum(counts.values()),
            }
        )

    return serving_snapshot
