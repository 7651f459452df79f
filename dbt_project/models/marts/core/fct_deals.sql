{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='deal_id',
    post_hook="{{ prune_vanished(ref('stg_crm__deals'), ['deal_id'], window_only=false) }}",
) }}
-- Deals with owner, channel, USD amount, outcome, cycle length and days spent in each stage.
{%- set stages = ['new', 'qualified', 'proposal', 'negotiation'] %}
with deals as (

    select * from {{ ref('int_deals_attributed') }} as upstream
    where {{ partition_window_rows('upstream', ['deal_id']) }}

),

durations as (

    select * from {{ ref('int_deal_stage_durations') }}

),

pivoted as (

    select
        deal_id,
        {%- for stage in stages %}
        sum(case when stage = '{{ stage }}' then days_in_stage end) as days_in_{{ stage }},
        {%- endfor %}
        cast(sum(case when stage = 'lost' then visit_count else 0 end) as bigint) as times_lost
    from durations
    group by deal_id

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
        {%- for stage in stages %}
        pivoted.days_in_{{ stage }},
        {%- endfor %}
        deals.loaded_for_date
    from deals
    left join pivoted
        on deals.deal_id = pivoted.deal_id

)

select * from final
