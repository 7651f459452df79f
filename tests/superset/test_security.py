"""Reps see only their rows (one RLS rule), SQL Lab is closed to reps, and SQL Lab can neither write nor read files."""

from __future__ import annotations

import duckdb
import pytest

pytestmark = pytest.mark.e2e


def _username_of_role(server, role: str) -> str:
    users = server.client().get("/api/v1/security/users/?q=(page_size:100)").json()["result"]
    found = [u["username"] for u in users if any(r["name"] == role for r in u["roles"])]
    assert len(found) == 1, (role, [u["username"] for u in users])
    return found[0]


def _rep_username(server) -> str:
    return _username_of_role(server, "Rep")


def _sql(client, database_id: int, sql: str):
    return client.post(
        "/api/v1/sqllab/execute/",
        json={
            "database_id": database_id,
            "sql": sql,
            "runAsync": False,
            "schema": "marts",
            "tab": "test",
            "client_id": None,
            "queryLimit": 100,
            "select_as_cta": False,
            "ctas_method": "TABLE",
        },
    )


def _database_id(server) -> int:
    return next(d["id"] for d in server.client().list_all("database") if d["database_name"] == "KPI serving")


def test_rep_sees_only_own_rows_through_chart_data(superset):
    rep = _rep_username(superset)
    client = superset.client(rep, "superset_rep_password")
    admin = superset.client()
    charts = {c["slice_name"]: c["id"] for c in admin.list_all("chart")}
    leaderboard = client.chart_data(charts["Rep leaderboard vs team median"])
    assert leaderboard.status_code == 200, leaderboard.text
    rows = leaderboard.json()["result"][0]["data"]
    assert rows and {r["rep_id"] for r in rows} == {rep}
    everyone = admin.chart_data(charts["Rep leaderboard vs team median"]).json()["result"][0]["data"]
    assert len({r["rep_id"] for r in everyone}) > 1, (
        "the fixture must have several reps for this test to mean anything"
    )
    with duckdb.connect(str(superset.serving_path), read_only=True) as con:
        own_revenue = con.execute(
            "select sum(net_revenue_usd) from marts.kpi_monthly where owner_level = 'rep' and owner_id = ?",
            [rep],
        ).fetchone()[0]
    assert rows[0]["Net revenue"] == pytest.approx(own_revenue)
    # Company rows carry no rep_id, so the rule hides them from a rep.
    company = client.chart_data(charts["Conversion by month"])
    assert company.status_code == 200 and company.json()["result"][0]["data"] == []


def test_rep_sees_the_median_of_the_whole_team(superset):
    rep = _rep_username(superset)
    admin = superset.client()
    chart = {c["slice_name"]: c["id"] for c in admin.list_all("chart")}["Rep leaderboard vs team median"]
    rows = superset.client(rep, "superset_rep_password").chart_data(chart).json()["result"][0]["data"]
    # The team median straight from the marts, over every rep of the team, for the months the rep has a row.
    with duckdb.connect(str(superset.serving_path), read_only=True) as con:
        team_size, median_revenue, median_win_rate = con.execute(
            """
            with team as (
                select rep_id from marts.dim_reps
                where role = 'rep' and team_id = (select team_id from marts.dim_reps where rep_id = $rep)
            ),
            months as (
                select month_start from marts.kpi_monthly where owner_level = 'rep' and owner_id = $rep
            ),
            medians as (
                select
                    month_start,
                    median(net_revenue_usd) as revenue,
                    median(win_rate_by_count) as win_rate
                from marts.kpi_monthly
                where owner_level = 'rep' and owner_id in (select rep_id from team)
                    and month_start in (select month_start from months)
                group by month_start
            )
            select (select count(*) from team), sum(revenue), avg(win_rate) from medians
            """,
            {"rep": rep},
        ).fetchone()
    assert team_size > 1, "the fixture's demo rep must share a team for this test to mean anything"
    assert len(rows) == 1
    assert rows[0]["Team median revenue"] == pytest.approx(median_revenue)
    assert rows[0]["Team median win rate"] == pytest.approx(median_win_rate)
    assert rows[0]["Team median revenue"] != pytest.approx(rows[0]["Net revenue"])


def test_rep_cannot_read_datasets_without_rep_rows(superset):
    rep = _rep_username(superset)
    client = superset.client(rep, "superset_rep_password")
    charts = {c["slice_name"]: c["id"] for c in superset.client().list_all("chart")}
    assert client.chart_data(charts["Ad spend by platform"]).status_code in (403, 404)


def test_rep_gets_403_in_sql_lab(superset):
    rep = _rep_username(superset)
    client = superset.client(rep, "superset_rep_password")
    response = _sql(client, _database_id(superset), "select count(*) from marts.fct_deals")
    assert response.status_code == 403, response.text


def test_analyst_reads_but_cannot_write_or_read_files(superset):
    client = superset.client("analyst")
    db_id = _database_id(superset)
    ok = _sql(client, db_id, "select count(*) as n from marts.fct_deals")
    assert ok.status_code == 200, ok.text
    with duckdb.connect(str(superset.serving_path), read_only=True) as con:
        assert ok.json()["data"][0]["n"] == con.execute("select count(*) from marts.fct_deals").fetchone()[0]
    for sql in (
        "delete from marts.fct_deals",
        "create table marts.x as select 1 as a",
        "insert into marts.fct_deals select * from marts.fct_deals",
    ):
        response = _sql(client, db_id, sql)
        assert response.status_code != 200, sql
        assert "DML" in response.text or "not allowed" in response.text.lower(), response.text
    files = _sql(client, db_id, "select * from read_csv('/etc/passwd')")
    assert files.status_code != 200
    assert "root:" not in files.text
    with duckdb.connect(str(superset.serving_path), read_only=True) as con:
        assert (
            con.execute("select count(*) from information_schema.tables where table_name = 'x'").fetchone()[0]
            == 0
        )
