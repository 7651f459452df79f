{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='order_id',
    post_hook="{{ prune_vanished(ref('stg_orders__orders'), ['order_id'], window_only=false) }}",
) }}
-- depends_on: {{ ref('stg_orders__orders') }}
-- depends_on: {{ ref('stg_orders__order_lines') }}
-- depends_on: {{ ref('stg_orders__refunds') }}
-- depends_on: {{ ref('stg_orders__customers') }}
-- depends_on: {{ ref('stg_crm__accounts') }}
-- depends_on: {{ ref('fct_deals') }}
-- depends_on: {{ ref('fct_leads') }}
-- Orders in USD, net of cancellations and refunds; a windowed run rebuilds the orders its days touched.
with

{%- if in_partition_window_run() %}

touched_orders as (

    -- found from the staging load dates, which is cheap; the attribution chain is then computed for these only
    select order_id, customer_id, crm_deal_id from {{ ref('stg_orders__orders') }}
    where {{ partition_window_filter('loaded_for_date') }}
        or order_id in (
            select order_id from {{ ref('stg_orders__order_lines') }}
            where {{ partition_window_filter('loaded_for_date') }}
            union all
            select order_id from {{ ref('stg_orders__refunds') }}
            where {{ partition_window_filter('loaded_for_date') }}
        )
        or customer_id in (
            select customer_id from {{ ref('stg_orders__customers') }}
            where {{ partition_window_filter('loaded_for_date') }}
                or crm_account_id in (
                    select account_id from {{ ref('stg_crm__accounts') }}
                    where {{ partition_window_filter('loaded_for_date') }}
                )
        )
        -- fct_deals and fct_leads are already rebuilt for this window: their load dates include everything an
        -- order inherits from them (deal versions, reopenings, the lead's channel)
        or crm_deal_id in (
            select deal_id from {{ ref('fct_deals') }}
            where {{ partition_window_filter('loaded_for_date') }}
        )
        -- orders without a deal take the channel of their account's first lead
        or customer_id in (
            select customer_id from {{ ref('stg_orders__customers') }}
            where crm_account_id in (
                select account_id from (
                    select
                        account_id,
                        loaded_for_date,
                        row_number() over (partition by account_id order by created_at, lead_id) as lead_rank
                    from {{ ref('fct_leads') }}
                    where account_id is not null
                ) as account_leads
                where lead_rank = 1 and {{ partition_window_filter('loaded_for_date') }}
            )
        )

),

{%- endif %}

orders as (

    select * from {{ ref('int_orders_attributed') }}
    {%- if in_partition_window_run() %}
    -- every order of a touched customer: which order is their first can change with any of them; and of a
    -- customer with an order built from the window, which a re-delivered window may have changed or removed
    where customer_id in (select customer_id from touched_orders)
        or customer_id in (
            select customer_id from {{ this }}
            where {{ partition_window_filter('loaded_for_date') }}
                -- an order or a deal that no longer exists (removed from the source, or quarantined)
                or order_id not in (select order_id from {{ ref('stg_orders__orders') }})
                or deal_id not in (select deal_id from {{ ref('fct_deals') }})
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
