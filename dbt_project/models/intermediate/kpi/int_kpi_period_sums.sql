{{ config(
    materialized='incremental', incremental_strategy='append',
    pre_hook="{{ kpi_delete_rebuilt(
        \"(period_grain = 'month' and \" ~ kpi_month_rebuilt('period_start') ~ \")
        or (period_grain = 'quarter' and \" ~ kpi_quarter_rebuilt('period_start') ~ \")\"
    ) }}",
) }}
-- Additive sums and cycle percentiles per period (month, quarter) and scope, only where the scope has events.
-- A windowed run recomputes the months the events table rebuilt and the quarters holding them.
{%- set grains = ['month', 'quarter'] %}
{%- set scopes = {
    'company': "'company'", 'region': 'region', 'team': 'team_id', 'rep': 'rep_id', 'channel': 'channel',
} %}
{%- set sums = [
    'leads', 'leads_with_deal', 'deals_created', 'deals_created_won', 'won_count', 'lost_count',
    'won_amount_usd', 'lost_amount_usd', 'orders', 'gross_revenue_usd', 'refunds_usd', 'new_customers',
    'first_orders', 'impressions', 'clicks', 'ad_spend_usd', 'sales_cost_usd',
] %}

with events as (

    select
        *,
        cast({{ dbt.date_trunc('month', 'event_date') }} as date) as period_month,
        cast({{ dbt.date_trunc('quarter', 'event_date') }} as date) as period_quarter
    from {{ ref('int_kpi_measure_events') }}
    where event_type <> 'rebuilt_month'

),

scoped as (

    {%- for scope, expression in scopes.items() %}
    select '{{ scope }}' as scope_level, {{ expression }} as scope_id, events.*
    from events
    where {{ expression }} is not null
        and {{ kpi_quarter_rebuilt('period_quarter') }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

final as (

    {%- for grain in grains %}
    select
        '{{ grain }}' as period_grain,
        {{ 'period_month' if grain == 'month' else 'period_quarter' }} as period_start,
        scope_level,
        scope_id,
        {%- for m in sums %}
        sum({{ m }}) as {{ m }},
        {%- endfor %}
        percentile_cont(0.5) within group (order by sales_cycle_days) as sales_cycle_median_days,
        percentile_cont(0.9) within group (order by sales_cycle_days) as sales_cycle_p90_days
    from scoped
    {%- if grain == 'month' %}
    where {{ kpi_month_rebuilt('period_month') }}
    {%- endif %}
    group by 1, 2, 3, 4
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

)

select * from final
