"""One load: read every file or query of a set of raw tables for a day range and replace that range atomically."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa

from dagster_project.defs.ingest.landing import Ignored, InputError, expected, survey
from dagster_project.defs.ingest.loader import LoadCounts, TableLoad, known_currencies, record_ignored
from dagster_project.defs.ingest.orders import engine_for, read_window
from dagster_project.defs.ingest.readers import HeaderError, read_file
from dagster_project.defs.ingest.spec import SourceSpec, builtin_specs, mapping_specs

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


def read_source_file(path: Path, sources_dir: Path, spec: SourceSpec, required: bool) -> pa.Table:
    """One file's rows; any failure to read it names the file, and a header-only reference file is an error."""
    relative = path.relative_to(sources_dir).as_posix()
    try:
        read = read_file(path, relative, spec)
    except (HeaderError, InputError):
        raise
    except (OSError, ValueError, LookupError) as exc:
        raise InputError(f"{relative}: cannot be read as {spec.format} ({spec.origin}): {exc}") from exc
    if required and not spec.partitioned and read.table.num_rows == 0:
        raise InputError(
            f"{path}: file of raw.{spec.target_table} has a header but no rows "
            f"(setting KPI_SOURCES_DIR={sources_dir}; files: {spec.files} in {spec.origin})"
        )
    return read.table


def specs_for(tables: Iterable[str], mappings_dir: Path) -> dict[str, list[SourceSpec]]:
    """The built-in spec of each table (in the encoding KPI_SOURCE_ENCODINGS gives it) and any mapping files."""
    from dagster_project.environment import settings

    encodings = settings().source_encodings
    builtin = {t: replace(s, encoding=encodings.get(t, s.encoding)) for t, s in builtin_specs().items()}
    mapped = mapping_specs(mappings_dir)
    return {t: [builtin[t], *[m for m in mapped if m.target_table == t]] for t in tables}


def load_tables(
    con: duckdb.DuckDBPyConnection,
    tables: Iterable[str],
    window: tuple[date, date] | None,
    load_id: str,
    sources_dir: Path,
    mappings_dir: Path,
    orders_db_url: str | None = None,
) -> dict[str, LoadCounts]:
    """Load `tables` for the window (None = unpartitioned, reloaded whole) in one transaction.

    Any error — a header that cannot be mapped, an unreachable database — rolls the whole load back.
    """
    builtin = builtin_specs()
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    con.execute("set TimeZone = 'UTC'")
    table_specs = specs_for(tables, mappings_dir)
    every_spec = [s for specs in specs_for(builtin, mappings_dir).values() for s in specs]
    needs_fx = any(c.currency for t in table_specs for c in builtin[t].columns if expected(t))
    currencies = known_currencies(con, fx_rates_file(sources_dir, needs_fx))
    engine = None
    counts: dict[str, LoadCounts] = {}
    con.execute("begin transaction")
    try:
        for table, specs in table_specs.items():
            load = TableLoad(con, builtin[table], currencies)
            ignored: list[Ignored] = []
            for spec in specs:
                if spec.format == "sql":
                    engine = engine or engine_for(orders_db_url or "")
                    assert window is not None
                    for batch in read_window(engine, spec, *window):
                        load.add(spec, batch, None)
                    continue
                # The built-in folder of a table that a mapping file feeds may be absent: the mapping says where
                # the company's files land instead.
                required = expected(table) and (spec.origin != "built-in" or len(specs) == 1)
                landing = survey(sources_dir, spec, window, required, every_spec)
                ignored += landing.ignored
                # One typed insert per spec: DuckDB's per-statement cost dominates small daily files.
                parts = []
                for day_text, path in landing.files:
                    rows = read_source_file(path, sources_dir, spec, required)
                    parts.append(
                        rows.append_column("_partition_date", pa.array([day_text] * rows.num_rows, pa.string()))
                    )
                    load.counts.files += 1
                    # Flush in slices so memory stays flat over a two-year range.
                    if sum(p.num_rows for p in parts) >= FLUSH_ROWS:
                        load.add(spec, pa.concat_tables(parts), None)
                        parts = []
                if parts:
                    load.add(spec, pa.concat_tables(parts), None)
            counts[table] = load.replace(window, load_id, loaded_at)
            counts[table].ignored = record_ignored(con, table, ignored, load_id, loaded_at)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        if engine is not None:
            engine.dispose()
    return counts
