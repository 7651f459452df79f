-- How far along the company's pipeline each deal got: the highest open stage it reached, by its stage history when
-- it has one, else by its final stage (a lost deal exits at the last open stage its exported versions showed, or
-- at 'unknown'); a won deal passed every open stage.
with deals as (

    select * from {{ ref('fct_deals') }}
    where not is_excluded

),

stages as (

    select * from {{ ref('stg_profile__stages') }}

),

settings as (

    select * from {{ ref('stg_profile__settings') }}

),

history as (

    -- only read when the company has a stage history: with it switched off the raw table stays empty anyway
    select
        durations.deal_id,
        max(case when stages.outcome = 'open' then stages.stage_order end) as furthest_open_order
    from {{ ref('int_deal_stage_durations') }} as durations
    inner join stages
        on durations.stage = stages.stage
    cross join settings
    where settings.stage_history_enabled
    group by durations.deal_id

),

versions as (

    select
        versions.deal_id,
        max(stages.stage_order) as furthest_open_order
    from {{ ref('stg_crm__deal_versions') }} as versions
    inner join stages
        on versions.stage = stages.stage
    where stages.outcome = 'open'
    group by versions.deal_id

),

final as (

    select
        deals.deal_id,
        deals.created_date,
        deals.rep_id,
        deals.channel,
        deals.stage,
        deals.is_won,
        deals.is_lost,
        case when history.deal_id is not null then 'stage_history' else 'final_stage' end as funnel_method,
        case
            when deals.is_won then (select max(stage_order) from stages where outcome = 'open')
            when history.deal_id is not null then history.furthest_open_order
            else versions.furthest_open_order
        end as furthest_open_order
    from deals
    left join history
        on deals.deal_id = history.deal_id
    left join versions
        on deals.deal_id = versions.deal_id

)

select * from final
