-- Orders with their line totals and refunds in USD, net of cancellations and refunds.
with orders as (

    select * from {{ ref('stg_orders__orders') }}

),

lines as (

    select
        order_id,
        count(*) as line_count,
        sum(line_amount) as gross_amount,
        max(loaded_for_date) as loaded_for_date
    from {{ ref('stg_orders__order_lines') }}
    group by order_id

),

refunds as (

    select
        order_id,
        sum(amount_usd) as refunded_amount_usd,
        max(case when fx_status = 'missing' then 1 else 0 end) as has_missing_fx,
        max(loaded_for_date) as loaded_for_date
    from {{ ref('int_refunds_converted') }}
    group by order_id

),

fx as (

    select * from {{ ref('int_fx_rates_daily') }}

),

converted as (

    select
        orders.order_id,
        orders.order_number,
        orders.customer_id,
        orders.crm_deal_id,
        orders.status,
        orders.currency,
        orders.ordered_at,
        {{ business_date('orders.ordered_at') }} as order_date,
        orders.status = 'cancelled' as is_cancelled,
        cast(coalesce(lines.line_count, 0) as bigint) as line_count,
        coalesce(lines.gross_amount, 0) as gross_amount,
        coalesce(lines.gross_amount, 0)
            * case when orders.currency = 'USD' then 1.0 else fx.rate_to_usd end as gross_amount_usd,
        coalesce(refunds.refunded_amount_usd, 0) as refunded_amount_usd,
        case
            when orders.currency <> 'USD' and fx.rate_to_usd is null then 'missing'
            when refunds.has_missing_fx = 1 then 'missing'
            when orders.currency = 'USD' or fx.rate_date = {{ business_date('orders.ordered_at') }} then 'exact'
            else 'carried_forward'
        end as fx_status,
        -- the newest load that touched the order, its lines or its refunds: drives incremental windows
        greatest(
            orders.loaded_for_date,
            coalesce(lines.loaded_for_date, orders.loaded_for_date),
            coalesce(refunds.loaded_for_date, orders.loaded_for_date)
        ) as loaded_for_date
    from orders
    left join lines
        on orders.order_id = lines.order_id
    left join refunds
        on orders.order_id = refunds.order_id
    left join fx
        on orders.currency = fx.currency
        and {{ business_date('orders.ordered_at') }} = fx.rate_day

),

final as (

    select
        *,
        case when is_cancelled then 0 else gross_amount_usd - refunded_amount_usd end as net_amount_usd
    from converted

)

select * from final
