-- The company's headline KPIs for the running month to date against the same number of days of the previous month
-- and of the same month last year, with the month's target and status. A cohort KPI (conversion) is read over
-- members old enough to have converted (the registry's mature_after_days), and says so. Each KPI is recomputed
-- over any run of days by the registry's `daily` [numerator, denominator].
{%- set headline = var('headline_kpis') %}
{%- set registry = var('kpis') %}


with bounds as (
    select max(date_day) as as_of_date from {{ serving_ref('kpi_sales_daily') }}
),

params as (
    select
        as_of_date,
        cast(date_trunc('month', as_of_date) as date) as month_start,
        cast(date_diff('day', date_trunc('month', as_of_date), as_of_date) + 1 as integer) as days
    from bounds
),

days_data as (
    select
        d.*,
        p.as_of_date,
        p.month_start,
        p.days
    from {{ serving_ref('kpi_sales_daily') }} as d
    cross join params as p
),

headline as (
    {%- for kpi_id in headline %}
    {%- set kpi = registry[kpi_id] %}
    {%- set lag = kpi.get('mature_after_days') or 0 %}
    {#- the window ends `lag` days before the last day for a cohort KPI, and spans as many days as the month so far #}
    {%- set end = '(as_of_date - ' ~ lag ~ ')' %}
    {%- set start = 'month_start' if not lag else '(' ~ end ~ ' - (days - 1))' %}
    {#- the previous month's first `days` days (all of it when it is shorter), or the window just before #}
    {%- if not lag %}
        {%- set prev_start = 'cast(month_start - interval 1 month as date)' %}
        {%- set prev_end = 'least(cast(month_start - interval 1 month as date) + (days - 1), month_start - 1)' %}
    {%- else %}
        {%- set prev_start = '(' ~ start ~ ' - days)' %}
        {%- set prev_end = '(' ~ start ~ ' - 1)' %}
    {%- endif %}
    {%- set year_start = 'cast(' ~ start ~ ' - interval 1 year as date)' %}
    {%- set year_end = 'cast(' ~ end ~ ' - interval 1 year as date)' %}
    {%- if kpi.format == 'percent' %}
        {%- set change = "format('{:+.1f} pp', 100 * (cur - prev))" %}
    {%- else %}
        {%- set change = "format('{:+.1f} %', 100 * (cur - prev) / abs(prev))" %}
    {%- endif %}
    {%- if lag %}
        {%- set note = "'members of ' || strftime(" ~ start ~ ", '%-d %b') || '–' || strftime(" ~ end
            ~ ", '%-d %b') || ' (" ~ lag ~ "+ days old; younger ones are still converting)'" %}
    {%- else %}
        {%- set note = "strftime(month_start, '%-d') || '–' || strftime(as_of_date, '%-d %b %Y') || ' (month to date)'" %}
    {%- endif %}
    select
        {{ loop.index0 }} as sort_order,
        '{{ kpi_id }}' as kpi_name,
        '{{ kpi.label | replace("'", "''") }}' as kpi_label,
        {{ note }} as period_label,
        cur as kpi_value,
        {{ kpi_display('cur', "'" ~ kpi.format ~ "'") }} as value_display,
        case when prev is null or prev = 0 then '–' else {{ change }} end as vs_previous_period,
        case when last_year is null or last_year = 0 then '–' else {{ change | replace('prev', 'last_year') }} end
            as vs_last_year,
        case
            when cur {{ '>' if kpi.direction == 'up' else '<' }} prev then 'better'
            when cur = prev then 'same'
            when prev is not null then 'worse'
        end as vs_previous_is,
        {{ lag }} > 0 as is_cohort,
        '{{ "at_most" if kpi.direction == "down" else "at_least" }}' as target_direction,
        'same ' || days || ' days of the previous '
        || {{ "'window'" if lag else "'month'" }} || ' / of last year' as comparison_basis
    from (
        select
            {{ kpi_over_days(kpi, start, end) }} as cur,
            {{ kpi_over_days(kpi, prev_start, prev_end) }} as prev,
            {{ kpi_over_days(kpi, year_start, year_end) }} as last_year
        from days_data
    ) as v
    cross join params
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

targets as (
    select
        s.kpi_name,
        s.target_value,
        s.status,
        s.kpi_format
    from {{ serving_ref('kpi_scorecard') }} as s
    cross join params
    where s.scope_level = 'company' and s.period_grain = 'month' and s.period_start = params.month_start
),

final as (
    select
        h.*,
        {{ kpi_display('t.target_value', 't.kpi_format') }} as target_display,
        -- a cohort KPI is judged on its mature members (the month's own value is not final yet)
        case
            when not h.is_cohort then {{ kpi_status_label('t.status') }}
            when t.target_value is null then 'No target'
            else {{ kpi_status_label(kpi_status(kpi_attainment('h.kpi_value', 't.target_value', 'h.target_direction'))) }}
        end as status_label
    from headline as h
    left join targets as t on h.kpi_name = t.kpi_name
)

select * from final
order by sort_order
