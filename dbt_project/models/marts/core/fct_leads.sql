{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='lead_id',
    post_hook="{{ prune_vanished(ref('stg_crm__leads'), ['lead_id'], window_only=false) }}",
) }}
-- Leads with owner, channel, campaign and whether they became a deal.
with leads as (

    select * from {{ ref('int_leads_attributed') }} as upstream
    where {{ partition_window_rows('upstream', ['lead_id']) }}

),

final as (

    select
        lead_id,
        created_at,
        created_date,
        status,
        rep_id,
        account_id,
        source_channel,
        channel,
        campaign_platform,
        campaign_id,
        has_deal,
        first_deal_id,
        loaded_for_date
    from leads

)

select * from final
