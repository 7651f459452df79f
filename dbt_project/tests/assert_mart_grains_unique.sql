-- Each mart has one row per declared grain.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_monthly'}}}) }}  {#- reported as a check of kpi_monthly -#}
{%- set grains = {
    'kpi_monthly': ['month_start', 'owner_level', 'owner_id'],
    'kpi_channel_monthly': ['month_start', 'channel'],
    'kpi_sales_daily': ['date_day', 'rep_id', 'team_id', 'channel'],
    'kpi_scorecard': ['scope_level', 'scope_id', 'period_grain', 'period_start', 'kpi_name', 'target_id'],
    'fct_ad_spend': ['spend_date', 'platform', 'campaign_id'],
    'dim_rep_teams': ['rep_id', 'valid_from'],
    'fct_deal_funnel': ['deal_id', 'stage'],
    'fct_deal_stage_durations': ['deal_id', 'stage'],
} %}
{%- for model, columns in grains.items() %}
select '{{ model }}' as model_name, count(*) as rows_per_grain
from {{ ref(model) }}
group by {{ columns | join(', ') }}
having count(*) > 1
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
