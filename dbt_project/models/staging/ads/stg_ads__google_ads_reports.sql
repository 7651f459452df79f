{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key=['spend_date', 'campaign_id'],
    post_hook="{{ prune_vanished(source('ads', 'ads_google_ads'), ['spend_date', 'campaign_id'], ['day', 'campaign_id']) }}",
) }}
-- Google Ads daily campaign rows; cost still in micros of the account currency.
with source as (

    select * from {{ source('ads', 'ads_google_ads') }} as source
    -- a windowed run re-ranks only the records that got a version in the window
    where {{ partition_window_keys(source('ads', 'ads_google_ads'), ['day', 'campaign_id'], this_keys=['spend_date', 'campaign_id']) }}

),

renamed as (

    select
        cast(day as date) as spend_date,
        cast(campaign_id as varchar) as campaign_id,
        cast(campaign as varchar) as campaign_name,
        cast(impressions as bigint) as impressions,
        cast(clicks as bigint) as clicks,
        cast(cost_micros as bigint) as cost_micros,
        cast(conversions as double precision) as conversions,
        cast(currency as varchar) as currency,
        cast(_partition_date as date) as loaded_for_date,
        {{ newest_version_rank(['day', 'campaign_id']) }} as version_rank
    from source

),

final as (

    select * from renamed
    where version_rank = 1

)

select * from final
