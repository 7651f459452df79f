"""The serving snapshot is swapped atomically: readers never see an error or a half-written file."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dagster_project.defs.serving.publish import publish_snapshot

READER = textwrap.dedent(
    """
    import sys, time, duckdb
    path, stop_file = sys.argv[1], sys.argv[2]
    import os
    queries = errors = 0
    seen = set()
    while not os.path.exists(stop_file):
        try:
            con = duckdb.connect(path, read_only=True)
            total, version = con.execute(
                "select sum(revenue)::bigint, max(version) from marts.kpi_demo"
            ).fetchone()
            con.close()
            # Every snapshot is internally consistent: revenue is 1000 * version for 100 rows of 10 * version.
            if total != 1000 * version:
                errors += 1
            seen.add(version)
            queries += 1
        except Exception as exc:  # noqa: BLE001 - any failure is what this reader counts
            errors += 1
            print(repr(exc), file=sys.stderr)
    print(queries, errors, len(seen))
    """
)


def _warehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create schema marts")
    con.execute("create schema raw")
    return con


def _write_version(con: duckdb.DuckDBPyConnection, version: int) -> None:
    con.execute(
        "create or replace table marts.kpi_demo as select range as id, 10 * $v as revenue, $v as version "
        "from range(100)",
        {"v": version},
    )


def test_publish_copies_marts_and_health(tmp_path: Path) -> None:
    con = _warehouse(tmp_path)
    _write_version(con, 1)
    con.execute("create table marts.dim_thing as select 1 as id")
    serving = tmp_path / "serving.duckdb"
    counts = publish_snapshot(con, serving, ["marts"], {"build_info": pd.DataFrame([{"run_id": "r1"}])})
    assert counts == {"marts.dim_thing": 1, "marts.kpi_demo": 100, "health.build_info": 1}
    reader = duckdb.connect(str(serving), read_only=True)
    assert reader.execute("select sum(revenue) from marts.kpi_demo").fetchone()[0] == 1000
    assert reader.execute("select run_id from health.build_info").fetchone()[0] == "r1"
    reader.close()
    assert not list(tmp_path.glob(".serving.duckdb.*.tmp"))


def test_stale_temporary_file_is_removed_and_serving_kept_on_failure(tmp_path: Path) -> None:
    con = _warehouse(tmp_path)
    _write_version(con, 1)
    serving = tmp_path / "serving.duckdb"
    publish_snapshot(con, serving, ["marts"], {})
    before = serving.read_bytes()
    stale = tmp_path / ".serving.duckdb.deadbeef.tmp"
    stale.write_bytes(b"left by a killed publish")
    bad = 42  # not a table: the publish must fail after writing the marts, before the swap
    with pytest.raises(Exception):  # noqa: B017 - whatever DuckDB raises, the swap must not happen
        publish_snapshot(con, serving, ["marts"], {"broken": bad})
    assert serving.read_bytes() == before
    assert not list(tmp_path.glob(".serving.duckdb.*.tmp"))


def test_readers_see_no_error_during_ten_republishes(tmp_path: Path) -> None:
    con = _warehouse(tmp_path)
    _write_version(con, 1)
    serving = tmp_path / "serving.duckdb"
    publish_snapshot(con, serving, ["marts"], {})
    stop_file = tmp_path / "stop"
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(serving), str(stop_file)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    time.sleep(1.0)
    for version in range(2, 12):
        _write_version(con, version)
        publish_snapshot(con, serving, ["marts"], {})
        time.sleep(0.2)
    stop_file.touch()
    for reader in readers:
        out, err = reader.communicate(timeout=60)
        queries, errors, versions_seen = map(int, out.split())
        assert errors == 0, err
        assert queries > 10
        assert versions_seen >= 2


def test_publish_leaves_no_temp_file_behind(tmp_path: Path) -> None:
    con = _warehouse(tmp_path)
    _write_version(con, 1)
    serving = tmp_path / "serving.duckdb"
    # what a publish killed between writing and checkpointing leaves behind
    (tmp_path / ".serving.duckdb.0123abcd.tmp").write_bytes(b"x")
    (tmp_path / ".serving.duckdb.0123abcd.tmp.wal").write_bytes(b"x")

    publish_snapshot(con, serving, ["marts"], {})
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".serving")) == []

    with pytest.raises(duckdb.Error):
        publish_snapshot(con, serving, ["marts", "no_such_schema"], {"bad": "not a frame"})
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".serving")) == []
    assert duckdb.connect(str(serving), read_only=True).execute(
        "select max(version) from marts.kpi_demo"
    ).fetchone() == (1,)


def test_views_are_copied_and_read_the_snapshots_tables(tmp_path: Path) -> None:
    con = _warehouse(tmp_path)
    _write_version(con, 1)
    con.execute("create schema bi")
    con.execute("create view bi.revenue as select sum(revenue) as revenue from marts.kpi_demo")
    serving = tmp_path / "serving.duckdb"
    counts = publish_snapshot(con, serving, ["marts", "bi"], {})
    assert counts == {"marts.kpi_demo": 100}
    _write_version(con, 2)  # the warehouse moves on; the snapshot's view still reads the snapshot
    con.close()
    reader = duckdb.connect(str(serving), read_only=True)
    assert reader.execute("select revenue from bi.revenue").fetchone()[0] == 1000
    reader.close()


def test_check_outcomes_separate_blocking_failures_from_warnings():
    import pandas as pd

    from dagster_project.defs.serving.publish import ignored_files, with_outcome

    checks = pd.DataFrame(
        {
            "check_name": ["schema", "volume_trend", "values", "freshness", "volume"],
            "blocking": [True, False, True, False, True],
            "status": ["SUCCEEDED", "FAILED", "EXECUTION_FAILED", "NEVER_RUN", "SUCCEEDED"],
            "passed": [True, False, None, None, False],
        }
    ).astype({"passed": "boolean"})
    out = with_outcome(checks)
    # the outcome comes first: the column a narrow screen still shows
    assert out.columns[0] == "outcome"
    assert out["outcome"].tolist() == ["passed", "warning", "blocking failure", "not run", "blocking failure"]
    # no file ignored yet: still a typed table (Superset cannot read DuckDB's NULL-typed columns)
    with duckdb.connect() as con:
        con.execute("create schema raw")
        con.register("ignored", ignored_files(con))
        types = dict(con.execute("describe select * from ignored").fetchall()[i][:2] for i in range(4))
    assert types == {
        "target_table": "VARCHAR",
        "file": "VARCHAR",
        "reason": "VARCHAR",
        "detected_at": "TIMESTAMP",
    }
