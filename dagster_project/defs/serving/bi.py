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


# How each KPI format reads on a screen (DuckDB fmt patterns; percent values are fractions).
DISPLAY = {
    "currency_usd": "format('${:,.0f}', {v})",
    "percent": "format('{:,.1f} %', 100 * {v})",
    "ratio": "format('{:,.2f}×', {v})",
    "days": "format('{:,.1f} days', {v})",
    "integer": "format('{:,.0f}', {v})",
}
STATUS_LABELS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "no_target": "No target",
    "not_started": "Not started",
    "not_configured": "Not configured",
}


def _display(value: str, format_column: str) -> str:
    """SQL writing a KPI value as its registry format says ('–' when there is none)."""
    cases = " ".join(
        f"when '{fmt}' then {pattern.replace('{v}', f'cast({value} as double)')}"
        for fmt, pattern in DISPLAY.items()
    )
    return f"coalesce(case {format_column} {cases} else cast(round({value}, 2) as varchar) end, '–')"


def _status_label(column: str) -> str:
    cases = " ".join(f"when '{key}' then '{label}'" for key, label in STATUS_LABELS.items())
    return f"case {column} {cases} else {column} end"


def _scope_name(level: str, scope_id: str) -> str:
    """SQL naming a scope as people do: a team's and a rep's name instead of their ids."""
    return f"""case {level}
            when 'company' then 'Company'
            when 'team' then coalesce((select max(t.team_name) from marts.dim_rep_teams as t
                                       where t.team_id = {scope_id} and t.is_current), {scope_id})
            when 'rep' then coalesce((select max(r.full_name) from marts.dim_reps as r
                                      where r.rep_id = {scope_id}), {scope_id})
            else replace({scope_id}, '_', ' ')
        end"""


def _registry_values() -> str:
    """The KPI registry as an inline table (kpi_name, kpi_label, kpi_format, mature_after_days)."""
    from dagster_project import kpis
    from dagster_project.environment import settings

    rows = ", ".join(
        f"('{k.id}', '{k.label.replace(chr(39), chr(39) * 2)}', '{k.format}', {k.mature_after_days or 'null'})"
        for k in kpis.load(settings().dbt_project_dir).values()
    )
    return f"(values {rows}) as r (kpi_name, kpi_label, kpi_format, mature_after_days)"


def _scorecard() -> str:
    """The scorecard for screens: names, values and targets written in their units, a status label, and whether a
    cohort KPI's period is still maturing (its members have not all had time to convert)."""
    return f"""
        with scorecard as (
            select s.*, r.mature_after_days,
                (select max(date_day) from marts.kpi_sales_daily) as as_of_date
            from marts.kpi_scorecard as s
            left join {_registry_values()} on s.kpi_name = r.kpi_name
        )
        select
            *,
            case when scope_level = 'rep' then scope_id end as rep_id,
            {_scope_name("scope_level", "scope_id")} as scope_name,
            {_display("kpi_value", "kpi_format")} as value_display,
            {_display("target_value", "kpi_format")} as target_display,
            case when mature_after_days is not null and period_end > as_of_date - cast(mature_after_days as integer)
                then 'Not final yet' else {_status_label("status")} end as status_label,
            mature_after_days is not null and period_end > as_of_date - cast(mature_after_days as integer)
                as is_maturing,
            case when mature_after_days is not null and period_end > as_of_date - cast(mature_after_days as integer)
                then 'not final: members younger than ' || mature_after_days || ' days are still converting'
            end as maturity_note
        from scorecard
    """


def _attainment() -> str:
    """Target attainment for screens: the KPI's label, target and actual in its units, a status label."""
    return f"""
        select
            a.*,
            case when a.owner_level = 'rep' then a.owner_id end as rep_id,
            {_scope_name("a.owner_level", "a.owner_id")} as owner_name,
            r.kpi_label,
            {_display("a.actual_value", "r.kpi_format")} as actual_display,
            {_display("a.target_value", "r.kpi_format")} as target_display,
            {_status_label("a.status")} as status_label
        from marts.kpi_target_attainment as a
        left join {_registry_values()} on a.metric = r.kpi_name
    """


# Data older than this reads as stale on every dashboard (the same age the data_stale alert in alerts.yaml uses).
STALE_AFTER_HOURS = 26


def _freshness() -> str:
    """One line for every dashboard: how new the data is and when it was built, computed when it is read."""
    return f"""
        with stamps as (
            select
                (select max(date_day) from marts.kpi_sales_daily) as data_as_of,
                (select max(built_at) from health.build_info) as built_at
        ),
        aged as (
            select *, date_diff('minute', built_at, cast(now() at time zone 'UTC' as timestamp)) / 60.0 as age_hours
            from stamps
        )
        select
            data_as_of,
            built_at,
            round(age_hours, 1) as age_hours,
            age_hours > {STALE_AFTER_HOURS} as is_stale,
            case when age_hours > {STALE_AFTER_HOURS} then 'STALE – ' else '' end
                || 'Data as of ' || coalesce(strftime(data_as_of, '%-d %b %Y'), 'never')
                || ' · built ' || coalesce(strftime(built_at, '%-d %b %Y %H:%M') || ' UTC', 'never')
                || ' (' || coalesce(cast(round(age_hours, 1) as varchar), '?') || ' h ago)' as freshness
        from aged
    """


def kpi_status_sql(value: str, target: str, direction: str) -> str:
    """The scorecard's status bands (dbt macro kpi_status) of a value against a target, as SQL."""
    ratio = f"(case when {direction} = 'at_most' then {target} / nullif({value}, 0) else {value} / nullif({target}, 0) end)"
    return (
        f"(case when {ratio} is null then 'at_risk' when {ratio} >= 1.0 then 'on_track' "
        f"when {ratio} >= 0.9 then 'at_risk' else 'off_track' end)"
    )


HEADLINE_KPIS = (
    "net_revenue_usd",
    "won_amount_usd",
    "new_customers",
    "conversion_lead_to_deal",
    "win_rate_by_count",
    "avg_won_deal_size_usd",
)


def _headline() -> str:
    """The company's headline KPIs for the running month to date against the same number of days of the previous
    month and of the same month last year, with the month's target and status. A cohort KPI (conversion) is read
    over members old enough to have converted (the registry's mature_after_days), and says so."""
    from dagster_project import kpis
    from dagster_project.environment import settings

    registry = kpis.load(settings().dbt_project_dir)
    branches = []
    for order, kpi_id in enumerate(HEADLINE_KPIS):
        kpi = registry[kpi_id]
        num, den = kpi.daily
        lag = kpi.mature_after_days or 0

        def value(lo: str, hi: str, num=num, den=den) -> str:
            window = f"date_day between {lo} and {hi}"
            total = f"sum(case when {window} then {num} end)"
            return (
                f"{total}" if den is None else f"{total} / nullif(sum(case when {window} then {den} end), 0)"
            )

        # the window ends `lag` days before the last day for a cohort KPI, and spans as many days as the month so far
        end = f"(as_of_date - {lag})"
        start = "month_start" if not lag else f"({end} - (days - 1))"
        # the previous month's first `days` days (all of it when it is shorter), or the window just before
        prev_start, prev_end = (
            (
                "cast(month_start - interval 1 month as date)",
                "least(cast(month_start - interval 1 month as date) + (days - 1), month_start - 1)",
            )
            if not lag
            else (f"({start} - days)", f"({start} - 1)")
        )
        year_start, year_end = (
            f"cast({start} - interval 1 year as date)",
            f"cast({end} - interval 1 year as date)",
        )
        label = kpi.label.replace("'", "''")
        change = (
            "format('{:+.1f} pp', 100 * (cur - prev))"
            if kpi.format == "percent"
            else "format('{:+.1f} %', 100 * (cur - prev) / abs(prev))"
        )
        change_year = change.replace("prev", "last_year")
        better = ">" if kpi.direction == "up" else "<"
        note = (
            (
                f"'members of ' || strftime({start}, '%-d %b') || '–' || strftime({end}, '%-d %b')"
                f" || ' ({lag}+ days old; younger ones are still converting)'"
            )
            if lag
            else "strftime(month_start, '%-d') || '–' || strftime(as_of_date, '%-d %b %Y') || ' (month to date)'"
        )
        branches.append(f"""
            select
                {order} as sort_order,
                '{kpi_id}' as kpi_name,
                '{label}' as kpi_label,
                {note} as period_label,
                cur as kpi_value,
                {_display("cur", f"'{kpi.format}'")} as value_display,
                case when prev is null or prev = 0 then '–' else {change} end as vs_previous_period,
                case when last_year is null or last_year = 0 then '–' else {change_year} end as vs_last_year,
                case when cur {better} prev then 'better' when cur = prev then 'same' when prev is not null
                    then 'worse' end as vs_previous_is,
                {lag} > 0 as is_cohort,
                '{kpi.target_direction}' as target_direction,
                'same ' || days || ' days of the previous ' || case when {lag} > 0 then 'window' else 'month' end
                    || ' / of last year' as comparison_basis
            from (
                select
                    {value(start, end)} as cur,
                    {value(prev_start, prev_end)} as prev,
                    {value(year_start, year_end)} as last_year
                from days_data
            ) as v
            cross join params""")
    union = "\n            union all".join(branches)
    return f"""
        with bounds as (
            select max(date_day) as as_of_date from marts.kpi_sales_daily
        ),
        params as (
            select as_of_date, cast(date_trunc('month', as_of_date) as date) as month_start,
                cast(date_diff('day', date_trunc('month', as_of_date), as_of_date) + 1 as integer) as days
            from bounds
        ),
        days_data as (
            select d.*, p.as_of_date, p.month_start, p.days
            from marts.kpi_sales_daily as d
            cross join params as p
        ),
        headline as ({union}
        ),
        targets as (
            select kpi_name, target_value, status, kpi_format
            from marts.kpi_scorecard
            cross join params
            where scope_level = 'company' and period_grain = 'month' and period_start = params.month_start
        )
        select
            h.*,
            {_display("t.target_value", "t.kpi_format")} as target_display,
            -- a cohort KPI is judged on its mature members (the month's own value is not final yet)
            case
                when not h.is_cohort then {_status_label("t.status")}
                when t.target_value is null then 'No target'
                else {_status_label(kpi_status_sql("h.kpi_value", "t.target_value", "h.target_direction"))}
            end as status_label
        from headline as h
        left join targets as t using (kpi_name)
        order by h.sort_order
    """


def _with_rep_id(mart: str, level_column: str, id_column: str) -> str:
    # The reps' RLS rule filters on rep_id; the KPI marts keep every owner level in one owner_id column.
    return f"select *, case when {level_column} = 'rep' then {id_column} end as rep_id from marts.{mart}"


def relations() -> tuple[BiRelation, ...]:
    """Every relation of the bi schema (built when asked: the scorecard's reads the KPI registry)."""
    return (
        BiRelation("kpi_monthly_by_owner", "view", _with_rep_id("kpi_monthly", "owner_level", "owner_id")),
        BiRelation("kpi_scorecard_by_scope", "view", _scorecard()),
        BiRelation("headline_kpis", "table", _headline()),
        BiRelation("data_freshness", "view", _freshness()),
        BiRelation("kpi_target_attainment_by_owner", "view", _attainment()),
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
        # ids over a union of every lead and deal (each id enters a stage at most once, so the two agree). The
        # stages are the company profile's; funnel_method says whether stage history or the final stage placed
        # the deals.
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
