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
