-- Additive sums, cycle percentiles and lifetime-to-date totals per period (month, quarter) and scope.
{%- set grains = ['month', 'quarter'] %}
{%- set scopes = {
    'company': "'company'", 'region': 'region', 'team': 'team_id', 'rep': 'rep_id', 'channel': 'channel',
} %}
{%- set sums = [
    'leads', 'leads_with_deal', 'deals_created', 'deals_created_won', 'won_count', 'lost_count',
    'won_amount_usd', 'lost_amount_usd', 'orders', 'gross_revenue_usd', 'refunds_usd', 'new_customers',
    'first_orders', 'impressions', 'clicks',
] %}

with events as (

    select * from {{ ref('int_kpi_measure_events') }}

),

bounds as (

    select min(event_date) as first_date, max(event_date) as last_date from events

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

finest as (

    {#- one pass over the events: sums per period at the finest grain; every scope level is a roll-up of these #}
    {%- for grain in grains %}
    select
        '{{ grain }}' as period_grain,
        cast({{ dbt.date_trunc(grain, 'event_date') }} as date) as period_start,
        rep_id,
        team_id,
        region,
        channel,
        {%- for m in sums %}
        sum({{ m }}) as {{ m }},
        {%- endfor %}
        sum(ad_spend_usd) as ad_spend_usd,
        sum(sales_cost_usd) as sales_cost_usd
    from events
    group by 1, 2, 3, 4, 5, 6
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

scoped as (

    {%- for scope, expression in scopes.items() %}
    select '{{ scope }}' as scope_level, {{ expression }} as scope_id, finest.*
    from finest
    where {{ expression }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

members as (

    select distinct scope_level, scope_id from scoped

),

summed as (

    select
        period_grain,
        period_start,
        scope_level,
        scope_id,
        {%- for m in sums %}
        sum({{ m }}) as {{ m }},
        {%- endfor %}
        sum(ad_spend_usd) as ad_spend_usd,
        sum(sales_cost_usd) as sales_cost_usd
    from scoped
    group by 1, 2, 3, 4

),

cycles as (

    {#- percentiles need every won deal's own cycle: only the events that carry one #}
    {%- for grain in grains %}
    {%- set outer_loop = loop %}
    {%- for scope, expression in scopes.items() %}
    select
        '{{ grain }}' as period_grain,
        cast({{ dbt.date_trunc(grain, 'event_date') }} as date) as period_start,
        '{{ scope }}' as scope_level,
        {{ expression }} as scope_id,
        percentile_cont(0.5) within group (order by sales_cycle_days) as sales_cycle_median_days,
        percentile_cont(0.9) within group (order by sales_cycle_days) as sales_cycle_p90_days
    from events
    where sales_cycle_days is not null and {{ expression }} is not null
    group by 1, 2, 3, 4
    {%- if not (loop.last and outer_loop.last) %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- endfor %}

),

aggregated as (

    select
        summed.*,
        cycles.sales_cycle_median_days,
        cycles.sales_cycle_p90_days
    from summed
    left join cycles
        on summed.period_grain = cycles.period_grain
        and summed.period_start = cycles.period_start
        and summed.scope_level = cycles.scope_level
        and summed.scope_id = cycles.scope_id

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
