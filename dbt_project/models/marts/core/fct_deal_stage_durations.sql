-- Days each deal spent in each pipeline stage it entered (summed over visits), with the deal's owner and channel,
-- for whatever stages the company's profile names. Deals set aside by a row rule are left out.
with durations as (

    select * from {{ ref('int_deal_stage_durations') }}

),

stages as (

    select * from {{ ref('stg_profile__stages') }}

),

deals as (

    select * from {{ ref('fct_deals') }}
    where not is_excluded

),

final as (

    select
        durations.deal_id,
        durations.stage,
        stages.stage_order,
        -- sorts as the pipeline does wherever a tool orders stage names alphabetically
        lpad(cast(stages.stage_order as varchar), 2, '0') || ' · ' || durations.stage as stage_label,
        stages.outcome as stage_outcome,
        durations.visit_count,
        durations.days_in_stage,
        durations.is_current_stage,
        deals.rep_id,
        deals.channel,
        deals.created_date,
        deals.is_won
    from durations
    inner join deals
        on durations.deal_id = deals.deal_id
    inner join stages
        on durations.stage = stages.stage

)

select * from final
