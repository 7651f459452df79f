-- Additive sales measures per day, rep (with the team and region of that day) and channel.
with events as (

    select * from {{ ref('int_kpi_measure_events') }}
    where rep_id is not null

),

final as (

    select
        event_date as date_day,
        rep_id,
        team_id,
        region,
        channel,
        cast(sum(leads) as bigint) as leads,
        cast(sum(leads_with_deal) as bigint) as leads_with_deal,
        cast(sum(deals_created) as bigint) as deals_created,
        cast(sum(won_count) as bigint) as won_count,
        cast(sum(lost_count) as bigint) as lost_count,
        sum(won_amount_usd) as won_amount_usd,
        sum(lost_amount_usd) as lost_amount_usd,
        cast(sum(orders) as bigint) as orders,
        sum(gross_revenue_usd) as gross_revenue_usd,
        sum(refunds_usd) as refunds_usd,
        sum(gross_revenue_usd) - sum(refunds_usd) as net_revenue_usd,
        cast(sum(new_customers) as bigint) as new_customers
    from events
    group by event_date, rep_id, team_id, region, channel

)

select * from final
