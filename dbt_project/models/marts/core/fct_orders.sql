{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='order_id') }}
-- Orders in USD, net of cancellations and refunds; a windowed run rebuilds the orders its days touched.
with orders as (

    select * from {{ ref('int_orders_attributed') }}
    {%- if in_partition_window_run() %}
    -- every order of a touched customer: which order is their first can change with any of them
    where customer_id in (
        select customer_id from {{ ref('int_orders_attributed') }}
        where {{ partition_window_filter('loaded_for_date') }}
    )
    {%- endif %}

),

final as (

    select
        order_id,
        order_number,
        customer_id,
        account_id,
        rep_id,
        channel,
        deal_id,
        status,
        is_cancelled,
        is_first_order,
        is_new_customer,
        currency,
        ordered_at,
        order_date,
        line_count,
        gross_amount,
        gross_amount_usd,
        refunded_amount_usd,
        net_amount_usd,
        fx_status,
        loaded_for_date
    from orders

)

select * from final
