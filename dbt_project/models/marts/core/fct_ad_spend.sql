{{ config(
    materialized='incremental', incremental_strategy='delete+insert',
    unique_key=['spend_date', 'platform', 'campaign_id'],
    post_hook="{{ prune_vanished(ref('int_ad_spend_unified'), ['spend_date', 'platform', 'campaign_id'], window_only=false) }}",
) }}
-- Daily ad spend per platform, campaign and channel in USD, net of VAT.
with spend as (

    select * from {{ ref('int_ad_spend_unified') }} as upstream
    where {{ partition_window_rows('upstream', ['spend_date', 'platform', 'campaign_id']) }}

),

final as (

    select
        spend_date,
        platform,
        campaign_id,
        {{ dbt.concat(['platform', "':'", 'campaign_id']) }} as campaign_key,
        campaign_name,
        channel,
        currency,
        impressions,
        clicks,
        spend,
        spend_usd,
        fx_status,
        loaded_for_date
    from spend

)

select * from final
