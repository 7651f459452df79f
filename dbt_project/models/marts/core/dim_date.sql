-- The calendar: one row per day over the whole years that hold any business event.
with bounds as (

    select
        cast({{ dbt.date_trunc('year', 'min(event_date)') }} as date) as first_day,
        max(event_date) as last_event_day
    from {{ ref('int_kpi_measure_events') }}

),

days as (

    {{ dbt.date_spine('day', "cast('2000-01-01' as date)", "cast('2100-01-01' as date)") }}

),

final as (

    select
        cast(days.date_day as date) as date_day,
        cast({{ dbt.date_trunc('month', 'cast(days.date_day as date)') }} as date) as month_start,
        cast({{ dbt.date_trunc('quarter', 'cast(days.date_day as date)') }} as date) as quarter_start,
        cast(extract(year from days.date_day) as integer) as year_number,
        cast(extract(month from days.date_day) as integer) as month_number,
        cast(extract(day from days.date_day) as integer) as day_of_month,
        cast(extract(dow from days.date_day) as integer) as day_of_week,
        extract(dow from days.date_day) in (0, 6) as is_weekend
    from days
    cross join bounds
    where cast(days.date_day as date) >= bounds.first_day
        and extract(year from days.date_day) <= extract(year from bounds.last_event_day)

)

select * from final
