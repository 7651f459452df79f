{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key=['spend_date', 'campaign_id'],
    post_hook="{{ prune_vanished(source('ads', 'ads_meta_ads'), ['spend_date', 'campaign_id'], ['date_start', 'campaign_id']) }}",
) }}
-- Meta daily campaign rows; spend in the account currency.
with source as (

    select * from {{ source('ads', 'ads_meta_ads') }} as source
    -- a windowed run re-ranks only the records that got a version in the window
    where {{ partition_window_keys(source('ads', 'ads_meta_ads'), ['date_start', 'campaign_id'], this_keys=['spend_date', 'campaign_id']) }}

),

renamed as (

    select
        cast(date_start as date) as spend_date,
        cast(campaign_id as varchar) as campaign_id,
        cast(campaign_name as varchar) as campaign_name,
        cast(impressions as bigint) as impressions,
        cast(clicks as bigint) as clicks,
        cast(spend as double precision) as spend,
        cast(account_currency as varchar) as currency,
        cast(_partition_date as date) as loaded_for_date,
        {{ newest_version_rank(['date_start', 'campaign_id']) }} as version_rank
    from source

),

final as (

    select * from renamed
    where version_rank = 1

)

select * from final
