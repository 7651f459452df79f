{{ config(materialized='table') }}
-- One FX rate per day and currency: the day's own rate, else the last known earlier one (carried forward).
with rates as (

    select * from {{ ref('stg_reference__fx_rates') }}
    where rate_to_usd is not null and rate_to_usd > 0

),

ranged as (

    select
        currency,
        rate_date,
        lead(rate_date) over (partition by currency order by rate_date) as next_rate_date,
        rate_to_usd
    from rates

),

days as (

    -- a daily table makes every conversion an equality join (a range join per row is slow at scale)
    {{ dbt.date_spine('day', "cast('2000-01-01' as date)", "cast('2100-01-01' as date)") }}

),

final as (

    select
        ranged.currency,
        cast(days.date_day as date) as rate_day,
        ranged.rate_date,
        ranged.rate_to_usd
    from ranged
    inner join days
        on cast(days.date_day as date) >= ranged.rate_date
        and (ranged.next_rate_date is null or cast(days.date_day as date) < ranged.next_rate_date)

)

select * from final
