"""The health schema: every data-health table by name, stated once for the domains that write and read them.

In the warehouse the checks log each evaluation to `expectation_results` (quality domain). The serving snapshot
copies that log and adds the tables the serving domain computes when it publishes: `build_info`, `check_results`
(the latest Dagster result of every asset check), `source_freshness`, `quarantine_summary` and `ignored_files`.
The data-health dashboard reads them all from the snapshot.
"""

from __future__ import annotations

import duckdb

SCHEMA = "health"

EXPECTATION_RESULTS = "expectation_results"
BUILD_INFO = "build_info"
CHECK_RESULTS = "check_results"
SOURCE_FRESHNESS = "source_freshness"
QUARANTINE_SUMMARY = "quarantine_summary"
IGNORED_FILES = "ignored_files"


def qualified(table: str) -> str:
    return f"{SCHEMA}.{table}"


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse from before the tables had one naming keeps its check log under the new name."""
    con.execute(f"create schema if not exists {SCHEMA}")
    tables = {
        name
        for (name,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = ? and database_name = current_database()",
            [SCHEMA],
        ).fetchall()
    }
    # the check log was health.check_results in the warehouse, the name the snapshot gives the Dagster summary
    if CHECK_RESULTS in tables and EXPECTATION_RESULTS not in tables:
        con.execute(f"alter table {qualified(CHECK_RESULTS)} rename to {EXPECTATION_RESULTS}")
