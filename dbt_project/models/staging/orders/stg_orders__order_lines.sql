{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='order_line_id',
    post_hook="{{ prune_vanished(source('orders', 'orders_order_lines'), ['order_line_id'], ['id']) }}",
) }}
-- Order lines, latest version of each (amounts in the order's currency).
with source as (

    select * from {{ source('orders', 'orders_order_lines') }} as source
    -- a windowed run re-ranks only the records that got a version in the window
    where {{ partition_window_keys(source('orders', 'orders_order_lines'), ['id'], this_keys=['order_line_id']) }}

),

renamed as (

    select
        cast(id as bigint) as order_line_id,
        cast(order_id as bigint) as order_id,
        cast(product_id as bigint) as product_id,
        cast(quantity as bigint) as quantity,
        cast(unit_price as double precision) as unit_price,
        cast(discount as double precision) as discount,
        cast(line_amount as double precision) as line_amount,
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
