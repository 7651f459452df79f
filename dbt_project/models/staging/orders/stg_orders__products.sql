-- Products, latest version of each.
with source as (

    select * from {{ source('orders', 'orders_products') }}

),

renamed as (

    select
        cast(id as bigint) as product_id,
        cast(sku as varchar) as sku,
        cast(name as varchar) as product_name,
        cast(category as varchar) as category,
        cast(unit_price as double precision) as unit_price,
        cast(currency as varchar) as currency,
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
