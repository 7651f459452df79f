"""Only the serving snapshot can be connected, its DuckDB limits cannot be raised from SQL Lab, and a long query is
stopped at the time limit under gunicorn's threaded workers."""

from __future__ import annotations

import time

import pytest

from tests.superset.test_security import _database_id, _sql

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("superset", ["sqlite"], indirect=True)]


def test_admin_cannot_connect_another_duckdb_file(superset, tmp_path):
    admin = superset.client()
    other = tmp_path / "other.duckdb"
    for uri in (f"duckdb:///{other}", "duckdb:///:memory:", f"duckdb:///{superset.serving_path}.tmp"):
        tested = admin.post(
            "/api/v1/database/test_connection/",
            json={"database_name": "x", "sqlalchemy_uri": uri, "configuration_method": "sqlalchemy_form"},
        )
        assert tested.status_code != 200, (uri, tested.text)
        created = admin.post(
            "/api/v1/database/",
            json={"database_name": f"sneaky {uri[-12:]}", "sqlalchemy_uri": uri, "expose_in_sqllab": True},
        )
        assert created.status_code >= 400, (uri, created.text)
    names = {d["database_name"] for d in admin.list_all("database")}
    assert names == {"KPI serving"}, names


def test_sql_lab_cannot_raise_the_serving_limits(superset):
    client = superset.client("analyst")
    db_id = _database_id(superset)
    for sql in (
        "SET memory_limit='64GB'",
        "SET threads=64",
        "SET enable_external_access=true",
        "RESET memory_limit",
    ):
        response = _sql(client, db_id, sql)
        assert response.status_code != 200 or "error" in response.text.lower(), (sql, response.text)
    limits = _sql(client, db_id, "select current_setting('threads') as t")
    assert limits.status_code == 200 and limits.json()["data"][0]["t"] == 2, limits.text


def test_a_long_query_is_interrupted_at_the_time_limit(superset):
    client = superset.client("analyst")
    started = time.monotonic()
    # Minutes of work for DuckDB, from no table at all.
    response = _sql(
        client,
        _database_id(superset),
        "select count(*) as n from range(1000000000000) as t(a) where a % 7 = 3",
    )
    elapsed = time.monotonic() - started
    assert response.status_code != 200 or "error" in response.text.lower(), response.text[:300]
    assert "interrupt" in response.text.lower(), response.text[:300]
    limit = float(superset.env["KPI_BI_QUERY_TIMEOUT_SECONDS"])
    assert elapsed < limit + 20, elapsed
