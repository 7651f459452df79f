"""The building blocks every suite module uses: a check spec and the standard kinds of check (schema, values,
volume, freshness), each a GX suite over a DataFrame that one SQL query fetches for the partition window."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import great_expectations.expectations as gxe
import pandas as pd

# The SQL of a check sees the window as `$start` (first day, DATE) and `$end` (the day after the last, DATE).
WINDOW_PARAMS = ("start", "end")

# DuckDB's information_schema type names that satisfy each type of the data contract (docs/sources.md).
TEXT = ("VARCHAR",)
INTEGER = ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER")
NUMBER = ("DOUBLE", "DECIMAL(18,2)", "FLOAT") + INTEGER
TIMESTAMP = ("TIMESTAMP",)
DATE = ("DATE",)
BOOLEAN = ("BOOLEAN",)

LINEAGE = {
    "_partition_date": DATE,
    "_source": TEXT,
    "_source_line": INTEGER,
    "_load_id": TEXT,
    "_loaded_at": TIMESTAMP,
}

Observe = Callable[[pd.DataFrame, list], "float | None"]
ExpectationFactory = Callable[[], list[gxe.Expectation]]
# A failed check in words: (checked relation, the batch, GX's results) → one sentence per broken rule.
Explain = Callable[[str, "pd.DataFrame | None", list], list[str]]


def unexpected_total(frame: pd.DataFrame, results: list) -> float:
    """How many values broke an expectation, counting an expectation that could not run (e.g. its column is
    gone) as one."""
    total = 0
    for result in results:
        if result.success:
            continue
        count = (result.result or {}).get("unexpected_count")
        total += count if isinstance(count, int) and count > 0 else 1
    return float(total)


@dataclass(frozen=True)
class CheckSpec:
    """One Dagster asset check: a GX suite validated against the DataFrame a SQL query returns for the window."""

    name: str
    description: str
    blocking: bool
    sql: str
    expectations: ExpectationFactory
    observe: Observe = unexpected_total
    observed_label: str = "unexpected values"
    params: Mapping[str, object] = field(default_factory=dict)
    # None: each failed expectation is said as its rule, column, row count and sample rows (quality/messages.py)
    explain: Explain | None = None


def schema_check(schema: str, table: str, columns: Mapping[str, Sequence[str]]) -> CheckSpec:
    """Blocking: every contracted column exists with one of its allowed DuckDB types."""
    names = sorted(columns)
    pairs = sorted((name, type_) for name, types in columns.items() for type_ in types)

    def expectations() -> list[gxe.Expectation]:
        return [
            gxe.ExpectColumnDistinctValuesToContainSet(column="column_name", value_set=names),
            gxe.ExpectColumnPairValuesToBeInSet(
                column_A="column_name", column_B="data_type", value_pairs_set=[list(p) for p in pairs]
            ),
        ]

    def observe(frame: pd.DataFrame, results: list) -> float:
        allowed = {name: set(types) for name, types in columns.items()}
        good = sum(1 for row in frame.itertuples() if row.data_type in allowed.get(row.column_name, ()))
        return float(len(columns) - good)

    def explain(relation: str, frame: pd.DataFrame | None, results: list) -> list[str]:
        found = {} if frame is None else dict(zip(frame["column_name"], frame["data_type"], strict=True))
        problems = []
        for name in names:
            expected = " or ".join(columns[name][:3]) + (" …" if len(columns[name]) > 3 else "")
            if name not in found:
                problems.append(f"{name} is missing (expected {expected})")
            elif found[name] not in columns[name]:
                problems.append(f"{name} is {found[name]} (expected {expected})")
        return (
            [
                (
                    f"{schema}.{table}: rule 'every contracted column exists with its type' broken by "
                    f"{len(problems)} column{'s' if len(problems) != 1 else ''}: {'; '.join(problems)}"
                )
            ]
            if problems
            else []
        )

    return CheckSpec(
        name="schema",
        description=f"Blocking: {schema}.{table} has every contracted column, each with its contracted type.",
        blocking=True,
        sql=(
            "select column_name, data_type from information_schema.columns "
            f"where table_schema = '{schema}' and table_name = '{table}' and list_contains($columns, column_name) "
            "order by ordinal_position"
        ),
        expectations=expectations,
        observe=observe,
        observed_label="columns missing or mistyped",
        params={"columns": names},
        explain=explain,
    )


def values_check(
    relation: str,
    window_sql: str,
    expectations: ExpectationFactory,
    *,
    name: str = "values",
    blocking: bool = True,
    what: str = "required fields, ranges and accepted values",
) -> CheckSpec:
    """A row-level suite (required fields, ranges, accepted values) over the window's rows."""
    level = "Blocking" if blocking else "Warning"
    return CheckSpec(
        name=name,
        description=f"{level}: {relation} rows of the window pass {what}.",
        blocking=blocking,
        sql=f"select * from {relation} where {window_sql}",
        expectations=expectations,
    )


def _ratio_furthest_from_one(frame: pd.DataFrame, results: list) -> float | None:
    ratios = [r for r in frame.get("ratio", pd.Series(dtype=float)).dropna() if r is not None]
    if not ratios:
        return None
    return float(max(ratios, key=lambda r: abs(math.log(r)) if r > 0 else math.inf))


def volume_check(
    relation: str,
    *,
    low: float = 0.2,
    high: float = 5.0,
    min_median: float = 1,
    blocking: bool = True,
    history_days: int = 7,
) -> CheckSpec:
    """Rows loaded per day of the window against the median of the trailing days. Days without rows count as
    zero; a day without a full history, or whose trailing median is below `min_median` (where a few rows more
    or less are noise), is not judged, nor is a day after the source's last loaded day: a source whose history
    ended (a platform no longer used, a report not yet delivered) is no anomaly — freshness warns about it."""
    level = "Blocking" if blocking else "Warning"
    sql = f"""
        with first_load as (
            select min(_partition_date) as first_day, max(_partition_date) as last_day from {relation}
        ),
        counts as (
            select _partition_date as day, count(*) as row_count
            from {relation}
            where _partition_date >= $start - {history_days} and _partition_date < $end
            group by _partition_date
        ),
        spine as (
            select cast(d as date) as day
            from range(cast($start - {history_days} as timestamp), cast($end as timestamp), interval 1 day) as t(d)
        ),
        daily as (
            select spine.day, coalesce(counts.row_count, 0) as row_count
            from spine
            left join counts on spine.day = counts.day
        ),
        scored as (
            select
                day,
                row_count,
                median(row_count) over (order by day rows between {history_days} preceding and 1 preceding)
                    as trailing_median
            from daily
        )
        select
            scored.day,
            scored.row_count,
            scored.trailing_median,
            case
                when scored.day - {history_days} >= first_load.first_day and scored.day <= first_load.last_day
                    and scored.trailing_median >= {min_median}
                then scored.row_count / scored.trailing_median
            end as ratio
        from scored, first_load
        where scored.day >= $start
        order by scored.day
    """

    def expectations() -> list[gxe.Expectation]:
        # rows without a full history carry a null ratio, which GX leaves out of the check
        return [gxe.ExpectColumnValuesToBeBetween(column="ratio", min_value=low, max_value=high)]

    def explain(relation_name: str, frame: pd.DataFrame | None, results: list) -> list[str]:
        if frame is None:
            return []
        ratio = frame["ratio"]
        bad = frame[ratio.notna() & ((ratio < low) | (ratio > high))]
        samples = "; ".join(
            f"{pd.Timestamp(row.day).date()}: {int(row.row_count)} rows vs median {row.trailing_median:g} ({row.ratio:.2f}×)"
            for row in bad.head(5).itertuples()
        )
        return (
            [
                (
                    f"{relation}: rule 'rows loaded a day between {low:g}× and {high:g}× the median of the "
                    f"{history_days} days before' broken on {len(bad)} day{'s' if len(bad) != 1 else ''} "
                    f"(column _partition_date); e.g. {samples}"
                )
            ]
            if len(bad)
            else []
        )

    return CheckSpec(
        name="volume" if blocking else "volume_trend",
        description=(
            f"{level}: each day's row count in {relation} is between {low:g}× and {high:g}× the median of the "
            f"{history_days} days before it (judged where that median is at least {min_median:g}, up to the "
            "source's last loaded day)."
        ),
        blocking=blocking,
        sql=sql,
        expectations=expectations,
        observe=_ratio_furthest_from_one,
        observed_label="row count / trailing median (furthest from 1)",
        explain=explain,
    )


def _max_lag(frame: pd.DataFrame, results: list) -> float | None:
    lags = frame.get("lag_hours", pd.Series(dtype=float)).dropna()
    return float(lags.max()) if len(lags) else None


def freshness_check(
    relation: str, timestamp_column: str, max_lag_hours: float, *, blocking: bool = False
) -> CheckSpec:
    """The newest timestamp loaded up to each day of the window is at most N hours older than that day's end
    (a day that loaded nothing ages from the last one that did). Days before the table's first load are left out:
    the first days of a history (no deals yet on the first day of the CRM) are not stale data; a table with no
    rows at all still fails."""
    level = "Blocking" if blocking else "Warning"
    sql = f"""
        with loaded as (
            select _partition_date as day, max(cast({timestamp_column} as timestamp)) as newest_at
            from {relation}
            where _partition_date < $end
            group by _partition_date
        ),
        spine as (
            select cast(d as date) as day
            from range(cast($start as timestamp), cast($end as timestamp), interval 1 day) as t(d)
        ),
        newest as (
            select
                spine.day,
                (select max(loaded.newest_at) from loaded where loaded.day <= spine.day) as newest_at
            from spine
            where spine.day >= coalesce((select min(loaded.day) from loaded), spine.day)
        )
        select
            day,
            newest_at,
            date_diff('second', newest_at, cast(day + 1 as timestamp)) / 3600.0 as lag_hours
        from newest
        order by day
    """

    def expectations() -> list[gxe.Expectation]:
        return [
            gxe.ExpectColumnValuesToNotBeNull(column="newest_at"),
            gxe.ExpectColumnValuesToBeBetween(column="lag_hours", min_value=0, max_value=max_lag_hours),
        ]

    return CheckSpec(
        name="freshness",
        description=(
            f"{level}: the newest {timestamp_column} in {relation} is at most {max_lag_hours:g} h older than the "
            "end of each partition day."
        ),
        blocking=blocking,
        sql=sql,
        expectations=expectations,
        observe=_max_lag,
        observed_label="hours from newest record to partition end (max)",
    )
