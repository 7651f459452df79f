-- Each user's team membership over time: one row per stretch in a team, from the CRM user versions.
with versions as (

    select * from {{ ref('stg_crm__user_versions') }}

),

flagged as (

    select
        *,
        lag(team_id) over (partition by user_id order by updated_at) as previous_team_id,
        row_number() over (partition by user_id order by updated_at) as version_number
    from versions

),

stretches as (

    select
        user_id as rep_id,
        team_id,
        team_name,
        region,
        manager_id,
        -- the first known version also covers everything before it (users appear on the first day)
        case when version_number = 1 then cast('1900-01-01' as timestamp) else updated_at end as valid_from
    from flagged
    where version_number = 1 or team_id <> previous_team_id or (team_id is null) <> (previous_team_id is null)

),

final as (

    select
        rep_id,
        team_id,
        team_name,
        region,
        manager_id,
        valid_from,
        lead(valid_from) over (partition by rep_id order by valid_from) as valid_to
    from stretches

)

select
    *,
    valid_to is null as is_current
from final
