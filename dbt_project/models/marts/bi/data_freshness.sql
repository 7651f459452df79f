{{ config(materialized='view') }}

-- A view, so that the age is computed when a dashboard reads it; built_at is when dbt built the marts of the
-- snapshot (the snapshot is published from them right after, or not at all when a blocking check fails).
with stamps as (
    select
        (select max(date_day) from {{ serving_ref('kpi_sales_daily') }}) as data_as_of,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as built_at
),

aged as (
    select
        *,
        date_diff('minute', built_at, cast(now() at time zone 'UTC' as timestamp)) / 60.0 as age_hours
    from stamps
),

final as (
    select
        data_as_of,
        built_at,
        round(age_hours, 1) as age_hours,
        age_hours > {{ var('stale_after_hours') }} as is_stale,
        case when age_hours > {{ var('stale_after_hours') }} then 'STALE – ' else '' end
        || 'Data as of ' || coalesce(strftime(data_as_of, '%-d %b %Y'), 'never')
        || ' · built ' || coalesce(strftime(built_at, '%-d %b %Y %H:%M') || ' UTC', 'never')
        || ' (' || coalesce(cast(round(age_hours, 1) as varchar), '?') || ' h ago)' as freshness
    from aged
)

select * from final
