-- Each rep's monthly KPIs beside their target and the median rep of their current team, computed over the whole
-- team before Superset's row-level security narrows a Rep user to their own rows: the rep's own page.
with scorecard as (
    select * from {{ serving_ref('kpi_scorecard') }}
    where scope_level = 'rep' and period_grain = 'month'
),

reps as (
    select rep_id, full_name, team_id, team_name, manager_id from {{ serving_ref('dim_reps') }}
),

joined as (
    select
        scorecard.scope_id as rep_id,
        reps.full_name,
        reps.team_id,
        reps.team_name,
        reps.manager_id,
        scorecard.period_start,
        scorecard.period_end,
        scorecard.kpi_name,
        scorecard.kpi_label,
        scorecard.kpi_format,
        scorecard.direction,
        scorecard.kpi_value,
        scorecard.target_value,
        scorecard.attainment,
        scorecard.status
    from scorecard
    inner join reps
        on scorecard.scope_id = reps.rep_id
),

compared as (
    select
        *,
        median(kpi_value) over team_kpi as team_median,
        cast(count(kpi_value) over team_kpi as bigint) as team_reps,
        kpi_value - median(kpi_value) over team_kpi as vs_team_median,
        period_start = max(period_start) over () as is_latest_period
    from joined
    window team_kpi as (partition by team_id, period_start, kpi_name)
),

final as (
    select
        *,
        {{ kpi_display('kpi_value', 'kpi_format') }} as value_display,
        {{ kpi_display('target_value', 'kpi_format') }} as target_display,
        {{ kpi_display('team_median', 'kpi_format') }} as team_median_display,
        {{ kpi_status_label('status') }} as status_label
    from compared
)

select * from final
