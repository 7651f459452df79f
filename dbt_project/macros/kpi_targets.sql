{#- Which KPI column each planning-sheet metric is measured by, and whether it adds up over days (then the pace
    projects it to the period end) or is a rate (then the current value is its projection). -#}
{% macro kpi_target_metrics() -%}
    {{ return({
        'revenue': {'column': 'net_revenue_usd', 'additive': true},
        'new_customers': {'column': 'new_customers', 'additive': true},
        'conversion_rate': {'column': 'conversion_lead_to_deal', 'additive': false},
        'win_rate': {'column': 'win_rate_by_count', 'additive': false},
        'avg_deal_size': {'column': 'avg_won_deal_size_usd', 'additive': false},
        'sales_cycle_days': {'column': 'sales_cycle_median_days', 'additive': false},
        'cac': {'column': 'cac_usd', 'additive': false},
    }) }}
{%- endmacro %}

{#- Attainment of a value against a target: value / target when more is better, target / value when less is. -#}
{% macro kpi_attainment(value, target, direction) -%}
    case
        when {{ direction }} = 'at_most' then {{ kpi_divide(target, value) }}
        else {{ kpi_divide(value, target) }}
    end
{%- endmacro %}

{#- Status bands of an attainment ratio: ≥ 100 % on track, ≥ 90 % at risk, below off track. -#}
{% macro kpi_status(ratio) -%}
    case
        when {{ ratio }} is null then 'at_risk'
        when {{ ratio }} >= 1.0 then 'on_track'
        when {{ ratio }} >= 0.9 then 'at_risk'
        else 'off_track'
    end
{%- endmacro %}
