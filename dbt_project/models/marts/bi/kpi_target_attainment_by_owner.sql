{{ config(materialized='view') }}

with attainment as (
    select * from {{ serving_ref('kpi_target_attainment') }}
),

final as (
    select
        a.*,
        case when a.owner_level = 'rep' then a.owner_id end as rep_id,
        {{ scope_name('a.owner_level', 'a.owner_id') }} as owner_name,
        r.kpi_label,
        {{ kpi_display('a.actual_value', 'r.kpi_format') }} as actual_display,
        {{ kpi_display('a.target_value', 'r.kpi_format') }} as target_display,
        {{ kpi_status_label('a.status') }} as status_label
    from attainment as a
    left join {{ kpi_registry_values() }} on a.metric = r.kpi_name
)

select * from final
