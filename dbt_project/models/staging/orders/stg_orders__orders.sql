{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='order_id',
    post_hook="{{ prune_vanished(source('orders', 'orders_orders'), ['order_id'], ['id']) }}",
) }}
-- Orders, latest state of each.
with source as (

    select * from {{ source('orders', 'orders_orders') }} as source
    -- a windowed run re-ranks only the records that got a version in the window
    where {{ partition_window_keys(source('orders', 'orders_orders'), ['id'], this_keys=['order_id']) }}

),

renamed as (

    select
        cast(id as bigint) as order_id,
        cast(order_number as varchar) as order_number,
        cast(customer_id as bigint) as customer_id,
        cast(crm_deal_id as varchar) as crm_deal_id,
        cast(status as varchar) as status,
        cast(currency as varchar) as currency,
        cast(ordered_at as timestamp) as ordered_at,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        cast(_partition_date as date) as loaded_for_date,
        {{ newest_version_rank(['id'], updated_at='updated_at') }} as version_rank
    from source

),

final as (

    select * from renamed
    where version_rank = 1

)

select * from final
