-- Every version of a CRM deal with the interval it was the known version
-- (valid_from ≤ t < valid_to), for point-in-time features.
with source as (

    select * from {{ source('crm', 'crm_deals') }}

),

versions as (

    -- the same version can be re-delivered (re-runs, late files): keep the newest load of it
    select distinct on (id, updated_at)
        cast(id as varchar) as deal_id,
        cast(lead_id as varchar) as lead_id,
        cast(account_id as varchar) as account_id,
        cast(owner_id as varchar) as owner_id,
        cast(stage as varchar) as stage,
        cast(amount as double precision) as amount,
        cast(currency as varchar) as currency,
        cast(created_at as timestamp) as created_at,
        cast(expected_close_date as date) as expected_close_date,
        cast(closed_at as timestamp) as closed_at,
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
        {{ version_valid_to('deal_id') }} as valid_to
    from versions

)

select * from final
