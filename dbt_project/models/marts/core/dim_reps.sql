-- Reps (every CRM user) with their current team, region and manager, plus the 'unassigned' member.
with users as (

    select * from {{ ref('stg_crm__users') }}

),

history as (

    select rep_id, cast(count(*) as bigint) as team_count
    from {{ ref('int_rep_team_history') }}
    group by rep_id

),

final as (

    select
        users.user_id as rep_id,
        users.full_name,
        users.email,
        users.role,
        users.team_id,
        users.team_name,
        users.region,
        users.manager_id,
        managers.full_name as manager_name,
        users.hire_date,
        users.is_active,
        coalesce(history.team_count, 1) > 1 as has_changed_team
    from users
    left join users as managers
        on users.manager_id = managers.user_id
    left join history
        on users.user_id = history.rep_id

    union all

    -- deals, leads and orders without an owner are reported under this member, never dropped
    select
        'unassigned', 'Unassigned', null, 'rep', 'unassigned', 'Unassigned', 'unassigned', null, null, null,
        true, false

)

select * from final
