-- One row per scoring date × lead open then (not converted or disqualified, no deal known, created within the
-- lookback): what was recorded before that date, and the label: a deal opened from it within lead_horizon_days.
{% set cfg = var('intelligence') %}
{% set h = cfg['lead_horizon_days'] %}
with dates as (

    select * from {{ ref('feat_scoring_dates') }}

),

lead_versions as (

    select * from {{ ref('stg_crm__lead_versions') }}

),

lead_firsts as (

    -- when a lead was created and first recorded
    select
        lead_id,
        min(created_at) as created_at,
        min(valid_from) as first_seen_at
    from lead_versions
    group by lead_id

),

first_versions as (

    -- a lead's channel and status as first recorded
    select distinct on (lead_id) lead_id, source_channel, status as first_status
    from lead_versions
    order by lead_id, valid_from

),

first_touch as (

    -- the first touch: when the lead's status first changed
    select lead_versions.lead_id, min(lead_versions.valid_from) as touched_at
    from lead_versions
    inner join first_versions
        on lead_versions.lead_id = first_versions.lead_id
    where lead_versions.status <> first_versions.first_status
    group by lead_versions.lead_id

),

deal_firsts as (

    -- each deal as first recorded: when it became known, its lead and its amount in USD
    select distinct on (versions.deal_id)
        versions.deal_id,
        versions.lead_id,
        versions.created_at,
        versions.valid_from as known_at,
        versions.amount * case when versions.currency = 'USD' then 1.0 else fx.rate_to_usd end as amount_usd
    from {{ ref('stg_crm__deal_versions') }} as versions
    left join {{ ref('int_fx_rates_daily') }} as fx
        on versions.currency = fx.currency
        and cast(versions.created_at as date) = fx.rate_day
    order by versions.deal_id, versions.valid_from

),

lead_deals as (

    select lead_id, min(created_at) as deal_created_at, min(known_at) as deal_known_at,
        max(amount_usd) as deal_amount_usd
    from deal_firsts
    where lead_id is not null
    group by lead_id

),

open_leads as (

    select
        dates.scoring_date,
        dates.scoring_at,
        dates.is_current,
        dates.data_end_date,
        versions.lead_id,
        versions.owner_id,
        versions.status,
        versions.utm_source,
        versions.created_at
    from dates
    inner join lead_versions as versions
        on versions.valid_from < dates.scoring_at
        and (versions.valid_to is null or versions.valid_to >= dates.scoring_at)
    left join lead_deals
        on versions.lead_id = lead_deals.lead_id
    where versions.status not in ('converted', 'disqualified')
        and versions.created_at >= dates.scoring_at - interval '90 days'
        and (lead_deals.deal_known_at is null or lead_deals.deal_known_at >= dates.scoring_at)

),

history as (

    -- per channel: leads whose whole horizon ended before the scoring date, and how many got a deal known by then
    select
        dates.scoring_date,
        first_versions.source_channel,
        count(*) as leads,
        sum(case
            when lead_deals.deal_known_at < dates.scoring_at
                and lead_deals.deal_created_at < lead_firsts.created_at + interval '{{ h }} days'
                then 1 else 0
        end) as converted,
        avg(case when lead_deals.deal_known_at < dates.scoring_at then lead_deals.deal_amount_usd end)
            as avg_deal_usd
    from dates
    inner join lead_firsts
        on lead_firsts.first_seen_at < dates.scoring_at
        and lead_firsts.created_at < dates.scoring_at - interval '{{ h }} days'
        and lead_firsts.created_at >= dates.scoring_at - interval '{{ 180 + h }} days'
    inner join first_versions
        on lead_firsts.lead_id = first_versions.lead_id
    left join lead_deals
        on lead_firsts.lead_id = lead_deals.lead_id
    group by dates.scoring_date, first_versions.source_channel

),

overall as (

    select scoring_date, {{ kpi_divide('sum(converted)', 'sum(leads)') }} as rate,
        {{ kpi_divide('sum(avg_deal_usd * converted)', 'sum(case when avg_deal_usd is not null then converted end)') }}
            as avg_deal_usd
    from history
    group by scoring_date

),

final as (

    select
        open_leads.scoring_date,
        open_leads.lead_id,
        coalesce(open_leads.owner_id, 'unassigned') as rep_id,
        open_leads.is_current,
        coalesce(first_versions.source_channel, 'unattributed') as channel,
        open_leads.utm_source is not null as has_campaign,
        open_leads.owner_id is not null as has_owner,
        open_leads.status <> first_versions.first_status as is_touched,
        {{ dbt.datediff('open_leads.created_at', 'open_leads.scoring_at', 'hour') }} / 24.0 as age_days,
        case
            when first_touch.touched_at < open_leads.scoring_at
                then {{ dbt.datediff('open_leads.created_at', 'first_touch.touched_at', 'hour') }} / 24.0
        end as days_to_first_touch,
        history.leads as channel_history_leads,
        {{ kpi_divide('history.converted', 'history.leads') }} as channel_rate,
        {{ kpi_divide(kpi_divide('history.converted', 'history.leads'), 'overall.rate') }} as channel_rate_ratio,
        coalesce(history.avg_deal_usd, overall.avg_deal_usd) as channel_avg_deal_usd,
        {{ h }} as horizon_days,
        open_leads.scoring_date + {{ h }} <= open_leads.data_end_date as label_complete,
        coalesce(
            lead_deals.deal_created_at >= open_leads.scoring_at
            and lead_deals.deal_created_at < open_leads.scoring_at + interval '{{ h }} days',
            false
        ) as label,
        coalesce(lead_deals.deal_amount_usd, 0) as label_value_usd
    from open_leads
    inner join first_versions
        on open_leads.lead_id = first_versions.lead_id
    left join first_touch
        on open_leads.lead_id = first_touch.lead_id
    left join lead_deals
        on open_leads.lead_id = lead_deals.lead_id
    left join history
        on open_leads.scoring_date = history.scoring_date
        and first_versions.source_channel is not distinct from history.source_channel
    left join overall
        on open_leads.scoring_date = overall.scoring_date

)

select * from final
