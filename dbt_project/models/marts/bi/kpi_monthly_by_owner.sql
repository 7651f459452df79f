{{ config(materialized='view') }}

-- The reps' RLS rule filters on rep_id; the KPI marts keep every owner level in one owner_id column.
with monthly as (
    select * from {{ serving_ref('kpi_monthly') }}
),

final as (
    select
        *,
        case when owner_level = 'rep' then owner_id end as rep_id
    from monthly
)

select * from final
