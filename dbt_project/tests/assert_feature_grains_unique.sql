-- Each feature mart has one row per scoring date and item (a version overlap would duplicate an item).
{{ config(meta={'dagster': {'ref': {'name': 'feat_accounts'}}}) }}  {#- reported as a check of feat_accounts -#}
{%- set grains = {'feat_accounts': 'account_id', 'feat_deals': 'deal_id', 'feat_leads': 'lead_id'} %}
{%- for model, key in grains.items() %}
select '{{ model }}' as model_name, count(*) as rows_per_grain
from {{ ref(model) }}
group by scoring_date, {{ key }}
having count(*) > 1
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
