"""One load: read every file or query of a set of raw tables for a day range and replace that range atomically."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from dagster_project.defs.ingest.loader import LoadCounts, TableLoad, known_currencies, register_lookups
from dagster_project.defs.ingest.orders import engine_for, read_window
from dagster_project.defs.ingest.readers import HeaderError, read_file
from dagster_project.defs.ingest.spec import DAY_IN_PATH, SourceSpec, SpecError, builtin_specs, load_mappings
from dagster_project.profile import Profile, load_profile

FLUSH_ROWS = 100_000


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def files_in_window(
    sources_dir: Path, spec: SourceSpec, window: tuple[date, date] | None
) -> list[tuple[str | None, Path]]:
    """The spec's files whose day (in the path) lies in the window, by day then name; all files when unpartitioned."""
    if window is None:
        return [(None, p) for p in sorted(sources_dir.glob(spec.glob_for(None)))]
    # One glob over every day and a filter is far cheaper than a glob per day of a two-year range.
    days = {d.isoformat() for d in days_between(*window)}
    found = []
    for path in sources_dir.glob(spec.glob_for("*")):
        match = DAY_IN_PATH.search(str(path.relative_to(sources_dir)))
        if match and match.group(1) in days:
            found.append((match.group(1), path))
    return sorted(found)


def specs_for(tables: Iterable[str], mappings_dir: Path) -> dict[str, list[SourceSpec]]:
    """The built-in spec of each table followed by any mapping files that feed it.

    A mapping file that cannot be used fails the load of the table it feeds (only that one), with one line
    per such file naming it and the problem.
    """
    builtin = builtin_specs()
    tables = list(tables)
    mapped, problems = load_mappings(mappings_dir)
    mine = [p.message for p in problems if p.table in tables]
    if mine:
        raise SpecError("\n".join(mine))
    return {t: [builtin[t], *[m for m in mapped if m.target_table == t]] for t in tables}


def apply_query(con: duckdb.DuckDBPyConnection, spec: SourceSpec, read: pa.Table, relative: str) -> pa.Table:
    """Run the mapping's SELECT over one export (as `export`); rows that did not parse bypass it to quarantine."""
    failed = read.filter(pc.is_valid(read["_parse_error"]))
    con.register("export", read.filter(pc.is_null(read["_parse_error"])))
    try:
        result = con.sql(spec.query).to_arrow_table()
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        raise SpecError(f"{spec.origin}: the query failed on {relative}: {first}") from None
    finally:
        # after a failed query the transaction is aborted and refuses even this; the load rolls back anyway
        with contextlib.suppress(duckdb.Error):
            con.unregister("export")
    missing = [c.source for c in spec.columns if c.source not in result.column_names]
    if missing:
        raise HeaderError(f"{relative}: the query of {spec.origin} returns no column {', '.join(missing)} "
                          f"(it returns: {', '.join(result.column_names)})")

    def lineage(table: pa.Table, name: str, kind: pa.DataType) -> pa.Array:
        if name in table.column_names:
            return table[name].cast(kind)
        return pa.nulls(table.num_rows, kind)

    shaped = []
    for table in (failed, result):
        columns = {c.name: (table[c.source].cast(pa.string()) if c.source in table.column_names
                            else pa.nulls(table.num_rows, pa.string())) for c in spec.columns}
        columns["_source"] = pa.array([relative] * table.num_rows, pa.string())
        columns["_source_line"] = lineage(table, "_source_line", pa.int64())
        columns["_raw"] = lineage(table, "_raw", pa.string())
        columns["_parse_error"] = lineage(table, "_parse_error", pa.string())
        shaped.append(pa.table(columns))
    return pa.concat_tables(shaped)


def stage_files(
    con: duckdb.DuckDBPyConnection, load: TableLoad, spec: SourceSpec, files: list[tuple[str | None, Path]],
    sources_dir: Path,
) -> None:
    """Read, map and validate the files of one spec into the load (the build and the dry run share this)."""
    lookups = register_lookups(con, spec, sources_dir) if spec.lookups else {}
    # One typed insert per spec: DuckDB's per-statement cost dominates small daily files.
    parts = []
    for day_text, path in files:
        relative = str(path.relative_to(sources_dir)) if path.is_relative_to(sources_dir) else str(path)
        rows = read_file(path, relative, spec).table
        if spec.query:
            rows = apply_query(con, spec, rows, relative)
        parts.append(rows.append_column("_partition_date", pa.array([day_text] * rows.num_rows, pa.string())))
        load.counts.files += 1
        # Flush in slices so memory stays flat over a two-year range.
        if sum(p.num_rows for p in parts) >= FLUSH_ROWS:
            load.add(spec, pa.concat_tables(parts), None, lookups)
            parts = []
    if parts:
        load.add(spec, pa.concat_tables(parts), None, lookups)


def load_tables(
    con: duckdb.DuckDBPyConnection,
    tables: Iterable[str],
    window: tuple[date, date] | None,
    load_id: str,
    sources_dir: Path,
    mappings_dir: Path,
    orders_db_url: str | None = None,
    profile: Profile | None = None,
) -> dict[str, LoadCounts]:
    """Load `tables` for the window (None = unpartitioned, reloaded whole) in one transaction.

    Any error — a header that cannot be mapped, an unreachable database — rolls the whole load back. A table the
    company profile does not feed (its source switched off) is created empty and nothing is read for it.
    """
    # the contract reads this package's format specs, so it is imported when used, not with the package
    from dagster_project.contract import raw_contract

    profile = profile or load_profile()
    contract = raw_contract(profile)
    specs = specs_for(tables, mappings_dir)
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    con.execute("set TimeZone = 'UTC'")
    currencies = known_currencies(con, sources_dir / "reference" / "fx_rates.csv")
    engine = None
    counts: dict[str, LoadCounts] = {}
    con.execute("begin transaction")
    try:
        for table, table_specs in specs.items():
            load = TableLoad(con, contract[table], currencies)
            for spec in table_specs if profile.table_enabled(table) else []:
                if spec.format == "sql":
                    engine = engine or engine_for(orders_db_url or "")
                    assert window is not None
                    for batch in read_window(engine, spec, *window):
                        load.add(spec, batch, None)
                    continue
                stage_files(con, load, spec, files_in_window(sources_dir, spec, window), sources_dir)
            counts[table] = load.replace(window, load_id, loaded_at)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        if engine is not None:
            engine.dispose()
    return counts
