{#- The bi layer (models/marts/bi) is copied into the serving snapshot, a DuckDB file with another catalog name:
    its views name the relations they read without the warehouse's catalog, so they resolve there too. -#}
{% macro serving_ref(model_name) -%}
    {{ ref(model_name).include(database=False) }}
{%- endmacro %}

{#- How each KPI format reads on a screen (percent values are fractions); '–' when there is no value. -#}
{% macro kpi_display(value, format_column) -%}
    {%- set patterns = {
        'currency_usd': "format('${:,.0f}', {v})",
        'percent': "format('{:,.1f} %', 100 * {v})",
        'ratio': "format('{:,.2f}×', {v})",
        'days': "format('{:,.1f} days', {v})",
        'integer': "format('{:,.0f}', {v})",
    } -%}
    coalesce(
        case {{ format_column }}
            {%- for fmt, pattern in patterns.items() %}
            when '{{ fmt }}' then {{ pattern | replace('{v}', 'cast(' ~ value ~ ' as double)') }}
            {%- endfor %}
            else cast(round({{ value }}, 2) as varchar)
        end,
        '–'
    )
{%- endmacro %}

{#- The words a screen shows for a scorecard status. -#}
{% macro kpi_status_label(column) -%}
    {%- set labels = {
        'on_track': 'On track',
        'at_risk': 'At risk',
        'off_track': 'Off track',
        'no_target': 'No target',
        'not_started': 'Not started',
        'not_configured': 'Not configured',
    } -%}
    case {{ column }}
        {%- for key, label in labels.items() %}
        when '{{ key }}' then '{{ label }}'
        {%- endfor %}
        else {{ column }}
    end
{%- endmacro %}

{#- A scope named as people name it: a team's and a rep's name instead of their ids. -#}
{% macro scope_name(level, scope_id) -%}
    case {{ level }}
        when 'company' then 'Company'
        when 'team' then coalesce(
            (
                select max(t.team_name) from {{ serving_ref('dim_rep_teams') }} as t
                where t.team_id = {{ scope_id }} and t.is_current
            ),
            {{ scope_id }}
        )
        when 'rep' then coalesce(
            (select max(r.full_name) from {{ serving_ref('dim_reps') }} as r where r.rep_id = {{ scope_id }}),
            {{ scope_id }}
        )
        else replace({{ scope_id }}, '_', ' ')
    end
{%- endmacro %}

{#- The KPI registry (vars.kpis) as an inline relation r (kpi_name, kpi_label, kpi_format, mature_after_days). -#}
{% macro kpi_registry_values() -%}
    (
        values
        {%- for kpi_id, kpi in var('kpis').items() %}
            ('{{ kpi_id }}', '{{ kpi.label | replace("'", "''") }}', '{{ kpi.format }}',
                {{ kpi.get('mature_after_days') if kpi.get('mature_after_days') is not none else 'null' }}){{ "," if not loop.last }}
        {%- endfor %}
    ) as r (kpi_name, kpi_label, kpi_format, mature_after_days)
{%- endmacro %}
