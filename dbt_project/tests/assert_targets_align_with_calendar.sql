-- Targets must cover whole calendar months / quarters, the periods the marts aggregate by.
select target_id, period_grain, period_start, period_end
from {{ ref('stg_reference__kpi_targets') }}
where period_grain not in ('month', 'quarter')
    or period_start <> cast(
        case when period_grain = 'month' then {{ dbt.date_trunc('month', 'period_start') }}
             else {{ dbt.date_trunc('quarter', 'period_start') }} end as date)
    or period_end < period_start
