{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='deal_id',
    post_hook="{{ prune_vanished(source('crm', 'crm_deals'), ['deal_id'], ['id']) }}",
) }}
-- CRM deals, latest version of each (amount in the deal's currency).
with source as (

    select * from {{ source('crm', 'crm_deals') }} as source
    -- a windowed run re-ranks only the records that got a version in the window
    where {{ partition_window_keys(source('crm', 'crm_deals'), ['id'], this_keys=['deal_id']) }}

),

renamed as (

    select
        cast(id as varchar) as deal_id,
        cast(lead_id as varchar) as lead_id,
        cast(account_id as varchar) as account_id,
        cast(owner_id as varchar) as owner_id,
        cast(name as varchar) as deal_name,
        cast(stage as varchar) as stage,
        cast(amount as double precision) as amount,
        cast(currency as varchar) as currency,
        cast(created_at as timestamp) as created_at,
        cast(expected_close_date as date) as expected_close_date,
        cast(closed_at as timestamp) as closed_at,
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
