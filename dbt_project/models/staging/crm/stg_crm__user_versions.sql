-- Every distinct version of a CRM user (the history behind dim_rep_teams), typed and renamed.
with source as (

    select * from {{ source('crm', 'crm_users') }}

),

versions as (

    select
        cast(id as varchar) as user_id,
        cast(email as varchar) as email,
        cast(full_name as varchar) as full_name,
        cast(role as varchar) as role,
        cast(team_id as varchar) as team_id,
        cast(team_name as varchar) as team_name,
        cast(region as varchar) as region,
        cast(manager_id as varchar) as manager_id,
        cast(hire_date as date) as hire_date,
        cast(is_active as boolean) as is_active,
        cast(home_lat as double precision) as home_latitude,
        cast(home_lon as double precision) as home_longitude,
        cast(updated_at as timestamp) as updated_at,
        cast(_partition_date as date) as loaded_for_date,
        -- the same version can be re-delivered (re-runs, late files): keep the newest load of it
        row_number() over (
            partition by id, updated_at
            order by _loaded_at desc, _source_line desc nulls last
        ) as load_rank
    from source

),

final as (

    select
        user_id, email, full_name, role, team_id, team_name, region, manager_id, hire_date, is_active,
        home_latitude, home_longitude, updated_at, loaded_for_date
    from versions
    where load_rank = 1

)

select * from final
