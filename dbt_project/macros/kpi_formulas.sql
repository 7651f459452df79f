{#- The KPI columns computed from one row of period aggregates (int_kpi_period_aggregates' columns).
    Each expression implements the formula documented once in models/marts/kpi/_kpi__docs.md. -#}
{% macro kpi_formula_columns(prefix='') -%}
    {%- set p = prefix -%}
        {{ kpi_divide(p ~ 'leads_with_deal', p ~ 'leads') }} as conversion_lead_to_deal,
        {{ kpi_divide(p ~ 'deals_created_won', p ~ 'deals_created') }} as conversion_deal_to_won,
        {{ kpi_divide(p ~ 'won_count', p ~ 'won_count + ' ~ p ~ 'lost_count') }} as win_rate_by_count,
        {{ kpi_divide(p ~ 'won_amount_usd', p ~ 'won_amount_usd + ' ~ p ~ 'lost_amount_usd') }} as win_rate_by_amount,
        {{ kpi_divide(p ~ 'gross_revenue_usd', p ~ 'orders') }} as avg_order_value_usd,
        {{ kpi_divide(p ~ 'won_amount_usd', p ~ 'won_count') }} as avg_won_deal_size_usd,
        {{ kpi_divide(kpi_acquisition_cost(p), p ~ 'new_customers') }} as cac_usd,
        {{ kpi_divide(p ~ 'net_revenue_usd', p ~ 'ad_spend_usd') }} as roas,
        {{ kpi_divide(p ~ 'cumulative_net_revenue_usd', p ~ 'cumulative_customers') }} as ltv_usd,
        {{ kpi_divide(
            kpi_divide(p ~ 'cumulative_net_revenue_usd', p ~ 'cumulative_customers'),
            kpi_divide(kpi_acquisition_cost(p), p ~ 'new_customers')
        ) }} as ltv_to_cac
{%- endmacro %}

{#- Ad spend plus sales cost, where the scope has either; null when it has neither (a rep) or neither costs
    anything (a channel without spend): a scope whose acquisitions cost nothing recorded has no CAC, not a CAC of 0. -#}
{% macro kpi_acquisition_cost(p='') -%}
    nullif(coalesce({{ p }}ad_spend_usd, 0) + coalesce({{ p }}sales_cost_usd, 0), 0)
{%- endmacro %}

{#- Growth of a value against a base period: relative to the base's magnitude, so a negative base keeps the sign
    of the change meaningful; null when the base is zero or missing. -#}
{% macro kpi_growth(current, base) -%}
    {{ kpi_divide(current ~ ' - ' ~ base, 'abs(' ~ base ~ ')') }}
{%- endmacro %}

{#- A KPI recomputed over the rows of kpi_sales_daily whose date_day lies between lo and hi (SQL expressions), from
    the registry's `daily` [numerator, denominator or none for a sum]. -#}
{% macro kpi_over_days(kpi, lo, hi) -%}
    {%- set window = 'date_day between ' ~ lo ~ ' and ' ~ hi -%}
    {%- set total = 'sum(case when ' ~ window ~ ' then ' ~ kpi.daily[0] ~ ' end)' -%}
    {%- if kpi.daily[1] is none -%}
        {{ total }}
    {%- else -%}
        {{ total }} / nullif(sum(case when {{ window }} then {{ kpi.daily[1] }} end), 0)
    {%- endif -%}
{%- endmacro %}
