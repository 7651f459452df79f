-- Invariant: company net revenue over all months = order lines − refunds of non-cancelled orders, plus (by the
-- profile's revenue basis) the won deals counted as revenue — all of them (won_deals) or those no order fulfils
-- (both) — in USD; a deal set aside (fct_deals.is_excluded) is no revenue.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_monthly'}}}) }}  {#- reported as a check of kpi_monthly -#}
with lines as (

    select coalesce(sum(gross_amount_usd), 0) as total
    from {{ ref('int_orders_converted') }}
    where not is_cancelled

),

refunds as (

    select coalesce(sum(amount_usd), 0) as total
    from {{ ref('int_refunds_converted') }}
    where not is_on_cancelled_order

),

deals as (

    select coalesce(sum(deals.amount_usd), 0) as total
    from {{ ref('fct_deals') }} as deals
    -- the profile source, not its staging view: selecting staging models alone must not run this test
    cross join {{ source('profile', 'settings') }} as settings
    where deals.is_won
        and not deals.is_excluded
        and deals.closed_at is not null
        and (
            settings.revenue_basis = 'won_deals'
            or (
                settings.revenue_basis = 'both'
                and deals.deal_id not in (
                    select crm_deal_id from {{ ref('int_orders_converted') }} where crm_deal_id is not null
                )
            )
        )

),

marts as (

    select coalesce(sum(net_revenue_usd), 0) as total
    from {{ ref('kpi_monthly') }}
    where owner_level = 'company'

)

select lines.total as lines_usd, refunds.total as refunds_usd, deals.total as deals_usd, marts.total as mart_usd
from lines cross join refunds cross join deals cross join marts
where abs(lines.total - refunds.total + deals.total - marts.total) > 0.01
