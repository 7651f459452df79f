-- The ad platforms the company buys on and the VAT share their reported cost includes.
with source as (

    select * from {{ source('profile', 'ad_platforms') }}

),

final as (

    select
        cast(platform as varchar) as platform,
        cast(vat_rate as double precision) as vat_rate
    from source

)

select * from final
