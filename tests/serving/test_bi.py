"""The snapshot's bi relations (dbt models/marts/bi) hold the numbers of the marts they are built from, computed the
direct way."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.superset.serving_fixture import build_serving


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> Path:
    workdir: Path = tmp_path_factory.mktemp("bi")
    build_serving(workdir)
    return workdir


@pytest.fixture(scope="module")
def serving(build) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(build / "serving.duckdb"), read_only=True)
    yield con
    con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return sorted(con.execute(sql).fetchall(), key=repr)


def test_every_bi_model_is_in_the_snapshot_as_dbt_built_it(build, serving):
    manifest = json.loads((build / "target" / "manifest.json").read_text())
    models = {
        node["name"]: node["config"]["materialized"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "bi"
    }
    found = dict(
        serving.execute(
            "select table_name, table_type from information_schema.tables where table_schema = 'bi'"
        ).fetchall()
    )
    kinds = {"view": "VIEW", "table": "BASE TABLE"}
    assert len(models) >= 7
    assert found == {name: kinds[materialized] for name, materialized in models.items()}
    # every view reads the snapshot's own tables: it answers although the warehouse is not attached
    for name in models:
        assert serving.execute(f"select count(*) from bi.{name}").fetchone()[0] > 0, name


def test_freshness_is_computed_when_read(serving):
    data_as_of, age, stale, text = serving.execute(
        "select data_as_of, age_hours, is_stale, freshness from bi.data_freshness"
    ).fetchone()
    assert data_as_of == serving.execute("select max(date_day) from marts.kpi_sales_daily").fetchone()[0]
    assert 0 <= age < 1 and not stale
    assert text.startswith("Data as of ") and "h ago" in text


def test_funnel_items_are_the_distinct_leads_and_deals_of_each_stage(serving):
    # the fixture's deals all have a stage history: a deal reached a stage when it visited it or a later one (or is
    # in it now), or won
    direct = _rows(
        serving,
        """
        select 'Lead', rep_id, channel, count(distinct lead_id) from marts.fct_leads group by all
        union all
        select 'new', rep_id, channel, count(distinct deal_id) from marts.fct_deals where not is_excluded group by all
        union all
        select 'qualified', rep_id, channel, count(distinct deal_id) from marts.fct_deals as d
        where not is_excluded and (is_won or stage in ('qualified', 'proposal', 'negotiation') or exists (
            select 1 from marts.fct_deal_stage_durations as v
            where v.deal_id = d.deal_id and v.stage in ('qualified', 'proposal', 'negotiation')))
        group by all
        union all
        select 'proposal', rep_id, channel, count(distinct deal_id) from marts.fct_deals as d
        where not is_excluded and (is_won or stage in ('proposal', 'negotiation') or exists (
            select 1 from marts.fct_deal_stage_durations as v
            where v.deal_id = d.deal_id and v.stage in ('proposal', 'negotiation')))
        group by all
        union all
        select 'negotiation', rep_id, channel, count(distinct deal_id) from marts.fct_deals as d
        where not is_excluded and (is_won or stage = 'negotiation' or exists (
            select 1 from marts.fct_deal_stage_durations as v
            where v.deal_id = d.deal_id and v.stage = 'negotiation'))
        group by all
        union all
        select 'won', rep_id, channel, count(distinct deal_id) from marts.fct_deals where is_won and not is_excluded
        group by all
    """,
    )
    assert direct
    assert (
        _rows(serving, "select stage, rep_id, channel, sum(items) from bi.funnel_stages group by all")
        == direct
    )
    methods = serving.execute("select distinct funnel_method from bi.funnel_stages order by 1").fetchall()
    assert methods == [("leads",), ("stage_history",)]


def test_team_medians_are_over_every_rep_of_the_team(serving):
    direct = _rows(
        serving,
        """
        select m.month_start, r.team_id, median(m.net_revenue_usd), median(m.win_rate_by_count)
        from marts.kpi_monthly as m
        inner join marts.dim_reps as r on m.owner_id = r.rep_id
        where m.owner_level = 'rep' and r.role = 'rep' and r.rep_id <> 'unassigned'
        group by all
    """,
    )
    carried = _rows(
        serving,
        """
        select distinct month_start, team_id, team_median_net_revenue_usd, team_median_win_rate_by_count
        from bi.rep_scorecard
    """,
    )
    assert carried == direct
    # Every rep row carries its team's figure, so one rep's rows alone still show it.
    assert (
        serving.execute(
            "select count(*) from bi.rep_scorecard where team_median_net_revenue_usd is null "
            "and net_revenue_usd is not null"
        ).fetchone()[0]
        == 0
    )


def test_rep_id_is_set_on_the_rep_rows_of_each_kpi_mart(serving):
    for view, mart, level in (
        ("kpi_monthly_by_owner", "kpi_monthly", "owner_level"),
        ("kpi_scorecard_by_scope", "kpi_scorecard", "scope_level"),
        ("kpi_target_attainment_by_owner", "kpi_target_attainment", "owner_level"),
    ):
        reps = serving.execute(f"select count(*) from marts.{mart} where {level} = 'rep'").fetchone()[0]
        assert reps > 0, mart
        assert serving.execute(f"select count(rep_id), count(*) from bi.{view}").fetchone() == (
            reps,
            serving.execute(f"select count(*) from marts.{mart}").fetchone()[0],
        ), view
