-- Invariant: the daily mart summed over a month equals the monthly company figures.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_monthly'}}}) }}  {#- reported as a check of kpi_monthly -#}
with daily as (

    select
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
        sum(leads) as leads,
        sum(net_revenue_usd) as net_revenue_usd
    from {{ ref('kpi_sales_daily') }}
    group by 1

)

select daily.*, monthly.leads as monthly_leads, monthly.net_revenue_usd as monthly_net_revenue_usd
from daily
full outer join (
    select * from {{ ref('kpi_monthly') }} where owner_level = 'company'
) as monthly
    on daily.month_start = monthly.month_start
where coalesce(daily.leads, 0) <> coalesce(monthly.leads, 0)
    or abs(coalesce(daily.net_revenue_usd, 0) - coalesce(monthly.net_revenue_usd, 0)) > 0.01
