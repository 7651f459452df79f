-- Refunds converted to USD at the rate of the refund day.
with refunds as (

    select * from {{ ref('stg_orders__refunds') }}

),

orders as (

    select * from {{ ref('stg_orders__orders') }}

),

fx as (

    select * from {{ ref('int_fx_rates_daily') }}

),

final as (

    select
        refunds.refund_id,
        refunds.order_id,
        {{ business_date('refunds.refunded_at') }} as refund_date,
        refunds.refunded_at,
        refunds.reason,
        orders.currency,
        refunds.amount,
        refunds.amount * case when orders.currency = 'USD' then 1.0 else fx.rate_to_usd end as amount_usd,
        case
            when orders.currency = 'USD' then 'exact'
            when fx.rate_to_usd is null then 'missing'
            when fx.rate_date = {{ business_date('refunds.refunded_at') }} then 'exact'
            else 'carried_forward'
        end as fx_status,
        -- a cancellation already removes the whole sale; its refund must not be subtracted a second time
        coalesce(orders.status = 'cancelled', false) as is_on_cancelled_order,
        refunds.loaded_for_date
    from refunds
    left join orders
        on refunds.order_id = orders.order_id
    left join fx
        on orders.currency = fx.currency
        and {{ business_date('refunds.refunded_at') }} = fx.rate_day

)

select * from final
