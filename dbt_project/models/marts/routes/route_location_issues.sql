-- Positions the route planner cannot use, for the data-health page: accounts and reps' homes, with the reason.
with accounts as (

    select * from {{ ref('route_accounts') }}

),

reps as (

    select * from {{ ref('route_reps') }}

),

final as (

    select
        'account' as record_type,
        account_id as record_id,
        rep_id,
        latitude,
        longitude,
        location_issue as issue
    from accounts
    where location_issue is not null

    union all

    select
        'rep home' as record_type,
        rep_id as record_id,
        rep_id,
        home_latitude as latitude,
        home_longitude as longitude,
        home_issue as issue
    from reps
    where home_issue is not null and is_active

)

select * from final
