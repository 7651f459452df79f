{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='lead_id') }}
-- Leads with owner, channel, campaign and whether they became a deal.
with leads as (

    select * from {{ ref('int_leads_attributed') }}
    where {{ partition_window_filter('loaded_for_date') }}

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
