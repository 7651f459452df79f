-- Acquisition KPIs per month and marketing channel: spend, leads, customers, CAC, ROAS, LTV:CAC.
with aggregates as (

    select * from {{ ref('int_kpi_period_aggregates') }}
    where period_grain = 'month' and scope_level = 'channel'

),

final as (

    select
        current_period.period_start as month_start,
        current_period.period_end as month_end,
        current_period.scope_id as channel,
        current_period.impressions,
        current_period.clicks,
        current_period.ad_spend_usd,
        current_period.leads,
        current_period.leads_with_deal,
        current_period.deals_created,
        current_period.won_count,
        current_period.lost_count,
        current_period.won_amount_usd,
        current_period.orders,
        current_period.gross_revenue_usd,
        current_period.refunds_usd,
        current_period.net_revenue_usd,
        current_period.new_customers,
        {{ kpi_growth('current_period.net_revenue_usd', 'last_month.net_revenue_usd') }} as revenue_growth_mom,
        {{ kpi_formula_columns('current_period.') }}
    from aggregates as current_period
    left join aggregates as last_month
        on current_period.scope_id = last_month.scope_id
        and last_month.period_start = cast({{ dbt.dateadd('month', -1, 'current_period.period_start') }} as date)

)

select * from final
