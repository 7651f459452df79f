-- The company's deal stages in pipeline order, each with its outcome (open, won or lost).
with source as (

    select * from {{ source('profile', 'stages') }}

),

final as (

    select
        cast(stage as varchar) as stage,
        cast(stage_order as integer) as stage_order,
        cast(outcome as varchar) as outcome
    from source

)

select * from final
