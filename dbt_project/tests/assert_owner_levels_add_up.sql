-- Invariant: additive measures of every owner level (region, team, rep) add up to the company total each month.
with totals as (

    select
        month_start,
        owner_level,
        sum(leads) as leads,
        sum(won_count) as won_count,
        sum(net_revenue_usd) as net_revenue_usd,
        sum(new_customers) as new_customers
    from {{ ref('kpi_monthly') }}
    group by month_start, owner_level

)

select levels.*
from totals as levels
inner join totals as company
    on levels.month_start = company.month_start
    and company.owner_level = 'company'
where levels.leads <> company.leads
    or levels.won_count <> company.won_count
    or levels.new_customers <> company.new_customers
    or abs(levels.net_revenue_usd - company.net_revenue_usd) > 0.01
