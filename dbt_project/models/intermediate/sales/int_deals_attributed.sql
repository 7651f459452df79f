-- Deals with owner, channel and campaign of their lead, amount in USD and cycle length when won.
with deals as (

    select * from {{ ref('stg_crm__deals') }}

),

leads as (

    select * from {{ ref('int_leads_attributed') }}

),

reopenings as (

    select deal_id, cast(count(*) as bigint) as reopen_count, max(loaded_for_date) as loaded_for_date
    from {{ ref('stg_crm__deal_stage_events') }}
    where from_stage = 'lost' and to_stage <> 'lost'
    group by deal_id

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
        -- a deal without owner is counted, under an explicit 'unassigned' rep
        coalesce(deals.owner_id, 'unassigned') as rep_id,
        coalesce(leads.channel, 'unattributed') as channel,
        leads.campaign_platform,
        leads.campaign_id,
        deals.stage,
        deals.stage = 'won' as is_won,
        deals.stage = 'lost' as is_lost,
        deals.stage not in ('won', 'lost') as is_open,
        deals.currency,
        deals.amount,
        -- closed deals at the rate of their closing day, open ones at the rate of their creation day
        deals.amount * case when deals.currency = 'USD' then 1.0 else fx.rate_to_usd end as amount_usd,
        case
            when deals.currency = 'USD' then 'exact'
            when fx.rate_to_usd is null then 'missing'
            when fx.rate_date = cast(coalesce(deals.closed_at, deals.created_at) as date) then 'exact'
            else 'carried_forward'
        end as fx_status,
        deals.created_at,
        cast(deals.created_at as date) as created_date,
        deals.expected_close_date,
        deals.closed_at,
        cast(deals.closed_at as date) as closed_date,
        case
            when deals.stage = 'won'
                then {{ dbt.datediff('cast(deals.created_at as date)', 'cast(deals.closed_at as date)', 'day') }}
        end as sales_cycle_days,
        coalesce(reopenings.reopen_count, 0) as reopen_count,
        -- a deal changes with its own versions, its reopenings and its lead's attribution
        greatest(
            deals.loaded_for_date,
            coalesce(reopenings.loaded_for_date, deals.loaded_for_date),
            coalesce(leads.attribution_loaded_for_date, deals.loaded_for_date)
        ) as loaded_for_date
    from deals
    left join leads
        on deals.lead_id = leads.lead_id
    left join reopenings
        on deals.deal_id = reopenings.deal_id
    left join fx
        on deals.currency = fx.currency
        and cast(coalesce(deals.closed_at, deals.created_at) as date) = fx.rate_day

)

select * from final
