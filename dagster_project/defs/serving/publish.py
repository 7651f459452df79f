"""Publishing the serving snapshot: copy the marts into a fresh DuckDB file and swap it in atomically."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd

from dagster_project.health import SCHEMA as HEALTH_SCHEMA

# The warehouse schemas the snapshot copies: the marts and the BI layer built from them (dbt models/marts/bi).
SERVED_SCHEMAS = ("marts", "bi")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def tables_in_schema(con: duckdb.DuckDBPyConnection, schema: str, catalog: str | None = None) -> list[str]:
    catalog_filter = "and table_catalog = ?" if catalog else ""
    params = [schema, catalog] if catalog else [schema]
    rows = con.execute(
        f"""
        select table_name from information_schema.tables
        where table_schema = ? {catalog_filter} and table_type = 'BASE TABLE'
        order by table_name
        """,
        params,
    ).fetchall()
    return [name for (name,) in rows]


def source_freshness(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per raw table: the newest partition loaded, the last load time and its row count."""
    frames = []
    for table in tables_in_schema(con, "raw"):
        if table.startswith("_") or table == "quarantine":
            continue
        columns = {
            c
            for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = 'raw' and table_name = ?",
                [table],
            ).fetchall()
        }
        partition = "max(_partition_date)" if "_partition_date" in columns else "null::date"
        loaded = "max(_loaded_at)" if "_loaded_at" in columns else "null::timestamp"
        frames.append(
            con.execute(
                f"""
            select '{table}' as raw_table, {partition} as last_partition_date,
                   {loaded} as last_loaded_at, count(*)::bigint as row_count
            from raw.{_quote(table)}
            """
            ).df()
        )
    if not frames:
        return pd.DataFrame(columns=["raw_table", "last_partition_date", "last_loaded_at", "row_count"])
    return pd.concat(frames, ignore_index=True)


def with_outcome(checks: pd.DataFrame) -> pd.DataFrame:
    """The check results with `outcome` first: 'blocking failure' (it holds back the publish), 'warning' (a failed
    check that does not), 'passed' or 'not run' - what the data-health dashboard counts and colours."""
    passed = checks["passed"].astype("boolean")
    failed = (passed.eq(False).fillna(False) | checks["status"].isin(["FAILED", "EXECUTION_FAILED"])).astype(
        bool
    )
    blocking = checks["blocking"].fillna(False).astype(bool)
    outcome = pd.Series("passed", index=checks.index, dtype="object")
    outcome[passed.isna().to_numpy() & ~failed] = "not run"
    outcome[failed & ~blocking] = "warning"
    outcome[failed & blocking] = "blocking failure"
    return checks.assign(outcome=outcome)[["outcome", *checks.columns]]


def quarantine_summary(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Rows set aside, by table, partition day and reason: quarantined at ingest (raw.quarantine) and kept but
    excluded from the KPIs in a mart (a mart row flagged `is_excluded` with its `exclusion_reason`)."""
    parts = []
    if "quarantine" in tables_in_schema(con, "raw"):
        parts.append(
            "select target_table, _partition_date as partition_date, reason, count(*)::bigint as rows_quarantined "
            "from raw.quarantine group by all"
        )
    flagged = con.execute(
        """
        select table_name from information_schema.columns
        where table_schema = 'marts' and column_name in ('is_excluded', 'exclusion_reason', 'loaded_for_date')
        group by table_name having count(*) = 3 order by 1
        """
    ).fetchall()
    for (table,) in flagged:
        parts.append(
            f"select 'marts.{table}' as target_table, loaded_for_date as partition_date, "
            f"'excluded: ' || exclusion_reason as reason, count(*)::bigint as rows_quarantined "
            f'from marts."{table}" where is_excluded group by all'
        )
    if not parts:
        return pd.DataFrame(columns=["target_table", "partition_date", "reason", "rows_quarantined"])
    return con.execute(" union all ".join(parts) + " order by all").df()


def ignored_files(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Files in the landing folders that no load reads, each with its raw table and reason."""
    if "_ignored_files" not in tables_in_schema(con, "raw"):
        # typed, so the snapshot's table has real column types even when nothing was ever ignored
        return pd.DataFrame(
            {
                "target_table": pd.Series(dtype="string"),
                "file": pd.Series(dtype="string"),
                "reason": pd.Series(dtype="string"),
                "detected_at": pd.Series(dtype="datetime64[us]"),
            }
        )
    return con.execute(
        "select target_table, file, reason, _detected_at as detected_at from raw._ignored_files order by all"
    ).df()


def views_in_schema(con: duckdb.DuckDBPyConnection, schema: str, catalog: str) -> list[tuple[str, str]]:
    """(name, CREATE VIEW statement) of every view of a schema, as DuckDB keeps them."""
    return con.execute(
        "select view_name, sql from duckdb_views() where database_name = ? and schema_name = ? and not internal "
        "order by view_name",
        [catalog, schema],
    ).fetchall()


def _copy_views(con: duckdb.DuckDBPyConnection, alias: str, views: dict[str, list[tuple[str, str]]]) -> None:
    """Re-create the views inside the snapshot, so that the names they read resolve to the snapshot's own tables."""
    home = con.execute("select current_database()").fetchone()[0]
    con.execute(f"use {alias}")
    try:
        for statements in views.values():
            for _, statement in statements:
                con.execute(statement)
    finally:
        con.execute(f"use {_quote(home)}")


def publish_snapshot(
    con: duckdb.DuckDBPyConnection,
    serving_path: Path,
    schemas: Iterable[str],
    health: dict[str, pd.DataFrame],
) -> dict[str, int]:
    """Copy every table and view of `schemas` and write the health frames into a temporary file, then replace the
    serving file.

    Readers keep whatever file they opened; the next connection sees the new snapshot. Returns rows per table.
    """
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    # A publish killed half-way leaves only its temporary file behind; the serving file itself is untouched.
    for pattern in (f".{serving_path.name}.*.tmp", f".{serving_path.name}.*.tmp.wal"):
        for stale in serving_path.parent.glob(pattern):
            stale.unlink(missing_ok=True)
    tmp_path = serving_path.with_name(f".{serving_path.name}.{uuid.uuid4().hex}.tmp")
    tmp_wal = tmp_path.with_name(tmp_path.name + ".wal")
    alias = "snapshot_" + uuid.uuid4().hex[:8]
    counts: dict[str, int] = {}
    home = con.execute("select current_database()").fetchone()[0]
    views: dict[str, list[tuple[str, str]]] = {}
    con.execute(f"attach '{tmp_path}' as {alias}")
    try:
        for schema in schemas:
            con.execute(f"create schema {alias}.{_quote(schema)}")
            views[schema] = views_in_schema(con, schema, home)
            for table in tables_in_schema(con, schema, catalog=home):
                target = f"{alias}.{_quote(schema)}.{_quote(table)}"
                con.execute(f"create table {target} as select * from {_quote(schema)}.{_quote(table)}")
                counts[f"{schema}.{table}"] = con.execute(f"select count(*) from {target}").fetchone()[0]
        con.execute(f"create schema {alias}.{HEALTH_SCHEMA}")
        for name, frame in health.items():
            con.register("health_frame", frame)
            con.execute(f"create table {alias}.{HEALTH_SCHEMA}.{_quote(name)} as select * from health_frame")
            con.unregister("health_frame")
            counts[f"{HEALTH_SCHEMA}.{name}"] = len(frame)
        _copy_views(con, alias, views)
        con.execute(f"checkpoint {alias}")
    except BaseException:
        try:
            con.execute(f"detach {alias}")
        finally:
            tmp_path.unlink(missing_ok=True)
            tmp_wal.unlink(missing_ok=True)
        raise
    con.execute(f"detach {alias}")
    tmp_wal.unlink(missing_ok=True)  # checkpointed: nothing in it is still needed
    with open(tmp_path, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp_path, serving_path)
    directory = os.open(serving_path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return counts
