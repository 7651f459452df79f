-- Every ad campaign seen in any platform report, with its channel and active date range.
with spend as (

    select * from {{ ref('int_ad_spend_unified') }}

),

ranked as (

    select
        *,
        row_number() over (partition by platform, campaign_id order by spend_date desc) as recency_rank
    from spend

),

spans as (

    select
        platform,
        campaign_id,
        min(spend_date) as first_spend_date,
        max(spend_date) as last_spend_date
    from spend
    group by platform, campaign_id

),

latest as (

    select platform, campaign_id, channel from ranked where recency_rank = 1

),

last_other_channel as (

    -- the newest report that named a channel other than the campaign's current one
    select spend.platform, spend.campaign_id, max(spend.spend_date) as last_other_date
    from spend
    inner join latest
        on spend.platform = latest.platform
        and spend.campaign_id = latest.campaign_id
    where spend.channel <> latest.channel
    group by spend.platform, spend.campaign_id

),

channel_since as (

    -- the load that gave the campaign its current channel: its first report, or the first after the last one that
    -- named another channel; leads credited to the campaign change channel with that load
    select spend.platform, spend.campaign_id, min(spend.loaded_for_date) as channel_loaded_for_date
    from spend
    left join last_other_channel
        on spend.platform = last_other_channel.platform
        and spend.campaign_id = last_other_channel.campaign_id
    where last_other_channel.last_other_date is null or spend.spend_date > last_other_channel.last_other_date
    group by spend.platform, spend.campaign_id

),

final as (

    select
        ranked.platform,
        ranked.campaign_id,
        ranked.campaign_name,
        ranked.channel,
        spans.first_spend_date,
        spans.last_spend_date,
        channel_since.channel_loaded_for_date
    from ranked
    inner join spans
        on ranked.platform = spans.platform
        and ranked.campaign_id = spans.campaign_id
    inner join channel_since
        on ranked.platform = channel_since.platform
        and ranked.campaign_id = channel_since.campaign_id
    where ranked.recency_rank = 1

)

select * from final
