"""The BI layer of the serving snapshot: relations shaped for Superset's datasets, built from the snapshot's marts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SCHEMA = "bi"


@dataclass(frozen=True)
class BiRelation:
    """One relation of the `bi` schema: a view when it only reshapes a mart, a table when it pre-computes."""

    name: str
    materialized: Literal["view", "table"]
    sql: str


def _with_rep_id(mart: str, level_column: str, id_column: str) -> str:
    # The reps' RLS rule filters on rep_id; the KPI marts keep every owner level in one owner_id column.
    return f"select *, case when {level_column} = 'rep' then {id_column} end as rep_id from marts.{mart}"


RELATIONS: tuple[BiRelation, ...] = (
    BiRelation("kpi_monthly_by_owner", "view", _with_rep_id("kpi_monthly", "owner_level", "owner_id")),
    BiRelation("kpi_scorecard_by_scope", "view", _with_rep_id("kpi_scorecard", "scope_level", "scope_id")),
    BiRelation(
        "kpi_target_attainment_by_owner", "view", _with_rep_id("kpi_target_attainment", "owner_level", "owner_id")
    ),
    # Rep × month beside the medians of the rep's team, computed over every rep of the team here, before
    # Superset's row-level security narrows a Rep user to their own rows.
    BiRelation(
        "rep_scorecard",
        "table",
        """
        with reps as (
            select rep_id, full_name, team_id, team_name, region
            from marts.dim_reps
            where role = 'rep' and rep_id <> 'unassigned'
        ),

        activities as (
            select rep_id, date_trunc('month', activity_date)::date as month_start, count(*)::bigint as activities
            from marts.fct_activities
            group by all
        ),

        monthly as (
            select
                m.month_start,
                r.rep_id,
                r.full_name,
                r.team_id,
                r.team_name,
                r.region,
                m.net_revenue_usd,
                m.won_count,
                m.win_rate_by_count,
                m.sales_cycle_median_days,
                coalesce(a.activities, 0) as activities
            from marts.kpi_monthly as m
            inner join reps as r on m.owner_id = r.rep_id
            left join activities as a on r.rep_id = a.rep_id and m.month_start = a.month_start
            where m.owner_level = 'rep'
        )

        select
            *,
            median(net_revenue_usd) over team_month as team_median_net_revenue_usd,
            median(win_rate_by_count) over team_month as team_median_win_rate_by_count,
            median(sales_cycle_median_days) over team_month as team_median_sales_cycle_days,
            median(activities) over team_month as team_median_activities
        from monthly
        window team_month as (partition by team_id, month_start)
        order by month_start, rep_id
        """,
    ),
    # Funnel stages counted per day × rep × channel: the funnel chart sums `items` instead of counting distinct
    # ids over a union of every lead and deal (each id enters a stage at most once, so the two agree). The stages
    # are the company profile's; funnel_method says whether stage history or the final stage placed the deals.
    BiRelation(
        "funnel_stages",
        "table",
        """
        with reps as (
            select rep_id, team_id, region from marts.dim_reps
        ),

        steps as (
            -- leads, then every stage of the company's pipeline a deal reached (marts.fct_deal_funnel)
            select 0 as stage_order, 'Lead' as stage, created_date as stage_date, rep_id, channel,
                'leads' as funnel_method, count(*) as items
            from marts.fct_leads
            group by all
            union all
            select stage_order, stage, created_date, rep_id, channel, funnel_method, count(*)
            from marts.fct_deal_funnel
            group by all
        )

        select
            s.stage_order,
            s.stage,
            s.stage_date,
            s.rep_id,
            s.channel,
            r.team_id,
            r.region,
            s.items::bigint as items,
            s.funnel_method
        from steps as s
        left join reps as r using (rep_id)
        order by s.stage_date, s.stage_order
        """,
    ),
)
