{{ config(
    materialized='incremental', incremental_strategy='append',
    pre_hook="{{ kpi_delete_rebuilt(kpi_month_rebuilt('cast(' ~ dbt.date_trunc('month', 'date_day') ~ ' as date)')) }}",
) }}
-- Additive sales measures per day, rep (with the team and region of that day) and channel.
-- A windowed run recomputes the days of the months the events table rebuilt (macros/kpi_periods.sql).
with events as (

    select * from {{ ref('int_kpi_measure_events') }}
    where rep_id is not null
        and event_type <> 'rebuilt_month'
        and {{ kpi_month_rebuilt('event_month') }}

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
