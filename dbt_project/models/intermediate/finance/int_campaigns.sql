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

final as (

    select
        ranked.platform,
        ranked.campaign_id,
        ranked.campaign_name,
        ranked.channel,
        spans.first_spend_date,
        spans.last_spend_date
    from ranked
    inner join spans
        on ranked.platform = spans.platform
        and ranked.campaign_id = spans.campaign_id
    where ranked.recency_rank = 1

)

select * from final
