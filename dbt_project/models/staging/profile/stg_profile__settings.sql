-- The company profile's settings: one row.
with source as (

    select * from {{ source('profile', 'settings') }}

),

final as (

    select
        cast(reporting_currency as varchar) as reporting_currency,
        cast(timezone as varchar) as timezone,
        cast(revenue_basis as varchar) as revenue_basis,
        cast(unknown_owner as varchar) as unknown_owner,
        cast(orders_enabled as boolean) as orders_enabled,
        cast(ads_enabled as boolean) as ads_enabled,
        cast(activities_enabled as boolean) as activities_enabled,
        cast(stage_history_enabled as boolean) as stage_history_enabled
    from source

)

select * from final
