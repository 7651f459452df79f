{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='refund_id',
    post_hook="{{ prune_vanished(source('orders', 'orders_refunds'), ['refund_id'], ['id']) }}",
) }}
-- Refunds, latest version of each (amount in the order's currency).
with source as (

    select * from {{ source('orders', 'orders_refunds') }} as source
    -- a windowed run re-ranks only the records that got a version in the window
    where {{ partition_window_keys(source('orders', 'orders_refunds'), ['id'], this_keys=['refund_id']) }}

),

renamed as (

    select
        cast(id as bigint) as refund_id,
        cast(order_id as bigint) as order_id,
        cast(amount as double precision) as amount,
        cast(reason as varchar) as reason,
        cast(refunded_at as timestamp) as refunded_at,
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
