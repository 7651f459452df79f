{#- Attainment of a value against a target: value / target when more is better, target / value when less is (≥ 1
    means met). A KPI compared in points (the registry's `attainment: points`, growth rates) has none: a ratio of two
    growth rates means nothing (−1 % against a 2 % target is not "−50 %"); kpi_points gives its difference. -#}
{% macro kpi_attainment(value, target, direction, basis="'ratio'") -%}
    case
        when {{ basis }} = 'points' then null
        when {{ direction }} = 'at_most' then {{ kpi_divide(target, value) }}
        else {{ kpi_divide(value, target) }}
    end
{%- endmacro %}

{#- A KPI compared in points: value − target (target − value when less is better) in percentage points, 1.5 = 1.5
    points above target (≥ 0 means met; the KPI itself is a fraction); null for a KPI compared by ratio. -#}
{% macro kpi_points(value, target, direction, basis="'points'") -%}
    case
        when {{ basis }} <> 'points' then null
        when {{ direction }} = 'at_most' then 100 * ({{ target }} - {{ value }})
        else 100 * ({{ value }} - {{ target }})
    end
{%- endmacro %}

{#- How a KPI's actual is compared with its target (the registry's `attainment`, default ratio), as a SQL literal
    or, given a column of KPI ids, a case over them. -#}
{% macro kpi_attainment_basis(metric_column=none, kpi=none) -%}
    {%- if kpi is not none -%}
        '{{ kpi.get('attainment', 'ratio') }}'
    {%- else -%}
        case {{ metric_column }}
            {%- for kpi_id, spec in var('kpis').items() if spec.get('attainment', 'ratio') != 'ratio' %}
            when '{{ kpi_id }}' then '{{ spec.attainment }}'
            {%- endfor %}
            else 'ratio'
        end
    {%- endif -%}
{%- endmacro %}

{#- Status bands (vars.kpi_status_bands): an attainment ratio ≥ 100 % on track, ≥ 90 % at risk, below off track;
    for a KPI compared in points (`basis` = 'points', pass kpi_points as `attainment`) ≥ 0 on track, ≥ −1 point at
    risk, below off track. -#}
{% macro kpi_status(attainment, basis="'ratio'") -%}
    {%- set bands = var('kpi_status_bands') -%}
    case
        when {{ attainment }} is null then 'at_risk'
        when {{ basis }} = 'points' then
            case
                when {{ attainment }} >= {{ bands.points.on_track }} then 'on_track'
                when {{ attainment }} >= {{ bands.points.at_risk }} then 'at_risk'
                else 'off_track'
            end
        when {{ attainment }} >= {{ bands.ratio.on_track }} then 'on_track'
        when {{ attainment }} >= {{ bands.ratio.at_risk }} then 'at_risk'
        else 'off_track'
    end
{%- endmacro %}
