-- Deals with owner, channel and campaign of their lead, outcome of their stage (company profile), amount in USD,
-- cycle length when won, and the reason a deal is set aside (excluded from the KPIs) when it breaks a row rule.
with deals as (

    select * from {{ ref('stg_crm__deals') }}

),

leads as (

    select * from {{ ref('int_leads_attributed') }}

),

stages as (

    select * from {{ ref('stg_profile__stages') }}

),

settings as (

    select * from {{ ref('stg_profile__settings') }}

),

users as (

    select user_id from {{ ref('stg_crm__users') }}

),

reopenings as (

    -- a move out of a lost stage into any other stage reopens the deal
    select events.deal_id, cast(count(*) as bigint) as reopen_count, max(events.loaded_for_date) as loaded_for_date
    from {{ ref('stg_crm__deal_stage_events') }} as events
    inner join stages as left_stage
        on events.from_stage = left_stage.stage
        and left_stage.outcome = 'lost'
    left join stages as entered_stage
        on events.to_stage = entered_stage.stage
    where coalesce(entered_stage.outcome, 'open') <> 'lost'
    group by events.deal_id

),

fx as (

    select * from {{ ref('int_fx_rates_daily') }}

),

final as (

    select
        deals.deal_id,
        deals.deal_name,
        deals.lead_id,
        deals.account_id,
        -- a deal without owner, or whose owner the users export does not know, is counted under an explicit
        -- 'unassigned' rep (with the profile's unknown_owner: error, the latter is set aside instead)
        case when users.user_id is null then 'unassigned' else deals.owner_id end as rep_id,
        deals.owner_id,
        coalesce(leads.channel, 'unattributed') as channel,
        leads.campaign_platform,
        leads.campaign_id,
        deals.stage,
        coalesce(stages.outcome = 'won', false) as is_won,
        coalesce(stages.outcome = 'lost', false) as is_lost,
        coalesce(stages.outcome = 'open', true) as is_open,
        stages.stage_order,
        deals.currency,
        deals.amount,
        -- closed deals at the rate of their closing day, open ones at the rate of their creation day
        deals.amount * case when deals.currency = 'USD' then 1.0 else fx.rate_to_usd end as amount_usd,
        case
            when deals.currency = 'USD' then 'exact'
            when fx.rate_to_usd is null then 'missing'
            when fx.rate_date = {{ business_date('coalesce(deals.closed_at, deals.created_at)') }} then 'exact'
            else 'carried_forward'
        end as fx_status,
        deals.created_at,
        {{ business_date('deals.created_at') }} as created_date,
        deals.expected_close_date,
        deals.closed_at,
        {{ business_date('deals.closed_at') }} as closed_date,
        case
            when stages.outcome = 'won'
                then {{ dbt.datediff(business_date('deals.created_at'), business_date('deals.closed_at'), 'day') }}
        end as sales_cycle_days,
        coalesce(reopenings.reopen_count, 0) as reopen_count,
        -- row rules a deal must meet to count; one that breaks one is kept in fct_deals, flagged, and left out
        case
            when deals.closed_at < deals.created_at then 'closed before it was created'
            when deals.owner_id is not null and users.user_id is null and settings.unknown_owner = 'error'
                then 'owner not in the users export: ' || deals.owner_id
        end as exclusion_reason,
        -- a deal changes with its own versions, its reopenings and its lead's attribution
        greatest(
            deals.loaded_for_date,
            coalesce(reopenings.loaded_for_date, deals.loaded_for_date),
            coalesce(leads.attribution_loaded_for_date, deals.loaded_for_date)
        ) as loaded_for_date
    from deals
    cross join settings
    left join stages
        on deals.stage = stages.stage
    left join users
        on deals.owner_id = users.user_id
    left join leads
        on deals.lead_id = leads.lead_id
    left join reopenings
        on deals.deal_id = reopenings.deal_id
    left join fx
        on deals.currency = fx.currency
        and {{ business_date('coalesce(deals.closed_at, deals.created_at)') }} = fx.rate_day

)

select * from final
