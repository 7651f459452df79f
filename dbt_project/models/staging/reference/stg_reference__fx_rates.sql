-- Daily FX rates to USD, one per day and currency.
with source as (

    select * from {{ source('reference', 'ref_fx_rates') }}

),

renamed as (

    select
        cast(date as date) as rate_date,
        cast(currency as varchar) as currency,
        cast(rate_to_usd as double precision) as rate_to_usd,
        cast(_partition_date as date) as loaded_for_date,
        {{ newest_version_rank(['date', 'currency']) }} as version_rank
    from source

),

final as (

    select * from renamed
    where version_rank = 1

)

select * from final
