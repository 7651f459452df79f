-- Team membership history of every rep (one row per stretch in a team), plus the 'unassigned' member.
with history as (

    select * from {{ ref('int_rep_team_history') }}

),

final as (

    select rep_id, team_id, team_name, region, manager_id, valid_from, valid_to, is_current
    from history

    union all

    select
        'unassigned', 'unassigned', 'Unassigned', 'unassigned', null, cast('1900-01-01' as timestamp), null, true

)

select * from final
