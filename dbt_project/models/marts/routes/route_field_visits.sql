-- Field visits as they happened: one row per visit activity, in the order the rep made them each day.
with activities as (

    select * from {{ ref('fct_activities') }}

),

final as (

    select
        activity_id,
        rep_id,
        account_id,
        occurred_at,
        activity_date as visit_date,
        duration_min,
        latitude,
        longitude,
        {{ location_issue('latitude', 'longitude') }} as location_issue,
        cast(row_number() over (
            partition by rep_id, activity_date order by occurred_at, activity_id
        ) as integer) as visit_order
    from activities
    where activity_type = '{{ var("route_visit_activity_type") }}'
        and rep_id <> 'unassigned'

)

select * from final
