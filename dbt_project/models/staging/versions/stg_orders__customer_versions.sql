-- Every version of an orders-database customer (its CRM account link) with the interval it was the known version.
with source as (

    select * from {{ source('orders', 'orders_customers') }}

),

versions as (

    -- the same version can be re-delivered (re-runs, late files): keep the newest load of it
    select distinct on (id, updated_at)
        cast(id as bigint) as customer_id,
        cast(external_crm_id as varchar) as account_id,
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
        {{ version_valid_to('customer_id') }} as valid_to
    from versions

)

select * from final
