-- FX rates as validity ranges: a rate holds from its date until the next known rate (carried forward over gaps).
with rates as (

    select * from {{ ref('stg_reference__fx_rates') }}
    where rate_to_usd is not null and rate_to_usd > 0

),

final as (

    select
        currency,
        rate_date as valid_from,
        lead(rate_date) over (partition by currency order by rate_date) as valid_to,
        rate_to_usd
    from rates

)

select * from final
