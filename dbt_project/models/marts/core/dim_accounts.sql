-- CRM accounts with their owner, plus the 'unmapped' member for shop customers without a CRM account.
with accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

final as (

    select
        account_id, account_name, industry, country, city, latitude, longitude,
        coalesce(owner_id, 'unassigned') as owner_id, created_at
    from accounts

    union all

    select 'unmapped', 'Unmapped (no CRM account)', null, null, null, null, null, 'unassigned', null

)

select * from final
