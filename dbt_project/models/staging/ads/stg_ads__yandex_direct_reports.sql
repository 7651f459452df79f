{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key=['spend_date', 'campaign_id'],
    post_hook="{{ prune_vanished(source('ads', 'ads_yandex_direct'), ['spend_date', 'campaign_id'], ['date', 'campaign_id']) }}",
) }}
-- Yandex Direct daily campaign rows; cost in the account currency as reported (VAT as the profile says).
with source as (

    select * from {{ source('ads', 'ads_yandex_direct') }} as source
    -- a windowed run re-ranks only the records that got a version in the window
    where {{ partition_window_keys(source('ads', 'ads_yandex_direct'), ['date', 'campaign_id'], this_keys=['spend_date', 'campaign_id']) }}

),

renamed as (

    select
        cast(date as date) as spend_date,
        cast(campaign_id as varchar) as campaign_id,
        cast(campaign_name as varchar) as campaign_name,
        cast(impressions as bigint) as impressions,
        cast(clicks as bigint) as clicks,
        cast(cost as double precision) as reported_cost,
        cast(currency as varchar) as currency,
        cast(_partition_date as date) as loaded_for_date,
        {{ newest_version_rank(['date', 'campaign_id']) }} as version_rank
    from source

),

final as (

    select * from renamed
    where version_rank = 1

)

select * from final
