-- Every scope in every period between the first and last month with events (zeros where it had none), with the
-- KPI inputs and lifetime-to-date totals. Built from the sparse period sums, so a full rebuild stays cheap.
{%- set grains = ['month', 'quarter'] %}
{%- set sums = [
    'leads', 'leads_with_deal', 'deals_created', 'deals_created_won', 'won_count', 'lost_count',
    'won_amount_usd', 'lost_amount_usd', 'orders', 'gross_revenue_usd', 'refunds_usd', 'new_customers',
    'first_orders', 'impressions', 'clicks',
] %}

with aggregated as (

    select * from {{ ref('int_kpi_period_sums') }}

),

bounds as (

    select min(period_start) as first_date, max(period_start) as last_date
    from aggregated
    where period_grain = 'month'

),

days as (

    {{ dbt.date_spine('day', "cast('2000-01-01' as date)", "cast('2100-01-01' as date)") }}

),

periods as (

    {#- months, not quarters: PostgreSQL has no 'quarter' interval #}
    {%- for grain in grains %}
    select distinct
        '{{ grain }}' as period_grain,
        cast({{ dbt.date_trunc(grain, 'cast(days.date_day as date)') }} as date) as period_start,
        cast(
            {{ dbt.dateadd('day', -1, dbt.dateadd('month', 3 if grain == 'quarter' else 1, dbt.date_trunc(grain, 'cast(days.date_day as date)'))) }}
            as date
        ) as period_end
    from days
    cross join bounds
    where cast(days.date_day as date) between bounds.first_date and bounds.last_date
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

members as (

    select distinct scope_level, scope_id from aggregated

),

filled as (

    select
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        members.scope_level,
        members.scope_id,
        {%- for m in sums %}
        cast(coalesce(aggregated.{{ m }}, 0) as {{ 'double precision' if m.endswith('_usd') else 'bigint' }}) as {{ m }},
        {%- endfor %}
        -- costs exist only where they are incurred: ad spend per channel, sales cost per team and region
        case when members.scope_level in ('company', 'channel') then coalesce(aggregated.ad_spend_usd, 0) end
            as ad_spend_usd,
        case when members.scope_level in ('company', 'region', 'team') then coalesce(aggregated.sales_cost_usd, 0) end
            as sales_cost_usd,
        cast(aggregated.sales_cycle_median_days as double precision) as sales_cycle_median_days,
        cast(aggregated.sales_cycle_p90_days as double precision) as sales_cycle_p90_days
    from periods
    cross join members
    left join aggregated
        on periods.period_grain = aggregated.period_grain
        and periods.period_start = aggregated.period_start
        and members.scope_level = aggregated.scope_level
        and members.scope_id = aggregated.scope_id

),

final as (

    select
        *,
        gross_revenue_usd - refunds_usd as net_revenue_usd,
        sum(gross_revenue_usd - refunds_usd) over (
            partition by period_grain, scope_level, scope_id order by period_start
            rows between unbounded preceding and current row
        ) as cumulative_net_revenue_usd,
        -- every paying customer counts once, at their first order: the lifetime-to-date customer base
        cast(sum(first_orders) over (
            partition by period_grain, scope_level, scope_id order by period_start
            rows between unbounded preceding and current row
        ) as bigint) as cumulative_customers
    from filled

)

select * from final
