-- Each rep beside the median rep over the analysis window: stage conversion, days to a lead's first touch, activity
-- mix, win rate and won deal size by channel, each with the revenue at stake (what the rep would have won at the
-- median of that step, all else equal). Stages, channels and activity types come from the data.
{% set cfg = var('intelligence') %}
{% set min_n = cfg['analysis_min_sample'] %}
with bounds as (

    select
        max(data_end_date) - {{ cfg['analysis_days'] }} as period_start,
        max(data_end_date) as period_end
    from {{ ref('feat_scoring_dates') }}

),

deals as (

    select * from {{ ref('fct_deals') }}
    where rep_id <> 'unassigned'

),

closed as (

    select deals.*
    from deals
    cross join bounds
    where (deals.is_won or deals.is_lost)
        and deals.closed_at >= bounds.period_start
        and deals.closed_at < bounds.period_end

),

overall as (

    select
        {{ kpi_divide('count(*) filter (where is_won)', 'count(*)') }} as win_rate,
        avg(amount_usd) filter (where is_won) as avg_won_usd
    from closed

),

stages as (

    -- which stages are open, won or lost: the company profile's stage outcomes
    select * from {{ ref('stg_profile__stages') }}

),

events as (

    select
        events.deal_id,
        events.stage_event_id,
        events.to_stage as stage,
        coalesce(stages.outcome, 'open') as outcome,
        events.changed_at
    from {{ ref('stg_crm__deal_stage_events') }} as events
    left join stages
        on events.to_stage = stages.stage

),

sequenced as (

    select
        *,
        lead(outcome) over (partition by deal_id order by changed_at, stage_event_id) as next_outcome,
        lead(changed_at) over (partition by deal_id order by changed_at, stage_event_id) as next_changed_at
    from events

),

stage_entries as (

    -- a deal entering an open stage in the window, and whether its next move went on rather than to a loss
    select
        deals.rep_id,
        sequenced.stage,
        sequenced.next_outcome <> 'lost' as advanced,
        deals.is_won,
        {{ dbt.datediff('sequenced.changed_at', 'sequenced.next_changed_at', 'hour') }} / 24.0 as days_in_stage
    from sequenced
    inner join deals
        on sequenced.deal_id = deals.deal_id
    cross join bounds
    where sequenced.changed_at >= bounds.period_start
        and sequenced.changed_at < bounds.period_end
        and sequenced.outcome = 'open'
        and sequenced.next_outcome is not null

),

stage_rates as (

    select rep_id, stage, count(*) as n, {{ kpi_divide('count(*) filter (where advanced)', 'count(*)') }} as value
    from stage_entries
    group by rep_id, stage

),

stage_days as (

    -- how long the rep's deals stayed in each working stage before they moved (on or out)
    select rep_id, stage, count(*) as n, percentile_cont(0.5) within group (order by days_in_stage) as value
    from stage_entries
    group by rep_id, stage

),

stage_win_after as (

    -- the chance that a deal which moved on from a stage was won in the end (all reps)
    select stage, {{ kpi_divide('count(*) filter (where is_won)', 'count(*)') }} as win_after
    from stage_entries
    where advanced
    group by stage

),

lead_touch as (

    select
        leads.lead_id,
        leads.rep_id,
        leads.created_at,
        min(versions.valid_from) filter (where versions.status <> first_status.status) as touched_at
    from {{ ref('fct_leads') }} as leads
    inner join {{ ref('stg_crm__lead_versions') }} as versions
        on leads.lead_id = versions.lead_id
    inner join (
        select distinct on (lead_id) lead_id, status
        from {{ ref('stg_crm__lead_versions') }}
        order by lead_id, valid_from
    ) as first_status
        on leads.lead_id = first_status.lead_id
    cross join bounds
    where leads.rep_id <> 'unassigned'
        and leads.created_at >= bounds.period_start
        and leads.created_at < bounds.period_end
    group by leads.lead_id, leads.rep_id, leads.created_at

),

lead_deals as (

    select distinct lead_id from {{ ref('fct_deals') }} where lead_id is not null

),

lead_rates as (

    select
        lead_touch.rep_id,
        count(*) as leads,
        count(lead_touch.touched_at) as touched,
        percentile_cont(0.5) within group (
            order by {{ dbt.datediff('lead_touch.created_at', 'lead_touch.touched_at', 'hour') }} / 24.0
        ) as days_to_first_touch,
        {{ kpi_divide('count(lead_deals.lead_id)', 'count(*)') }} as conversion
    from lead_touch
    left join lead_deals
        on lead_touch.lead_id = lead_deals.lead_id
    group by lead_touch.rep_id

),

activities as (

    select activities.rep_id, activities.activity_type
    from {{ ref('stg_crm__activities') }} as activities
    cross join bounds
    where activities.occurred_at >= bounds.period_start
        and activities.occurred_at < bounds.period_end
        and activities.rep_id is not null

),

activity_volume as (

    -- activities a week over the window: how much the rep does, beside the mix below (what kind)
    select
        activities.rep_id,
        count(*) as n,
        count(*) * 7.0 / {{ cfg['analysis_days'] }} as value
    from activities
    group by activities.rep_id

),

activity_mix as (

    select
        rep_id,
        activity_type,
        -- the sample is all of the rep's activities: a type the rep rarely uses is the finding, not noise
        cast(sum(count(*)) over (partition by rep_id) as bigint) as n,
        cast(count(*) as double precision) / sum(count(*)) over (partition by rep_id) as value
    from activities
    group by rep_id, activity_type

),

rep_totals as (

    select
        rep_id,
        count(*) as closed_deals,
        count(*) filter (where is_won) as won_deals,
        {{ kpi_divide('count(*) filter (where is_won)', 'count(*)') }} as win_rate
    from closed
    group by rep_id

),

channel_rates as (

    select
        rep_id,
        channel,
        count(*) as n,
        count(*) filter (where is_won) as won,
        {{ kpi_divide('count(*) filter (where is_won)', 'count(*)') }} as win_rate,
        avg(amount_usd) filter (where is_won) as won_size
    from closed
    group by rep_id, channel

),

long as (

    select rep_id, 'stage_conversion' as metric, stage as step, value, n, 'higher' as better from stage_rates
    union all
    select rep_id, 'days_in_stage', stage, value, n, 'lower' from stage_days
    union all
    select rep_id, 'activities_per_week', '', value, n, 'higher' from activity_volume
    union all
    select rep_id, 'days_to_first_touch', '', days_to_first_touch, touched, 'lower' from lead_rates
    union all
    select rep_id, 'lead_conversion', '', conversion, leads, 'higher' from lead_rates
    union all
    select rep_id, 'activity_share', activity_type, value, n, 'higher' from activity_mix
    union all
    select rep_id, 'win_rate', '', win_rate, closed_deals, 'higher' from rep_totals
    union all
    select rep_id, 'win_rate_by_channel', channel, win_rate, n, 'higher' from channel_rates
    union all
    select rep_id, 'won_deal_size_by_channel', channel, won_size, won, 'higher' from channel_rates

),

medians as (

    select metric, step, percentile_cont(0.5) within group (order by value) as team_median, count(*) as reps
    from long
    where n >= {{ min_n }} and value is not null
    group by metric, step

),

compared as (

    select
        long.*,
        medians.team_median,
        medians.reps,
        case
            when long.value is null or medians.team_median is null then 0.0
            when long.better = 'higher' then greatest(medians.team_median - long.value, 0.0)
            else greatest(long.value - medians.team_median, 0.0)
        end as shortfall
    from long
    left join medians
        on long.metric = medians.metric
        and long.step = medians.step

),

final as (

    select
        bounds.period_start,
        bounds.period_end,
        compared.rep_id,
        compared.metric,
        compared.step,
        compared.better,
        compared.value as rep_value,
        compared.team_median,
        cast(compared.n as bigint) as sample_size,
        cast(compared.reps as bigint) as reps_in_median,
        -- revenue at stake: the cases the rep would have turned at the median, valued as the median would
        coalesce(case compared.metric
            when 'stage_conversion' then compared.shortfall * compared.n * stage_win_after.win_after
                * overall.avg_won_usd
            when 'win_rate' then compared.shortfall * compared.n * overall.avg_won_usd
            when 'win_rate_by_channel' then compared.shortfall * compared.n * overall.avg_won_usd
            when 'won_deal_size_by_channel' then compared.shortfall * compared.n
            when 'lead_conversion' then compared.shortfall * compared.n * overall.win_rate * overall.avg_won_usd
            -- behaviours are valued by the outcome they feed: the lead conversion or the win rate they miss
            when 'days_to_first_touch' then case when compared.shortfall > 0 then lead_gap.revenue end
            when 'activity_share' then case when compared.shortfall > 0 then win_gap.revenue end
        end, 0.0) as revenue_at_stake_usd
    from compared
    cross join bounds
    cross join overall
    left join stage_win_after
        on compared.metric = 'stage_conversion'
        and compared.step = stage_win_after.stage
    left join (
        select rep_id, shortfall * n * (select win_rate * avg_won_usd from overall) as revenue
        from compared where metric = 'lead_conversion'
    ) as lead_gap
        on compared.rep_id = lead_gap.rep_id
    left join (
        select rep_id, shortfall * n * (select avg_won_usd from overall) as revenue
        from compared where metric = 'win_rate'
    ) as win_gap
        on compared.rep_id = win_gap.rep_id

)

select * from final
