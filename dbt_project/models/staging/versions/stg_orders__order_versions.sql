-- Every version of an order with the interval it was the known version
-- (valid_from ≤ t < valid_to), for point-in-time features.
with source as (

    select * from {{ source('orders', 'orders_orders') }}

),

versions as (

    -- the same version can be re-delivered (re-runs, late files): keep the newest load of it
    select distinct on (id, updated_at)
        cast(id as bigint) as order_id,
        cast(customer_id as bigint) as customer_id,
        cast(status as varchar) as status,
        cast(currency as varchar) as currency,
        cast(ordered_at as timestamp) as ordered_at,
        cast(updated_at as timestamp) as updated_at,
        -- known once both changed and loaded: a version delivered late was not known before its load day
        {{ version_valid_from() }} as valid_from
    from source
    {{ newest_load_of_each_version() }}

),

final as (

    select
        *,
        -- a version holds until the next one of the same record; the newest holds until now (null)
        {{ version_valid_to('order_id') }} as valid_to
    from versions

)

select * from final
