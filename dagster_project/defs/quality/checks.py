"""The suites as Dagster asset checks: each validates its asset's partition window, logs the result to
health.expectation_results and links its Data Docs page; blocking ones fail with severity ERROR. The checks of one asset
run as one step."""

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.defs.quality.data_docs import write_index
from dagster_project.defs.quality.gx_runner import runner_for
from dagster_project.defs.quality.messages import expectation_failures
from dagster_project.defs.quality.results import CheckResultRow, latest, record
from dagster_project.defs.quality.suites.base import CheckSpec
from dagster_project.environment import settings
from dagster_project.runs import RunWindow
from dagster_project.warehouse import WRITER_POOL, WarehouseResource

# An unpartitioned asset is checked whole: the window spans every date a table can hold.
WHOLE_TABLE = (date(1900, 1, 1), date(9999, 12, 31))


def check_window(context: dg.AssetCheckExecutionContext, partitioned: bool) -> RunWindow | None:
    """The run's window when the checked asset is partitioned; None checks the whole table.

    The checks themselves are not partitioned: a partitioned check makes Dagster record one planned
    evaluation per check per day when a run is created, which took minutes for a two-year range.
    """
    window = RunWindow.of(context.run.tags)
    return window if partitioned and window.is_windowed else None


def _evaluate(
    context: dg.AssetCheckExecutionContext,
    con: duckdb.DuckDBPyConnection,
    asset_key: dg.AssetKey,
    spec: CheckSpec,
    window: RunWindow | None,
) -> tuple[CheckResultRow, dict[str, object]]:
    """Fetch the window's batch and validate it with GX; the row for health.expectation_results and the check metadata."""
    # the check SQL sees a half-open range: $start (first day) and $end (the day after the last)
    start, end = (window.start, window.end_exclusive) if window else WHOLE_TABLE
    params = {"start": start, "end": end, **spec.params}
    params = {k: v for k, v in params.items() if f"${k}" in spec.sql}
    asset_name = ".".join(asset_key.path)
    last_day = end - timedelta(days=1)
    run_name = f"{start}_{last_day}-{context.run.run_id[:8]}" if window else f"all-{context.run.run_id[:8]}"

    frame, validation, error = None, None, None
    try:
        frame = con.execute(spec.sql, params).df()
    except duckdb.Error as exc:  # a missing table or column is a failed check, not a crashed step
        error = f"{type(exc).__name__}: {exc}".splitlines()[0]
    if frame is not None:
        validation = runner_for(settings().data_docs_dir).validate(asset_name, spec, frame, run_name)
    observed = spec.observe(frame, validation.result.results) if validation is not None else None
    stats = validation.result.statistics if validation is not None else {}
    failed = validation.failed if validation is not None else []
    passed = validation is not None and validation.success
    message = None
    if not passed:
        if validation is None:
            message = f"{asset_name}: check '{spec.name}' could not run: {error}"
        else:
            explain = spec.explain or expectation_failures
            lines = explain(asset_name, frame, validation.result.results)
            message = "\n".join(lines) or f"{asset_name}: {spec.description}"
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
        message=message,
    )
    metadata: dict[str, object] = {
        "partition_window": f"{start}..{last_day}" if window else "whole table",
        "observed_value": dg.MetadataValue.float(observed) if observed is not None else "n/a",
        "observed": spec.observed_label,
        "rows_validated": len(frame) if frame is not None else 0,
        "expectations": f"{row.expectations_total - row.expectations_failed}/{row.expectations_total} passed",
        "failed_expectations": dg.MetadataValue.json(failed),
    }
    if validation is not None:
        metadata["data_docs_page"] = dg.MetadataValue.path(str(validation.page))
        metadata["data_docs_url"] = dg.MetadataValue.url(Path(validation.page).as_uri())
    if error:
        metadata["error"] = error
    if message:
        metadata["failure"] = dg.MetadataValue.text(message)
    return row, metadata


def run_checks(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    asset_key: dg.AssetKey,
    specs: Sequence[CheckSpec],
    partitioned: bool,
) -> Iterator[dg.AssetCheckResult]:
    """Validate every spec over the run's window, render their Data Docs in one pass, log and yield the results.

    Every selected check is evaluated and reported even when an earlier one fails; Dagster then fails the step
    if a blocking one did, which stops everything downstream of the asset.
    """
    window = check_window(context, partitioned)
    docs_dir = settings().data_docs_dir
    with warehouse.connect() as con:
        evaluated = [_evaluate(context, con, asset_key, spec, window) for spec in specs]
        runner_for(docs_dir).render()
        for row, _ in evaluated:
            record(con, row)
        index = write_index(docs_dir, latest(con))
    for spec, (row, metadata) in zip(specs, evaluated, strict=True):
        yield dg.AssetCheckResult(
            asset_key=asset_key,
            check_name=spec.name,
            passed=row.passed,
            severity=dg.AssetCheckSeverity.ERROR if spec.blocking else dg.AssetCheckSeverity.WARN,
            metadata={**metadata, "data_docs_index": dg.MetadataValue.path(str(index))},
            # the failure in words (rule, column, rows, samples with file and line); `kpi build` prints it
            description=row.message,
        )


def build_checks(
    asset_key: dg.AssetKey, partitions_def: dg.PartitionsDefinition | None, specs: Sequence[CheckSpec]
) -> dg.AssetChecksDefinition:
    """All checks of one asset as one step (one DuckDB connection, one Data Docs render), each selectable alone."""
    by_name = {spec.name: spec for spec in specs}

    @dg.multi_asset_check(
        name=f"{'__'.join(asset_key.path)}__checks",
        specs=[
            dg.AssetCheckSpec(
                name=spec.name,
                asset=asset_key,
                description=spec.description,
                blocking=spec.blocking,
                metadata={"severity": "ERROR" if spec.blocking else "WARN", "engine": "great_expectations"},
            )
            for spec in specs
        ],
        can_subset=True,
        # checks write health.expectation_results, so they queue with the other writers of the DuckDB file
        pool=WRITER_POOL,
    )
    def _checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        selected = {key.name for key in context.selected_asset_check_keys}
        yield from run_checks(
            context,
            warehouse,
            asset_key,
            [s for n, s in by_name.items() if n in selected],
            partitions_def is not None,
        )

    return _checks
