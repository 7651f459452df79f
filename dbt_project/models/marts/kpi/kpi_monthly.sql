-- Every KPI per month and owner (company, region, team, rep), with revenue growth against last month and year.
with aggregates as (

    select * from {{ ref('int_kpi_period_aggregates') }}
    where period_grain = 'month' and scope_level in ('company', 'region', 'team', 'rep')

),

final as (

    select
        current_period.period_start as month_start,
        current_period.period_end as month_end,
        current_period.scope_level as owner_level,
        current_period.scope_id as owner_id,
        current_period.leads,
        current_period.leads_with_deal,
        current_period.deals_created,
        current_period.deals_created_won,
        current_period.won_count,
        current_period.lost_count,
        current_period.won_amount_usd,
        current_period.lost_amount_usd,
        current_period.orders,
        current_period.gross_revenue_usd,
        current_period.refunds_usd,
        current_period.net_revenue_usd,
        current_period.new_customers,
        current_period.ad_spend_usd,
        current_period.sales_cost_usd,
        {{ kpi_growth('current_period.net_revenue_usd', 'last_month.net_revenue_usd') }} as revenue_growth_mom,
        {{ kpi_growth('current_period.net_revenue_usd', 'last_year.net_revenue_usd') }} as revenue_growth_yoy,
        {{ kpi_formula_columns('current_period.') }},
        current_period.sales_cycle_median_days,
        current_period.sales_cycle_p90_days
    from aggregates as current_period
    left join aggregates as last_month
        on current_period.scope_level = last_month.scope_level
        and current_period.scope_id = last_month.scope_id
        and last_month.period_start = cast({{ dbt.dateadd('month', -1, 'current_period.period_start') }} as date)
    left join aggregates as last_year
        on current_period.scope_level = last_year.scope_level
        and current_period.scope_id = last_year.scope_id
        and last_year.period_start = cast({{ dbt.dateadd('year', -1, 'current_period.period_start') }} as date)

)

select * from final
