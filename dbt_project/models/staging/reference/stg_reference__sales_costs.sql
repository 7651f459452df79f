-- Monthly sales cost per team in USD.
with source as (

    select * from {{ source('reference', 'ref_sales_costs') }}

),

renamed as (

    select
        cast(month as date) as cost_month,
        cast(team_id as varchar) as team_id,
        cast(cost_usd as double precision) as cost_usd,
        cast(_partition_date as date) as loaded_for_date,
        {{ newest_version_rank(['month', 'team_id']) }} as version_rank
    from source

),

final as (

    select * from renamed
    where version_rank = 1

)

select * from final
