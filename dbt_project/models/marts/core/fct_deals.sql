{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='deal_id',
    post_hook="{{ prune_vanished(ref('stg_crm__deals'), ['deal_id'], window_only=false) }}",
) }}
-- Deals with owner, channel, USD amount, outcome and cycle length (days per stage: fct_deal_stage_durations).
with deals as (

    select * from {{ ref('int_deals_attributed') }} as upstream
    where {{ partition_window_rows('upstream', ['deal_id']) }}

),

durations as (

    select * from {{ ref('int_deal_stage_durations') }}

),

stages as (

    select * from {{ ref('stg_profile__stages') }}

),

pivoted as (

    select
        durations.deal_id,
        cast(sum(case when stages.outcome = 'lost' then durations.visit_count else 0 end) as bigint) as times_lost
    from durations
    left join stages
        on durations.stage = stages.stage
    group by durations.deal_id

),

final as (

    select
        deals.deal_id,
        deals.deal_name,
        deals.lead_id,
        coalesce(deals.account_id, 'unmapped') as account_id,
        deals.rep_id,
        deals.channel,
        deals.campaign_platform,
        deals.campaign_id,
        deals.stage,
        deals.stage_order,
        deals.is_open,
        deals.is_won,
        deals.is_lost,
        deals.currency,
        deals.amount,
        deals.amount_usd,
        deals.fx_status,
        deals.created_at,
        deals.created_date,
        deals.expected_close_date,
        deals.closed_at,
        deals.closed_date,
        cast(deals.sales_cycle_days as integer) as sales_cycle_days,
        cast(deals.reopen_count as bigint) as reopen_count,
        coalesce(pivoted.times_lost, 0) as times_lost,
        deals.exclusion_reason is not null as is_excluded,
        deals.exclusion_reason,
        deals.loaded_for_date
    from deals
    left join pivoted
        on deals.deal_id = pivoted.deal_id

)

select * from final
