-- Every version of a CRM deal's stage (the stages a deal showed in the exports, behind the final-stage funnel).
with source as (

    select * from {{ source('crm', 'crm_deals') }}

),

final as (

    select distinct
        cast(id as varchar) as deal_id,
        cast(stage as varchar) as stage,
        cast(updated_at as timestamp) as updated_at
    from source

)

select * from final
