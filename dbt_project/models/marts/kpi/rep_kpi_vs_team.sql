-- Each rep's monthly KPIs beside their target and the median rep of their current team: the rep's own page.
with scorecard as (

    select * from {{ ref('kpi_scorecard') }}
    where scope_level = 'rep' and period_grain = 'month'

),

reps as (

    select rep_id, full_name, team_id, team_name, manager_id from {{ ref('dim_reps') }}

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

final as (

    select
        *,
        median(kpi_value) over team_kpi as team_median,
        cast(count(kpi_value) over team_kpi as bigint) as team_reps,
        kpi_value - median(kpi_value) over team_kpi as vs_team_median,
        period_start = max(period_start) over () as is_latest_period
    from joined
    window team_kpi as (partition by team_id, period_start, kpi_name)

)

select * from final
