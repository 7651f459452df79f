-- Each deal at each pipeline stage it reached (the company's open stages in order, then its won stage), with the
-- method that placed it: its stage history, or its final stage where it has none. Every deal reached the first
-- stage; a lost deal whose last open stage is unknown reached only that one. Grain: deal × stage.
with reached as (

    select * from {{ ref('int_deal_stages_reached') }}

),

stages as (

    select * from {{ ref('stg_profile__stages') }}

),

first_stage as (

    select min(stage_order) as stage_order from stages where outcome = 'open'

),

exits as (

    select
        reached.deal_id,
        coalesce(max(stages.stage), 'unknown') as exit_stage
    from reached
    left join stages
        on reached.furthest_open_order = stages.stage_order
    group by reached.deal_id

),

final as (

    select
        reached.deal_id,
        stages.stage,
        stages.stage_order,
        stages.outcome as stage_outcome,
        reached.created_date,
        reached.rep_id,
        reached.channel,
        reached.is_won,
        reached.is_lost,
        case when reached.is_lost then exits.exit_stage end as lost_at_stage,
        reached.funnel_method
    from reached
    cross join first_stage
    inner join exits
        on reached.deal_id = exits.deal_id
    inner join stages
        on (
            stages.outcome = 'open'
            and (stages.stage_order <= reached.furthest_open_order or stages.stage_order = first_stage.stage_order)
        )
        or (stages.outcome = 'won' and reached.is_won and stages.stage = reached.stage)

)

select * from final
