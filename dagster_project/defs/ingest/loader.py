"""Typing, validating and loading staged rows into raw tables: a day range is replaced in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa

from dagster_project.defs.ingest.spec import ColumnSpec, SourceSpec

SQL_TYPES = {
    "varchar": "varchar",
    "bigint": "bigint",
    "double": "double",
    "date": "date",
    "timestamp": "timestamp",
    "boolean": "boolean",
}
LINEAGE_DDL = (
    "_partition_date date, _source varchar, _source_line bigint, _load_id varchar, _loaded_at timestamp"
)
QUARANTINE_DDL = """
create table if not exists raw.quarantine (
    source varchar, source_line bigint, raw_text varchar, reason varchar, target_table varchar,
    _partition_date date, _load_id varchar, _loaded_at timestamp
)
"""


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class LoadCounts:
    """What one load of one raw table did; read always equals loaded + quarantined + aggregated."""

    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    aggregated: int = 0  # rows summed into another row of the same grain (read = loaded + quarantined + this)
    files: int = 0
    ignored: int = 0  # files in the landing folder that are not loaded (raw._ignored_files says why)


def ensure_tables(con: duckdb.DuckDBPyConnection, canonical: SourceSpec) -> None:
    con.execute("create schema if not exists raw")
    con.execute(QUARANTINE_DDL)
    columns = ", ".join(f"{_q(c.name)} {SQL_TYPES[c.type]}" for c in canonical.columns)
    con.execute(f"create table if not exists raw.{_q(canonical.target_table)} ({columns}, {LINEAGE_DDL})")


def _recoded(column: ColumnSpec, raw: str, spec: SourceSpec) -> str:
    """SQL for the trimmed text of `raw` (NULL when blank) after the mapping's `values` recoding."""
    text = f"nullif(trim({raw}), '')"
    recode = spec.values.get(column.name, {})
    cases = " ".join(f"when {_lit(a)} then {_lit(b)}" for a, b in recode.items() if a != "")
    if cases:
        text = f"(case {text} {cases} else {text} end)"
    if "" in recode:
        text = f"coalesce({text}, nullif({_lit(recode[''])}, ''))"
    return text


def _in_utc(timestamp: str, spec: SourceSpec) -> str:
    """A naive timestamp read in the source's time zone, as naive UTC (unchanged when the source has none)."""
    if spec.timezone is None:
        return f"cast({timestamp} as timestamp)"
    return f"timezone('UTC', timezone({_lit(spec.timezone)}, cast({timestamp} as timestamp)))"


def _typed(column: ColumnSpec, text: str, spec: SourceSpec) -> str:
    """SQL turning the recoded text into the column's type, NULL where it does not parse."""
    if column.type == "varchar":
        return text
    if column.type in ("bigint", "double"):
        # a decimal-comma export groups thousands with spaces (often no-break ones): 1 234,50
        number = (
            f"replace(regexp_replace({text}, '[\\s\u00a0\u202f]', '', 'g'), ',', '.')"
            if spec.decimal_comma
            else text
        )
        return f"try_cast({number} as {column.type})"
    if column.type == "boolean":
        return f"try_cast({text} as boolean)"
    if column.date_format:
        formats = (column.date_format,) if isinstance(column.date_format, str) else column.date_format
        listed = _lit(formats[0]) if len(formats) == 1 else "[" + ", ".join(_lit(f) for f in formats) + "]"
        parsed = f"try_strptime({text}, {listed})"
        if column.type == "date":
            return f"cast({parsed} as date)"
        if any("%z" in f or "%Z" in f for f in formats):
            return f"cast({parsed} as timestamp)"  # an offset in the text wins over the source's zone
        return _in_utc(parsed, spec)
    if column.type == "date":
        return f"try_cast({text} as date)"
    if spec.timezone is None:
        return f"cast(try_cast({text} as timestamptz) as timestamp)"
    # an explicit offset after the time of day (…T09:15:00Z, …09:15+03:00) wins over the source's zone
    offset = f"regexp_matches({text}, '\\d:\\d\\d(:\\d\\d(\\.\\d+)?)?\\s*(Z|[+-]\\d\\d(:?\\d\\d)?)$')"
    return (
        f"(case when {offset} then cast(try_cast({text} as timestamptz) as timestamp) "
        f"else {_in_utc(f'try_cast({text} as timestamp)', spec)} end)"
    )


def implausible(column: ColumnSpec, raw: str, value: str, spec: SourceSpec) -> list[str]:
    """Reasons for values that parse but cannot be true: a fraction in an integer column (never rounded), a
    non-finite number (`1e309`, `inf`), a date outside [KPI_EARLIEST_DATE, today + KPI_FUTURE_DAYS]."""
    from dagster_project.environment import settings

    label = column.name
    if column.type == "bigint":
        text = f"nullif(trim({raw}), '')"
        if spec.decimal_comma:
            text = f"replace({text}, ',', '.')"
        number = f"try_cast({text} as double)"
        return [
            f"case when {number} <> trunc({number}) then 'fractional value for {label} (bigint): ' || {raw} end"
        ]
    if column.type == "double":
        return [f"case when not isfinite({value}) then 'not a finite number for {label}: ' || {raw} end"]
    if column.type in ("date", "timestamp"):
        config = settings()
        earliest = config.earliest_plausible_date
        latest = date.today() + timedelta(days=config.future_days_plausible)
        return [
            (
                f"case when {value} < {_lit(earliest.isoformat())}::date or {value} >= {_lit(latest.isoformat())}::date "
                f"+ interval 1 day then 'implausible date for {label} (outside {earliest} … {latest}): ' || {raw} end"
            )
        ]
    return []


def typed_select(canonical: SourceSpec, spec: SourceSpec, relation: str, currencies: Iterable[str]) -> str:
    """Select typed canonical columns plus `_reason`, the first rule the row breaks (NULL when it loads)."""
    mapped = {c.name: c for c in spec.columns}
    currency_list = ", ".join(_lit(c) for c in sorted(currencies))
    selects, reasons = [], ["_parse_error"]
    for column in canonical.columns:
        if column.name in mapped:
            raw = _q(column.name)
            text = _recoded(mapped[column.name], raw, spec)
            value = _typed(mapped[column.name], text, spec)
        elif column.name in spec.constants:
            raw = _lit(spec.constants[column.name])
            text = _recoded(column, raw, spec)
            value = _typed(column, text, spec)
        else:
            raw = text = "null"
            value = f"cast(null as {SQL_TYPES[column.type]})"
        selects.append(f"{value} as {_q(column.name)}")
        label = column.name
        if column.required:
            reasons.append(f"case when {text} is null then 'missing required field: {label}' end")
        reasons += implausible(column, text, value, spec)
        if column.type != "varchar":
            reasons.append(
                f"case when {text} is not null and {value} is null "
                f"then 'wrong type for {label} ({column.type}): ' || {text} end"
            )
        if column.accepted:
            accepted = ", ".join(_lit(a) for a in column.accepted)
            reasons.append(
                f"case when {value} is not null and {value} not in ({accepted}) "
                f"then 'value not accepted for {label}: ' || {value} end"
            )
        if column.currency:
            reasons.append(
                f"case when {value} is not null and {value} not in ({currency_list}) "
                f"then 'unknown currency: ' || {value} end"
            )
        if column.min is not None:
            reasons.append(
                f"case when {value} < {column.min} then 'negative {label}: ' || cast({value} as varchar) end"
            )
    # A database row has no line of text: its raw text is the JSON of the columns read.
    raw_row = "to_json(struct_pack(" + ", ".join(f"{_q(c.name)} := {_q(c.name)}" for c in spec.columns) + "))"
    return (
        f"select {', '.join(selects)}, _source, _source_line, coalesce(_raw, {raw_row}::varchar) as _raw, "
        f"_partition_date, coalesce({', '.join(reasons)}) as _reason from {relation}"
    )


def register_lookups(con: duckdb.DuckDBPyConnection, spec: SourceSpec, sources_dir: Path) -> dict[str, str]:
    """Read each lookup file of the spec into a temp table (key → value); returns canonical column → table."""
    tables = {}
    for number, (column, lookup) in enumerate(spec.lookups.items()):
        found = sorted(sources_dir.glob(lookup.file))
        if not found:
            raise LookupFileError(
                f"{spec.origin}: lookup file '{lookup.file}' for {column} matches no file under {sources_dir}"
            )
        path = found[-1]
        header = [
            d[0]
            for d in con.execute(
                "select * from read_csv(?, header = true, all_varchar = true, delim = ?, encoding = ?) limit 0",
                [str(path), lookup.delimiter, lookup.encoding],
            ).description
        ]
        missing = [c for c in (lookup.key, lookup.value) if c not in header]
        if missing:
            raise LookupFileError(
                f"{spec.origin}: lookup file {path.relative_to(sources_dir)} has no column "
                f"{', '.join(missing)} (it has: {', '.join(header)})"
            )
        table = f"_lookup_{number}"
        # a key listed twice keeps its smallest value, so the result does not depend on the reader's order
        con.execute(
            f"create or replace temp table {table} as select trim({_q(lookup.key)}) as k, min({_q(lookup.value)}) as v, "
            f"{_lit(str(path.relative_to(sources_dir)))} as file "
            f"from read_csv(?, header = true, all_varchar = true, delim = ?, encoding = ?) "
            f"where nullif(trim({_q(lookup.key)}), '') is not null group by 1",
            [str(path), lookup.delimiter, lookup.encoding],
        )
        tables[column] = table
    return tables


def _with_lookups(relation: str, spec: SourceSpec, tables: dict[str, str]) -> str:
    """The relation with each looked-up column replaced by its value from the lookup file."""
    if not spec.lookups:
        return relation
    joins, replaces, misses = [], [], []
    for number, (column, lookup) in enumerate(spec.lookups.items()):
        alias, col = f"_l{number}", f"_i.{_q(column)}"
        present = f"nullif(trim({col}), '') is not null"
        found = f"coalesce({alias}.v, {_lit(lookup.default)})" if lookup.default is not None else f"{alias}.v"
        joins.append(f"left join {tables[column]} as {alias} on trim({col}) = {alias}.k")
        replaces.append(f"case when {present} then {found} end as {_q(column)}")
        if lookup.default is None:
            misses.append(
                f"case when {present} and {alias}.v is null then 'not found in lookup file {lookup.file} "
                f"({lookup.key}) for {column}: ' || trim({col}) end"
            )
    return (
        f"(select _i.* replace ({', '.join(replaces)}, coalesce(_i._parse_error, {', '.join(misses) or 'null'}) "
        f"as _parse_error) from {relation} as _i {' '.join(joins)})"
    )


class LookupFileError(ValueError):
    """A lookup file of a mapping that is missing or lacks its key or value column."""


class TableLoad:
    """Collects the rows of one raw table from several files or queries, then replaces a day range at once."""

    def __init__(self, con: duckdb.DuckDBPyConnection, canonical: SourceSpec, currencies: Iterable[str]):
        self.con = con
        self.canonical = canonical
        self.currencies = tuple(currencies)
        self.counts = LoadCounts()
        self.staging = f"_stage_{canonical.target_table}"
        self.checked = False
        cols = ", ".join(f"{_q(c.name)} {SQL_TYPES[c.type]}" for c in canonical.columns)
        con.execute(
            f"create or replace temp table {self.staging} ({cols}, _source varchar, _source_line bigint, "
            f"_raw varchar, _partition_date date, _reason varchar)"
        )

    def add(
        self,
        spec: SourceSpec,
        rows: pa.Table | pa.RecordBatchReader,
        partition_date: date | None,
        lookups: dict[str, str] | None = None,
    ) -> None:
        """Type and validate rows (with their own `_partition_date`, or all for `partition_date`); a batch
        reader is streamed through DuckDB, never held whole."""
        if isinstance(rows, pa.Table) and rows.num_rows == 0:
            return
        self.con.register("_incoming", rows)
        try:
            if "_partition_date" in rows.schema.names:
                relation = (
                    "(select * replace (cast(_partition_date as date) as _partition_date) from _incoming)"
                )
            else:
                day = (
                    f"cast({_lit(partition_date.isoformat())} as date)"
                    if partition_date
                    else "cast(null as date)"
                )
                relation = f"(select *, {day} as _partition_date from _incoming)"
            relation = _with_lookups(relation, spec, lookups or {})
            typed = typed_select(self.canonical, spec, relation, self.currencies)
            if spec.aggregate:
                read = self._add_aggregated(spec, typed)
            else:
                [(read,)] = self.con.execute(f"insert into {self.staging} {typed}").fetchall()
        finally:
            self.con.unregister("_incoming")
        self.counts.read += read

    def _add_aggregated(self, spec: SourceSpec, typed: str) -> int:
        """Sum the loadable rows that agree on every other column (finer rows of a report) into one row;
        returns the rows read."""
        [(read,)] = self.con.execute(f"create or replace temp table _typed_rows as {typed}").fetchall()
        summed = [_q(c) for c in spec.aggregate]
        grain = [_q(c.name) for c in self.canonical.columns if c.name not in spec.aggregate]
        self.con.execute(
            f"insert into {self.staging} by name select * from _typed_rows where _reason is not null"
        )
        [(groups,)] = self.con.execute(
            f"insert into {self.staging} by name select {', '.join(grain)}, "
            f"{', '.join(f'sum({c}) as {c}' for c in summed)}, _source, _partition_date, "
            f"min(_source_line) as _source_line, arg_min(_raw, _source_line) as _raw, null as _reason "
            f"from _typed_rows where _reason is null group by all"
        ).fetchall()
        [(rows,)] = self.con.execute("select count(*) from _typed_rows where _reason is null").fetchall()
        self.counts.aggregated += rows - groups
        self.con.execute("drop table _typed_rows")
        return read

    def check(self) -> str:
        """Apply the whole-load rules (a key twice in one file) to the staged rows; returns the checked table."""
        key = [_q(k) for k in self.canonical.key]
        duplicate = (
            f"case when _reason is null and row_number() over "
            f"(partition by _source, _reason is null, {', '.join(key)} order by _source_line) > 1 "
            f"then 'duplicate id within file: ' || concat_ws('/', {', '.join(key)}) end"
            if key
            else "null"
        )
        self.con.execute(
            f"create or replace temp table {self.staging}_checked as "
            f"select * exclude (_reason), coalesce(_reason, {duplicate}) as _reason from {self.staging}"
        )
        self.con.execute(f"drop table {self.staging}")
        self.checked = True
        return f"{self.staging}_checked"

    def discard(self) -> None:
        """Drop whatever this load staged (its temp tables may have spilled to disk)."""
        for table in (self.staging, f"{self.staging}_checked"):
            self.con.execute(f"drop table if exists {table}")

    def replace(self, window: tuple[date, date] | None, load_id: str, loaded_at: datetime) -> LoadCounts:
        """Delete the window's rows (all rows when unpartitioned) and insert what loads; the caller commits.

        Run it inside the caller's transaction after staging, never stage inside one (see `load_tables`)."""
        table = self.canonical.target_table
        ensure_tables(self.con, self.canonical)
        if not self.checked:
            self.check()
        if window is None:
            where = "true"
        else:
            where = f"_partition_date between {_lit(window[0].isoformat())} and {_lit(window[1].isoformat())}"
        columns = ", ".join(_q(c.name) for c in self.canonical.columns)
        params = {"load_id": load_id, "loaded_at": loaded_at}
        self.con.execute(f"delete from raw.{_q(table)} where {where}")
        self.con.execute(f"delete from raw.quarantine where target_table = {_lit(table)} and ({where})")
        self.con.execute(
            f"insert into raw.{_q(table)} select {columns}, _partition_date, _source, _source_line, "
            f"$load_id, $loaded_at from {self.staging}_checked where _reason is null "
            f"order by _partition_date, _source, _source_line",
            params,
        )
        self.con.execute(
            f"insert into raw.quarantine select _source, _source_line, _raw, _reason, {_lit(table)}, "
            f"_partition_date, $load_id, $loaded_at from {self.staging}_checked where _reason is not null "
            f"order by _partition_date, _source, _source_line",
            params,
        )
        loaded, quarantined = self.con.execute(
            f"select count(*) filter (where _reason is null), count(*) filter (where _reason is not null) "
            f"from {self.staging}_checked"
        ).fetchone()
        self.counts.loaded, self.counts.quarantined = loaded, quarantined
        self.con.execute(f"drop table {self.staging}_checked")
        return self.counts


IGNORED_DDL = """
create table if not exists raw._ignored_files (
    target_table varchar, file varchar, reason varchar, _load_id varchar, _detected_at timestamp
)
"""


def record_ignored(
    con: duckdb.DuckDBPyConnection, table: str, ignored: Sequence, load_id: str, detected_at: datetime
) -> int:
    """Replace the list of files in `table`'s landing folders that are not loaded, each with its reason."""
    con.execute(IGNORED_DDL)
    con.execute("delete from raw._ignored_files where target_table = ?", [table])
    if ignored:
        con.executemany(
            "insert into raw._ignored_files values (?, ?, ?, ?, ?)",
            [[table, i.path, i.reason, load_id, detected_at] for i in ignored],
        )
    return len(ignored)


def known_currencies(con: duckdb.DuckDBPyConnection, fx_file) -> Sequence[str]:
    """Currencies with an FX rate in the reference file, plus the reporting currency USD."""
    found = {"USD"}
    if fx_file.exists():
        found |= {
            c
            for (c,) in con.execute(
                "select distinct currency from read_csv(?, header = true, all_varchar = true)", [str(fx_file)]
            ).fetchall()
            if c
        }
    return sorted(found)
