{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='activity_id',
    post_hook="{{ prune_vanished(source('crm', 'crm_activities'), ['activity_id'], ['id']) }}",
) }}
-- CRM sales activities, one row per activity.
with source as (

    select * from {{ source('crm', 'crm_activities') }} as source
    -- a windowed run re-ranks only the records that got a version in the window
    where {{ partition_window_keys(source('crm', 'crm_activities'), ['id'], this_keys=['activity_id']) }}

),

renamed as (

    select
        cast(id as varchar) as activity_id,
        cast(type as varchar) as activity_type,
        cast(rep_id as varchar) as rep_id,
        cast(account_id as varchar) as account_id,
        cast(deal_id as varchar) as deal_id,
        cast(occurred_at as timestamp) as occurred_at,
        cast(duration_min as double precision) as duration_min,
        cast(latitude as double precision) as latitude,
        cast(longitude as double precision) as longitude,
        cast(outcome as varchar) as outcome,
        cast(_partition_date as date) as loaded_for_date,
        {{ newest_version_rank(['id']) }} as version_rank
    from source

),

final as (

    select * from renamed
    where version_rank = 1

)

select * from final
