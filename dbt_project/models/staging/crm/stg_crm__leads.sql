{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='lead_id',
    post_hook="{{ prune_vanished(source('crm', 'crm_leads'), ['lead_id'], ['id']) }}",
) }}
-- CRM leads, latest version of each.
with source as (

    select * from {{ source('crm', 'crm_leads') }} as source
    -- a windowed run re-ranks only the records that got a version in the window
    where {{ partition_window_keys(source('crm', 'crm_leads'), ['id'], this_keys=['lead_id']) }}

),

renamed as (

    select
        cast(id as varchar) as lead_id,
        cast(created_at as timestamp) as created_at,
        cast(email as varchar) as email,
        cast(company_name as varchar) as company_name,
        cast(source_channel as varchar) as source_channel,
        cast(utm_source as varchar) as utm_source,
        cast(utm_campaign as varchar) as utm_campaign,
        cast(status as varchar) as status,
        cast(owner_id as varchar) as owner_id,
        cast(account_id as varchar) as account_id,
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
