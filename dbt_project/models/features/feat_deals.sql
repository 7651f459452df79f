-- One row per scoring date × deal open then (no close recorded): stage, amount, age and activity as recorded before
-- that date, and the label: won within deal_horizon_days (final state), with the days it took.
{% set cfg = var('intelligence') %}
{% set h = cfg['deal_horizon_days'] %}
with dates as (

    select * from {{ ref('feat_scoring_dates') }}

),

open_deals as (

    select
        dates.scoring_date,
        dates.scoring_at,
        dates.is_current,
        dates.data_end_date,
        versions.deal_id,
        versions.lead_id,
        versions.owner_id,
        versions.stage,
        versions.amount,
        versions.currency,
        versions.created_at,
        versions.expected_close_date
    from dates
    inner join {{ ref('stg_crm__deal_versions') }} as versions
        on versions.valid_from < dates.scoring_at
        and (versions.valid_to is null or versions.valid_to >= dates.scoring_at)
    where versions.closed_at is null
        and versions.created_at >= dates.scoring_at - interval '{{ cfg["lookback_days"] }} days'

),

stage_history as (

    select
        open_deals.scoring_date,
        open_deals.deal_id,
        count(*) as stage_changes,
        max(events.changed_at) as last_change_at
    from open_deals
    inner join {{ ref('stg_crm__deal_stage_events') }} as events
        on open_deals.deal_id = events.deal_id
        and events.changed_at < open_deals.scoring_at
        and events.loaded_for_date < open_deals.scoring_date
    group by open_deals.scoring_date, open_deals.deal_id

),

activity_history as (

    select
        open_deals.scoring_date,
        open_deals.deal_id,
        sum(case when activities.occurred_at >= open_deals.scoring_at - interval '30 days' then 1 else 0 end)
            as activities_30d,
        count(*) as activities_total,
        max(activities.occurred_at) as last_activity_at
    from open_deals
    inner join {{ ref('stg_crm__activities') }} as activities
        on open_deals.deal_id = activities.deal_id
        and activities.occurred_at < open_deals.scoring_at
        and activities.loaded_for_date < open_deals.scoring_date
    group by open_deals.scoring_date, open_deals.deal_id

),

owner_history as (

    -- each owner's deals closed in the lookback, in the state known at the scoring date
    select
        dates.scoring_date,
        versions.owner_id,
        count(*) as closed_deals,
        sum(case when stages.outcome = 'won' then 1 else 0 end) as won_deals
    from dates
    inner join {{ ref('stg_crm__deal_versions') }} as versions
        on versions.valid_from < dates.scoring_at
        and (versions.valid_to is null or versions.valid_to >= dates.scoring_at)
        and versions.closed_at < dates.scoring_at
        and versions.closed_at >= dates.scoring_at - interval '{{ cfg["lookback_days"] }} days'
    -- won is whatever the company profile's stages call won
    left join {{ ref('stg_profile__stages') }} as stages
        on versions.stage = stages.stage
    where versions.owner_id is not null
    group by dates.scoring_date, versions.owner_id

),

lead_channels as (

    select distinct on (lead_id) lead_id, source_channel
    from {{ ref('stg_crm__lead_versions') }}
    order by lead_id, valid_from

),

team as (

    select scoring_date, {{ kpi_divide('sum(won_deals)', 'sum(closed_deals)') }} as win_rate
    from owner_history
    group by scoring_date

),

fx as (

    select * from {{ ref('int_fx_rates_daily') }}

),

outcomes as (

    select deals.deal_id, coalesce(stages.outcome = 'won', false) as is_won, deals.closed_at
    from {{ ref('stg_crm__deals') }} as deals
    left join {{ ref('stg_profile__stages') }} as stages
        on deals.stage = stages.stage

),

final as (

    select
        open_deals.scoring_date,
        open_deals.deal_id,
        coalesce(open_deals.owner_id, 'unassigned') as rep_id,
        open_deals.is_current,
        coalesce(open_deals.stage, 'unknown') as stage,
        case
            when open_deals.lead_id is null then 'no_lead'
            else coalesce(lead_channels.source_channel, 'unattributed')
        end as channel,
        -- converted at the last rate known before the scoring date
        open_deals.amount * case when open_deals.currency = 'USD' then 1.0 else fx.rate_to_usd end as amount_usd,
        {{ dbt.datediff('open_deals.created_at', 'open_deals.scoring_at', 'hour') }} / 24.0 as age_days,
        {{ dbt.datediff('coalesce(stage_history.last_change_at, open_deals.created_at)', 'open_deals.scoring_at', 'hour') }}
            / 24.0 as days_in_stage,
        cast(coalesce(stage_history.stage_changes, 0) as bigint) as stage_changes,
        {{ dbt.datediff('open_deals.scoring_date', 'open_deals.expected_close_date', 'day') }} as days_to_expected_close,
        cast(coalesce(activity_history.activities_30d, 0) as bigint) as activities_30d,
        cast(coalesce(activity_history.activities_total, 0) as bigint) as activities_total,
        {{ dbt.datediff('activity_history.last_activity_at', 'open_deals.scoring_at', 'day') }}
            as days_since_last_activity,
        cast(coalesce(owner_history.closed_deals, 0) as bigint) as owner_closed_deals,
        -- a few pseudo-deals at the team-wide rate keep an owner with little history from an extreme rate
        (coalesce(owner_history.won_deals, 0) + 5 * coalesce(team.win_rate, 0))
            / (coalesce(owner_history.closed_deals, 0) + 5.0) as owner_win_rate,
        {{ h }} as horizon_days,
        open_deals.scoring_date + {{ h }} <= open_deals.data_end_date as label_complete,
        coalesce(
            outcomes.is_won and outcomes.closed_at < open_deals.scoring_at + interval '{{ h }} days', false
        ) as label,
        case
            when outcomes.is_won then {{ dbt.datediff('open_deals.scoring_at', 'outcomes.closed_at', 'hour') }} / 24.0
        end as label_days_to_close
    from open_deals
    left join stage_history
        on open_deals.scoring_date = stage_history.scoring_date
        and open_deals.deal_id = stage_history.deal_id
    left join activity_history
        on open_deals.scoring_date = activity_history.scoring_date
        and open_deals.deal_id = activity_history.deal_id
    left join owner_history
        on open_deals.scoring_date = owner_history.scoring_date
        and open_deals.owner_id = owner_history.owner_id
    left join team
        on open_deals.scoring_date = team.scoring_date
    left join lead_channels
        on open_deals.lead_id = lead_channels.lead_id
    left join fx
        on open_deals.currency = fx.currency
        and open_deals.scoring_date - 1 = fx.rate_day
    left join outcomes
        on open_deals.deal_id = outcomes.deal_id

)

select * from final
