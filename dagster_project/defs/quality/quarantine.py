"""The quarantine-share check: a raw table whose rows of one day were set aside above the limit
(KPI_QUARANTINE_MAX_SHARE) blocks the publish, naming the day, the share and the most frequent reasons."""

from collections.abc import Sequence
from datetime import UTC, date, datetime

import dagster as dg
import duckdb

from dagster_project.defs.quality.checks import check_window
from dagster_project.defs.quality.results import CheckResultRow, record
from dagster_project.environment import settings
from dagster_project.warehouse import WRITER_POOL, WarehouseResource

CHECK_NAME = "quarantine_share"
TOP_REASONS = 3


def _window(start_end: tuple[date, date] | None) -> str:
    if start_end is None:
        return "true"
    return f"_partition_date >= '{start_end[0]}' and _partition_date < '{start_end[1]}'"


def over_limit(
    con: duckdb.DuckDBPyConnection, table: str, window: tuple[date, date] | None, limit: float
) -> list[str]:
    """One sentence per day of the window on which more than `limit` of `table`'s rows were quarantined."""
    tables = {
        t
        for (t,) in con.execute("select table_name from duckdb_tables() where schema_name = 'raw'").fetchall()
    }
    if table not in tables or "quarantine" not in tables:
        return []
    where = _window(window)
    days = con.execute(
        f"""
        with loaded as (select _partition_date as day, count(*) as n from raw."{table}" where {where} group by 1),
        quarantined as (
            select _partition_date as day, count(*) as n from raw.quarantine
            where target_table = $table and {where} group by 1
        )
        select day, coalesce(loaded.n, 0) as loaded, quarantined.n as quarantined
        from quarantined left join loaded using (day)
        where quarantined.n > $limit * (quarantined.n + coalesce(loaded.n, 0))
        order by day
        """,
        {"table": table, "limit": limit},
    ).fetchall()
    sentences = []
    for day, loaded, quarantined in days:
        reasons = con.execute(
            """
            select reason, count(*) as n, min(source || coalesce(':' || source_line, '')) as example
            from raw.quarantine where target_table = $table and _partition_date is not distinct from $day
            group by reason order by n desc, reason limit $top
            """,
            {"table": table, "day": day, "top": TOP_REASONS},
        ).fetchall()
        share = quarantined / (quarantined + loaded)
        listed = "; ".join(f"{n} × {reason} (e.g. {example})" for reason, n, example in reasons)
        hint = ""
        if any(reason.startswith("not valid ") for reason, _, _ in reasons):
            hint = " — is the file in another encoding? Set it with KPI_SOURCE_ENCODINGS (or a mapping's encoding)"
        sentences.append(
            f"raw.{table} on {day or 'the whole file'}: {quarantined} of {quarantined + loaded} rows "
            f"quarantined ({share:.0%}, limit {limit:.0%} KPI_QUARANTINE_MAX_SHARE); top reasons: {listed}{hint}"
        )
    return sentences


def build_quarantine_checks(assets: Sequence[dg.AssetsDefinition]) -> dg.AssetChecksDefinition | None:
    """One blocking quarantine-share check per raw table, evaluated together in one step."""
    keys = sorted(
        {key for a in assets for key in a.keys if key.path[0] == "raw"}, key=lambda k: k.to_user_string()
    )
    partitioned = {key: a.partitions_def is not None for a in assets for key in a.keys}
    if not keys:
        return None

    @dg.multi_asset_check(
        name="raw_quarantine_share",
        specs=[
            dg.AssetCheckSpec(
                name=CHECK_NAME,
                asset=key,
                blocking=True,
                description="The share of a day's rows set aside in raw.quarantine stays at or below "
                "KPI_QUARANTINE_MAX_SHARE.",
            )
            for key in keys
        ],
        can_subset=True,
        pool=WRITER_POOL,
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        limit = settings().quarantine_max_share
        selected = sorted(context.selected_asset_check_keys, key=lambda k: k.asset_key.to_user_string())
        results = []
        with warehouse.connect() as con:
            for check_key in selected:
                key = check_key.asset_key
                run_window = check_window(context, partitioned[key])
                window = (run_window.start, run_window.end_exclusive) if run_window else None
                sentences = over_limit(con, key.path[-1], window, limit)
                message = "\n".join(sentences) or None
                record(
                    con,
                    CheckResultRow(
                        check_name=CHECK_NAME,
                        asset_key=key.to_user_string(),
                        severity="ERROR",
                        blocking=True,
                        passed=not sentences,
                        partition_start=run_window.start if run_window else None,
                        partition_end=run_window.end if run_window else None,
                        observed_value=float(len(sentences)),
                        observed_label="days over the quarantine limit",
                        expectations_total=1,
                        expectations_failed=1 if sentences else 0,
                        failed_expectations=CHECK_NAME if sentences else "",
                        error=None,
                        docs_path=None,
                        run_id=context.run.run_id,
                        checked_at=datetime.now(UTC).replace(tzinfo=None),
                    ),
                )
                results.append(
                    dg.AssetCheckResult(
                        asset_key=key,
                        check_name=CHECK_NAME,
                        passed=not sentences,
                        severity=dg.AssetCheckSeverity.ERROR,
                        description=message,
                        metadata={
                            "days_over_limit": len(sentences),
                            "limit": limit,
                            "partition_window": f"{run_window.start}..{run_window.end}"
                            if run_window
                            else "whole table",
                        },
                    )
                )
        yield from results

    return _check
