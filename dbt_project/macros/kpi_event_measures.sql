{#- The additive measures every KPI event row carries, in order (names only; the formulas live in _kpi__docs.md). -#}
{% macro kpi_event_measure_names() -%}
    {{ return([
        'leads', 'leads_with_deal', 'deals_created', 'deals_created_won', 'won_count', 'lost_count',
        'won_amount_usd', 'lost_amount_usd', 'orders', 'gross_revenue_usd', 'refunds_usd', 'new_customers', 'first_orders',
        'ad_spend_usd', 'impressions', 'clicks', 'sales_cost_usd',
    ]) }}
{%- endmacro %}

{#- The select list of one event kind: the given measure expressions, zero for every other measure. -#}
{% macro kpi_event_measures(values) -%}
    {%- for m in kpi_event_measure_names() %}
        {{ values.get(m, '0') }} as {{ m }},
    {%- endfor %}
{%- endmacro %}
