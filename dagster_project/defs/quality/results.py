"""The warehouse log of check results (health.expectation_results) that the serving snapshot copies for the
data-health dashboard."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

import duckdb

from dagster_project import health

TABLE = health.qualified(health.EXPECTATION_RESULTS)

DDL = f"""
create table if not exists {TABLE} (
    check_name varchar not null,
    asset_key varchar not null,
    severity varchar not null,
    blocking boolean not null,
    passed boolean not null,
    partition_start date,
    partition_end date,
    observed_value double,
    observed_label varchar,
    expectations_total integer,
    expectations_failed integer,
    failed_expectations varchar,
    error varchar,
    docs_path varchar,
    run_id varchar not null,
    checked_at timestamp not null,
    message varchar
);
-- a warehouse from before the failure messages gets the column
alter table {TABLE} add column if not exists message varchar;
"""


@dataclass(frozen=True)
class CheckResultRow:
    """One execution of one check, as logged."""

    check_name: str
    asset_key: str
    severity: str
    blocking: bool
    passed: bool
    partition_start: date | None
    partition_end: date | None
    observed_value: float | None
    observed_label: str
    expectations_total: int
    expectations_failed: int
    failed_expectations: str
    error: str | None
    docs_path: str | None
    run_id: str
    checked_at: datetime
    # a failed check in words: the rule, the column, how many rows and up to five sample rows (null when passed)
    message: str | None = None


def record(con: duckdb.DuckDBPyConnection, row: CheckResultRow) -> None:
    """Append a result; a retried step of the same run replaces its earlier row for the same window."""
    health.migrate(con)
    con.execute(DDL)
    values = asdict(row)
    con.execute("begin")
    con.execute(
        f"delete from {TABLE} where run_id = $run_id and asset_key = $asset_key and check_name = $check_name "
        "and partition_start is not distinct from $partition_start "
        "and partition_end is not distinct from $partition_end",
        {k: values[k] for k in ("run_id", "asset_key", "check_name", "partition_start", "partition_end")},
    )
    columns = ", ".join(values)
    con.execute(f"insert into {TABLE} ({columns}) values ({', '.join('$' + k for k in values)})", values)
    con.execute("commit")


def latest(con: duckdb.DuckDBPyConnection, limit: int = 500) -> list[dict]:
    """The newest logged results, newest first, for the Data Docs index."""
    health.migrate(con)
    con.execute(DDL)
    cursor = con.execute(f"select * from {TABLE} order by checked_at desc limit {int(limit)}")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]
