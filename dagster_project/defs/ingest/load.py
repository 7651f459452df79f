"""One load: read every file or query of a set of raw tables for a day range and replace that range atomically."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa

from dagster_project.defs.ingest.loader import LoadCounts, TableLoad, known_currencies
from dagster_project.defs.ingest.orders import engine_for, read_window
from dagster_project.defs.ingest.readers import read_file
from dagster_project.defs.ingest.spec import DAY_IN_PATH, SourceSpec, builtin_specs, mapping_specs
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
    """The built-in spec of each table followed by any mapping files that feed it."""
    builtin = builtin_specs()
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
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    con.execute("set TimeZone = 'UTC'")
    currencies = known_currencies(con, sources_dir / "reference" / "fx_rates.csv")
    engine = None
    counts: dict[str, LoadCounts] = {}
    con.execute("begin transaction")
    try:
        for table, specs in specs_for(tables, mappings_dir).items():
            load = TableLoad(con, contract[table], currencies)
            for spec in specs if profile.table_enabled(table) else []:
                if spec.format == "sql":
                    engine = engine or engine_for(orders_db_url or "")
                    assert window is not None
                    for batch in read_window(engine, spec, *window):
                        load.add(spec, batch, None)
                    continue
                # One typed insert per spec: DuckDB's per-statement cost dominates small daily files.
                parts = []
                for day_text, path in files_in_window(sources_dir, spec, window):
                    rows = read_file(path, str(path.relative_to(sources_dir)), spec).table
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
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        if engine is not None:
            engine.dispose()
    return counts
