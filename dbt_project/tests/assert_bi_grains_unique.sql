-- Each bi relation has one row per declared grain, and the headline tiles one row per configured headline KPI.
{{ config(enabled=target.type == 'duckdb', meta={'dagster': {'ref': {'name': 'rep_scorecard'}}}) }}
{%- set grains = {
    'rep_scorecard': ['month_start', 'rep_id'],
    'funnel_stages': ['stage_order', 'stage', 'stage_date', 'rep_id', 'channel', 'funnel_method'],
    'kpi_monthly_by_owner': ['month_start', 'owner_level', 'owner_id'],
} %}
{%- for model, columns in grains.items() %}
select '{{ model }}' as model_name, count(*) as rows_per_grain
from {{ ref(model) }}
group by {{ columns | join(', ') }}
having count(*) > 1
union all
{%- endfor %}
select 'headline_kpis' as model_name, count(*) as rows_per_grain
from {{ ref('headline_kpis') }}
having count(*) <> {{ var('headline_kpis') | length }}
