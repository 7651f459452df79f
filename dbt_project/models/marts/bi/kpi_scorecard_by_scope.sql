{{ config(materialized='view') }}

-- A cohort KPI's period is still maturing while its members have not all had time to convert.
{%- set maturing = "mature_after_days is not null and period_end > as_of_date - cast(mature_after_days as integer)" %}

with scorecard as (
    select
        s.*,
        r.mature_after_days,
        (select max(date_day) from {{ serving_ref('kpi_sales_daily') }}) as as_of_date
    from {{ serving_ref('kpi_scorecard') }} as s
    left join {{ kpi_registry_values() }} on s.kpi_name = r.kpi_name
),

final as (
    select
        *,
        case when scope_level = 'rep' then scope_id end as rep_id,
        {{ scope_name('scope_level', 'scope_id') }} as scope_name,
        {{ kpi_display('kpi_value', 'kpi_format') }} as value_display,
        {{ kpi_display('target_value', 'kpi_format') }} as target_display,
        case when {{ maturing }} then 'Not final yet' else {{ kpi_status_label('status') }} end as status_label,
        {{ maturing }} as is_maturing,
        case
            when {{ maturing }}
                then 'not final: members younger than ' || mature_after_days || ' days are still converting'
        end as maturity_note
    from scorecard
)

select * from final
