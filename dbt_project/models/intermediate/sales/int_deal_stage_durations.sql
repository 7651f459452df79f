-- Time each deal spent in each stage, summed over every visit (a reopened deal visits a stage again).
with events as (

    select * from {{ ref('stg_crm__deal_stage_events') }}

),

visits as (

    select
        deal_id,
        to_stage as stage,
        changed_at as entered_at,
        lead(changed_at) over (partition by deal_id order by changed_at, stage_event_id) as exited_at
    from events

),

final as (

    select
        deal_id,
        stage,
        cast(count(*) as bigint) as visit_count,
        min(entered_at) as first_entered_at,
        max(exited_at) as last_exited_at,
        -- an open visit (current stage) has no duration yet
        sum({{ dbt.datediff('entered_at', 'exited_at', 'second') }}) / 86400.0 as days_in_stage,
        max(case when exited_at is null then 1 else 0 end) = 1 as is_current_stage
    from visits
    group by deal_id, stage

)

select * from final
