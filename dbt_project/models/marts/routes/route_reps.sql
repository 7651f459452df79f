-- Every user who owns accounts, with the home position their day starts from (or why it cannot be used).
with users as (

    select * from {{ ref('stg_crm__users') }}

),

owners as (

    select distinct rep_id from {{ ref('route_accounts') }}
    where rep_id <> 'unassigned'

),

final as (

    select
        users.user_id as rep_id,
        users.full_name,
        users.email,
        users.team_id,
        users.is_active,
        users.home_latitude,
        users.home_longitude,
        {{ location_issue('users.home_latitude', 'users.home_longitude') }} as home_issue
    from users
    inner join owners
        on users.user_id = owners.rep_id

)

select * from final
