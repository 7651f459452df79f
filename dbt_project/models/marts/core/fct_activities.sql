{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='activity_id',
    post_hook="{{ prune_vanished(ref('stg_crm__activities'), ['activity_id'], window_only=false) }}",
) }}
-- Sales activities with the rep's team at the time they happened.
with activities as (

    select * from {{ ref('stg_crm__activities') }} as upstream
    where {{ partition_window_rows('upstream', ['activity_id']) }}

),

teams as (

    select * from {{ ref('int_rep_team_history') }}

),

final as (

    select
        activities.activity_id,
        activities.activity_type,
        coalesce(activities.rep_id, 'unassigned') as rep_id,
        coalesce(teams.team_id, 'unassigned') as team_id,
        activities.account_id,
        activities.deal_id,
        activities.occurred_at,
        {{ business_date('activities.occurred_at') }} as activity_date,
        activities.duration_min,
        activities.latitude,
        activities.longitude,
        activities.outcome,
        activities.loaded_for_date
    from activities
    left join teams
        on activities.rep_id = teams.rep_id
        and activities.occurred_at >= teams.valid_from
        and (teams.valid_to is null or activities.occurred_at < teams.valid_to)

)

select * from final
