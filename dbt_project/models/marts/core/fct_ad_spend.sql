{{ config(
    materialized='incremental', incremental_strategy='delete+insert',
    unique_key=['spend_date', 'platform', 'campaign_id'],
) }}
-- Daily ad spend per platform, campaign and channel in USD, net of VAT.
with spend as (

    select * from {{ ref('int_ad_spend_unified') }}
    where {{ partition_window_filter('loaded_for_date') }}

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
