-- Invariant: company net revenue over all months = order lines − refunds of non-cancelled orders, in USD.
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

marts as (

    select coalesce(sum(net_revenue_usd), 0) as total
    from {{ ref('kpi_monthly') }}
    where owner_level = 'company'

)

select lines.total as lines_usd, refunds.total as refunds_usd, marts.total as mart_usd
from lines cross join refunds cross join marts
where abs(lines.total - refunds.total - marts.total) > 0.01
