{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='customer_id',
    post_hook="{{ prune_vanished(source('orders', 'orders_customers'), ['customer_id'], ['id']) }}",
) }}
-- Shop customers, latest version of each.
with source as (

    select * from {{ source('orders', 'orders_customers') }} as source
    -- a windowed run re-ranks only the records that got a version in the window
    where {{ partition_window_keys(source('orders', 'orders_customers'), ['id'], this_keys=['customer_id']) }}

),

renamed as (

    select
        cast(id as bigint) as customer_id,
        cast(external_crm_id as varchar) as crm_account_id,
        cast(name as varchar) as customer_name,
        cast(email as varchar) as email,
        cast(country as varchar) as country,
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
