-- Rep × month beside the medians of the rep's team, computed over every rep of the team here, before Superset's
-- row-level security narrows a Rep user to their own rows.
with reps as (
    select rep_id, full_name, team_id, team_name, region
    from {{ serving_ref('dim_reps') }}
    where role = 'rep' and rep_id <> 'unassigned'
),

activities as (
    select
        rep_id,
        cast(date_trunc('month', activity_date) as date) as month_start,
        cast(count(*) as bigint) as activities
    from {{ serving_ref('fct_activities') }}
    group by all
),

kpi_monthly as (
    select * from {{ serving_ref('kpi_monthly') }}
    where owner_level = 'rep'
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
    from kpi_monthly as m
    inner join reps as r on m.owner_id = r.rep_id
    left join activities as a on r.rep_id = a.rep_id and m.month_start = a.month_start
),

final as (
    select
        *,
        median(net_revenue_usd) over team_month as team_median_net_revenue_usd,
        median(win_rate_by_count) over team_month as team_median_win_rate_by_count,
        median(sales_cycle_median_days) over team_month as team_median_sales_cycle_days,
        median(activities) over team_month as team_median_activities
    from monthly
    window team_month as (partition by team_id, month_start)
)

select * from final
order by month_start, rep_id
