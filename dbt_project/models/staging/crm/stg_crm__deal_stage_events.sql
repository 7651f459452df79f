{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='stage_event_id',
    post_hook="{{ prune_vanished(source('crm', 'crm_deal_stage_events'), ['stage_event_id'], ['id']) }}",
) }}
-- CRM deal stage transitions, one row per event.
with source as (

    select * from {{ source('crm', 'crm_deal_stage_events') }} as source
    -- a windowed run re-ranks only the records that got a version in the window
    where {{ partition_window_keys(source('crm', 'crm_deal_stage_events'), ['id'], this_keys=['stage_event_id']) }}

),

renamed as (

    select
        cast(id as varchar) as stage_event_id,
        cast(deal_id as varchar) as deal_id,
        cast(from_stage as varchar) as from_stage,
        cast(to_stage as varchar) as to_stage,
        cast(changed_at as timestamp) as changed_at,
        cast(changed_by as varchar) as changed_by,
        cast(_partition_date as date) as loaded_for_date,
        {{ newest_version_rank(['id']) }} as version_rank
    from source

),

final as (

    select * from renamed
    where version_rank = 1

)

select * from final
