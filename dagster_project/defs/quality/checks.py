"""The suites as Dagster asset checks: each validates its asset's partition window, logs the result to
health.check_results and links its Data Docs page; blocking ones fail with severity ERROR."""


from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.defs.quality.data_docs import write_index
from dagster_project.defs.quality.gx_runner import runner_for
from dagster_project.defs.quality.results import CheckResultRow, latest, record
from dagster_project.defs.quality.suites.base import CheckSpec
from dagster_project.environment import settings
from dagster_project.warehouse import WRITER_POOL, WarehouseResource

# An unpartitioned asset is checked whole: the window spans every date a table can hold.
WHOLE_TABLE = (date(1900, 1, 1), date(9999, 12, 31))


def partition_window(context: dg.AssetCheckExecutionContext, partitioned: bool) -> tuple[date, date] | None:
    """The run's day range as (first day, day after the last); None checks the whole table.

    The checks themselves are not partitioned: a partitioned check makes Dagster record one planned
    evaluation per check per day when a run is created, which took minutes for a two-year range.
    """
    tags = context.run.tags
    first = tags.get("dagster/asset_partition_range_start") or tags.get("dagster/partition")
    last = tags.get("dagster/asset_partition_range_end") or tags.get("dagster/partition")
    if not partitioned or not first:
        return None
    return date.fromisoformat(first), date.fromisoformat(last) + timedelta(days=1)


def run_check(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    asset_key: dg.AssetKey,
    spec: CheckSpec,
    partitioned: bool,
) -> dg.AssetCheckResult:
    """Fetch the window's batch, validate it with GX, log and return the result."""
    window = partition_window(context, partitioned)
    start, end = window or WHOLE_TABLE
    params = {"start": start, "end": end, **spec.params}
    params = {k: v for k, v in params.items() if f"${k}" in spec.sql}
    docs_dir = settings().data_docs_dir
    asset_name = ".".join(asset_key.path)
    last_day = end - timedelta(days=1)
    window_text = f"{start}..{last_day}" if window else "whole table"
    run_name = f"{start}_{last_day}-{context.run.run_id[:8]}" if window else f"all-{context.run.run_id[:8]}"

    frame, validation, error = None, None, None
    with warehouse.connect() as con:
        try:
            frame = con.execute(spec.sql, params).df()
        except duckdb.Error as exc:  # a missing table or column is a failed check, not a crashed step
            error = f"{type(exc).__name__}: {exc}".splitlines()[0]
        if frame is not None:
            validation = runner_for(docs_dir).validate(asset_name, spec, frame, run_name)
        passed = validation is not None and validation.success
        observed = spec.observe(frame, validation.result.results) if validation is not None else None
        stats = validation.result.statistics if validation is not None else {}
        failed = validation.failed if validation is not None else []
        row = CheckResultRow(
            check_name=spec.name,
            asset_key=asset_key.to_user_string(),
            severity="ERROR" if spec.blocking else "WARN",
            blocking=spec.blocking,
            passed=passed,
            partition_start=start if window else None,
            partition_end=last_day if window else None,
            observed_value=observed,
            observed_label=spec.observed_label,
            expectations_total=int(stats.get("evaluated_expectations", 0)),
            expectations_failed=int(stats.get("unsuccessful_expectations", 0)),
            failed_expectations=", ".join(failed),
            error=error,
            docs_path=str(validation.page) if validation is not None else None,
            run_id=context.run.run_id,
            checked_at=datetime.now(UTC).replace(tzinfo=None),
        )
        record(con, row)
        index = write_index(docs_dir, latest(con))

    metadata: dict[str, object] = {
        "partition_window": window_text,
        "observed_value": dg.MetadataValue.float(observed) if observed is not None else "n/a",
        "observed": spec.observed_label,
        "rows_validated": len(frame) if frame is not None else 0,
        "expectations": f"{row.expectations_total - row.expectations_failed}/{row.expectations_total} passed",
        "failed_expectations": dg.MetadataValue.json(failed),
        "data_docs_index": dg.MetadataValue.path(str(index)),
    }
    if validation is not None:
        metadata["data_docs_page"] = dg.MetadataValue.path(str(validation.page))
        metadata["data_docs_url"] = dg.MetadataValue.url(Path(validation.page).as_uri())
    if error:
        metadata["error"] = error
    return dg.AssetCheckResult(
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR if spec.blocking else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
    )


def build_check(
    asset_key: dg.AssetKey, partitions_def: dg.PartitionsDefinition | None, spec: CheckSpec
) -> dg.AssetChecksDefinition:
    """One asset check running `spec` on `asset_key` over the run's window when the asset is partitioned."""

    @dg.asset_check(
        asset=asset_key,
        name=spec.name,
        description=spec.description,
        blocking=spec.blocking,
        # checks write health.check_results, so they queue with the other writers of the DuckDB file
        pool=WRITER_POOL,
        metadata={"severity": "ERROR" if spec.blocking else "WARN", "engine": "great_expectations"},
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        return run_check(context, warehouse, asset_key, spec, partitions_def is not None)

    return _check


def build_checks(
    asset_key: dg.AssetKey, partitions_def: dg.PartitionsDefinition | None, specs: Sequence[CheckSpec]
) -> list[dg.AssetChecksDefinition]:
    """The checks of one asset."""
    return [build_check(asset_key, partitions_def, spec) for spec in specs]
