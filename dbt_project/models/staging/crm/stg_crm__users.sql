-- CRM users, latest version of each.
with versions as (

    select * from {{ ref('stg_crm__user_versions') }}

),

ranked as (

    select
        *,
        row_number() over (partition by user_id order by updated_at desc) as version_rank
    from versions

),

final as (

    select
        user_id, email, full_name, role, team_id, team_name, region, manager_id, hire_date, is_active,
        home_latitude, home_longitude, updated_at, loaded_for_date
    from ranked
    where version_rank = 1

)

select * from final
