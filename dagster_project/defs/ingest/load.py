"""One load: read every file or query of a set of raw tables for a day range and replace that range atomically."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from dagster_project.defs.ingest.landing import Ignored, InputError, expected, survey
from dagster_project.defs.ingest.loader import (
    LoadCounts,
    TableLoad,
    known_currencies,
    record_ignored,
    register_lookups,
)
from dagster_project.defs.ingest.orders import open_orders, read_window
from dagster_project.defs.ingest.readers import HeaderError, read_file
from dagster_project.defs.ingest.spec import SourceSpec, SpecError, builtin_specs, load_mappings
from dagster_project.profile import load_profile

FLUSH_ROWS = 100_000


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def files_in_window(
    sources_dir: Path, spec: SourceSpec, window: tuple[date, date] | None
) -> list[tuple[str | None, Path]]:
    """The spec's one file per day of the window, by day; the file itself when unpartitioned."""
    return survey(sources_dir, spec, window, required=False).files


def fx_rates_file(sources_dir: Path, required: bool) -> Path:
    """The FX reference file that says which currencies are known; absent or empty is an error when needed."""
    spec = builtin_specs()["ref_fx_rates"]
    found = survey(sources_dir, spec, None, required).files
    return found[0][1] if found else sources_dir / str(spec.files)


def read_source_file(path: Path, relative: str, spec: SourceSpec, required: bool) -> pa.Table:
    """One file's rows; any failure to read it names the file, and a header-only reference file is an error."""
    try:
        read = read_file(path, relative, spec)
    except (HeaderError, InputError):
        raise
    except (OSError, ValueError, LookupError) as exc:
        raise InputError(f"{relative}: cannot be read as {spec.format} ({spec.origin}): {exc}") from exc
    if required and not spec.partitioned and read.table.num_rows == 0:
        raise InputError(
            f"{path}: file of raw.{spec.target_table} has a header but no rows "
            f"(setting KPI_SOURCES_DIR; files: {spec.files} in {spec.origin})"
        )
    return read.table


def specs_for(tables: Iterable[str], mappings_dir: Path) -> dict[str, list[SourceSpec]]:
    """The built-in spec of each table (in the encoding KPI_SOURCE_ENCODINGS gives it) and the mapping files
    that feed it.

    A mapping file that cannot be used fails the load of the table it feeds (only that one), with one line
    per such file naming it and the problem.
    """
    from dagster_project.environment import settings

    encodings = settings().source_encodings
    builtin = {t: replace(s, encoding=encodings.get(t, s.encoding)) for t, s in builtin_specs().items()}
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
        # a failed query can leave the connection refusing even this; the load fails anyway
        with contextlib.suppress(duckdb.Error):
            con.unregister("export")
    missing = [c.source for c in spec.columns if c.source not in result.column_names]
    if missing:
        raise HeaderError(
            f"{relative}: the query of {spec.origin} returns no column {', '.join(missing)} "
            f"(it returns: {', '.join(result.column_names)})"
        )

    def lineage(table: pa.Table, name: str, kind: pa.DataType) -> pa.Array:
        if name in table.column_names:
            return table[name].cast(kind)
        return pa.nulls(table.num_rows, kind)

    shaped = []
    for table in (failed, result):
        columns = {
            c.name: (
                table[c.source].cast(pa.string())
                if c.source in table.column_names
                else pa.nulls(table.num_rows, pa.string())
            )
            for c in spec.columns
        }
        columns["_source"] = pa.array([relative] * table.num_rows, pa.string())
        columns["_source_line"] = lineage(table, "_source_line", pa.int64())
        columns["_raw"] = lineage(table, "_raw", pa.string())
        columns["_parse_error"] = lineage(table, "_parse_error", pa.string())
        shaped.append(pa.table(columns))
    return pa.concat_tables(shaped)


def stage_files(
    con: duckdb.DuckDBPyConnection,
    load: TableLoad,
    spec: SourceSpec,
    files: list[tuple[str | None, Path]],
    sources_dir: Path,
    required: bool = False,
) -> None:
    """Read, map and validate the files of one spec into the load (the build and the dry run share this)."""
    lookups = register_lookups(con, spec, sources_dir) if spec.lookups else {}
    # One typed insert per spec: DuckDB's per-statement cost dominates small daily files.
    parts = []
    for day_text, path in files:
        relative = str(path.relative_to(sources_dir)) if path.is_relative_to(sources_dir) else str(path)
        rows = read_source_file(path, relative, spec, required)
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
) -> dict[str, LoadCounts]:
    """Load `tables` for the window (None = unpartitioned, reloaded whole); the window of every table is replaced
    in one transaction, so nothing of a load is visible before all of it is.

    Rows are first staged batch by batch into temp tables that only this connection sees, each batch its own
    statement: DuckDB keeps every Arrow batch scanned inside a transaction until that transaction ends, so
    staging a two-year range inside the swap's transaction would hold the whole range in memory. Any error — a
    header that cannot be mapped, an unreachable database — leaves the raw tables as they were. A table the
    company profile does not feed (its source switched off) is created empty and nothing is read for it.
    """
    # the contract reads this package's format specs, so it is imported when used, not with the package
    from dagster_project.contract import raw_contract

    builtin = builtin_specs()
    contract = raw_contract(load_profile())
    specs = specs_for(tables, mappings_dir)
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    con.execute("set TimeZone = 'UTC'")
    # every spec's pattern, so that a file another spec loads from a shared folder is not listed as ignored
    every_spec = [*builtin.values(), *load_mappings(mappings_dir)[0]]
    needs_fx = any(c.currency for t in specs for c in builtin[t].columns if expected(t))
    currencies = known_currencies(con, fx_rates_file(sources_dir, needs_fx))
    staged: dict[str, tuple[TableLoad, list[Ignored]]] = {}
    try:
        with contextlib.ExitStack() as orders:
            database = None
            for table, table_specs in specs.items():
                load = TableLoad(con, contract[table], currencies)
                staged[table] = (load, [])
                present: list[bool] = []
                # a table the company profile does not feed is emptied for the window, and nothing is read for it
                for spec in table_specs if expected(table) else []:
                    if spec.format == "sql":
                        database = database or orders.enter_context(open_orders(orders_db_url or ""))
                        assert window is not None
                        load.add(spec, read_window(database, spec, *window), None)
                        continue
                    # A table fed by mapping files too may lack some of their folders, as long as one is there.
                    required = expected(table) and len(table_specs) == 1
                    landing = survey(sources_dir, spec, window, required, every_spec)
                    staged[table][1].extend(landing.ignored)
                    present.append(landing.present)
                    stage_files(con, load, spec, landing.files, sources_dir, expected(table))
                if expected(table) and present and not any(present):
                    folders = ", ".join(f"{s.files} ({s.origin})" for s in table_specs if s.files)
                    raise InputError(
                        f"no landing folder of raw.{table} found under {sources_dir} (setting "
                        f"KPI_SOURCES_DIR); looked for {folders}"
                    )
                load.check()
        # the swap: every table's window replaced at once
        counts: dict[str, LoadCounts] = {}
        con.execute("begin transaction")
        try:
            for table, (load, ignored) in staged.items():
                counts[table] = load.replace(window, load_id, loaded_at)
                counts[table].ignored = record_ignored(con, table, ignored, load_id, loaded_at)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    finally:
        for load, _ in staged.values():
            with contextlib.suppress(duckdb.Error):  # never hide the error that ended the load
                load.discard()
    return counts
