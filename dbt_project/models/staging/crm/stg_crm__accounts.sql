{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='account_id',
    post_hook="{{ prune_vanished(source('crm', 'crm_accounts'), ['account_id'], ['id']) }}",
) }}
-- CRM accounts, latest version of each.
with source as (

    select * from {{ source('crm', 'crm_accounts') }} as source
    -- a windowed run re-ranks only the records that got a version in the window
    where {{ partition_window_keys(source('crm', 'crm_accounts'), ['id'], this_keys=['account_id']) }}

),

renamed as (

    select
        cast(id as varchar) as account_id,
        cast(name as varchar) as account_name,
        cast(industry as varchar) as industry,
        cast(country as varchar) as country,
        cast(city as varchar) as city,
        cast(lat as double precision) as latitude,
        cast(lon as double precision) as longitude,
        cast(owner_id as varchar) as owner_id,
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
