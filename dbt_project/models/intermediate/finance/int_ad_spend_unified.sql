-- Ad spend of every platform the profile lists at one grain (date, platform, campaign, channel), net of the VAT
-- the profile says the platform's cost includes, and converted to USD.
with google as (

    select
        spend_date, 'google_ads' as platform, campaign_id, campaign_name, impressions, clicks,
        -- the Google Ads report format states cost in micros of the account currency
        cast(cost_micros as double precision) / 1000000 as reported_cost, currency, loaded_for_date
    from {{ ref('stg_ads__google_ads_reports') }}

),

meta as (

    select
        spend_date, 'meta_ads' as platform, campaign_id, campaign_name, impressions, clicks,
        spend as reported_cost, currency, loaded_for_date
    from {{ ref('stg_ads__meta_ads_reports') }}

),

yandex as (

    select
        spend_date, 'yandex_direct' as platform, campaign_id, campaign_name, impressions, clicks,
        reported_cost, currency, loaded_for_date
    from {{ ref('stg_ads__yandex_direct_reports') }}

),

reports as (

    select * from google
    union all
    select * from meta
    union all
    select * from yandex

),

platforms as (

    select * from {{ ref('stg_profile__ad_platforms') }}

),

channel_rules as (

    select match_value as campaign_prefix, channel
    from {{ ref('stg_profile__channel_rules') }}
    where rule_kind = 'campaign_prefix'

),

fx as (

    select * from {{ ref('int_fx_rates_daily') }}

),

netted as (

    select
        reports.spend_date,
        reports.platform,
        reports.campaign_id,
        reports.campaign_name,
        coalesce(channel_rules.channel, 'unknown') as channel,
        reports.currency,
        reports.impressions,
        reports.clicks,
        -- the VAT the platform adds on top of the net price is not spend
        reports.reported_cost / (1 + platforms.vat_rate) as spend,
        case when reports.currency = 'USD' then 1.0 else fx.rate_to_usd end as fx_rate,
        case
            when reports.currency = 'USD' then 'exact'
            when fx.rate_to_usd is null then 'missing'
            when fx.rate_date = reports.spend_date then 'exact'
            else 'carried_forward'
        end as fx_status,
        reports.loaded_for_date
    from reports
    inner join platforms
        on reports.platform = platforms.platform
    left join channel_rules
        on lower(trim({{ dbt.split_part('reports.campaign_name', "'_'", 1) }})) = channel_rules.campaign_prefix
    left join fx
        on reports.currency = fx.currency
        and reports.spend_date = fx.rate_day

),

final as (

    select
        spend_date,
        platform,
        campaign_id,
        max(campaign_name) as campaign_name,
        channel,
        max(currency) as currency,
        cast(sum(impressions) as bigint) as impressions,
        cast(sum(clicks) as bigint) as clicks,
        sum(spend) as spend,
        sum(spend * fx_rate) as spend_usd,
        max(fx_status) as fx_status,
        max(loaded_for_date) as loaded_for_date
    from netted
    group by spend_date, platform, campaign_id, channel

)

select * from final
