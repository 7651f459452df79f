{#- The KPI registry (`vars.kpis` in dbt_project.yml), each entry with its id under `name`. -#}
{% macro kpi_registry() -%}
    {%- set registry = {} -%}
    {%- for kpi_id, spec in var('kpis').items() -%}
        {%- set entry = {'name': kpi_id} -%}
        {%- do entry.update(spec) -%}
        {%- do registry.update({kpi_id: entry}) -%}
    {%- endfor -%}
    {{ return(registry) }}
{%- endmacro %}

{#- The registry's good direction as a target direction: up → at_least, down → at_most. -#}
{% macro kpi_target_direction(kpi) -%}
    {{ return('at_most' if kpi.direction == 'down' else 'at_least') }}
{%- endmacro %}

{#- The columns of a model that are registry KPIs (the column name is the KPI id), as a list in column order. -#}
{% macro kpi_columns(model_name) -%}
    {%- set found = [] -%}
    {%- if execute -%}
        {%- set registry = kpi_registry() -%}
        {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ model_name) -%}
        {%- for column in node.columns.values() if column.name in registry -%}
            {%- do found.append({'column': column.name, 'kpi': registry[column.name]}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}

{#- `column` when it holds a registry KPI id, else the query fails with a message naming the id and `what` names
    it (a planning-sheet target, a threshold): nothing may be compared with a KPI the registry does not define. -#}
{% macro kpi_id_checked(column, what) -%}
    case
        when {{ column }} in ({% for kpi_id in var('kpis') %}'{{ kpi_id }}'{{ ', ' if not loop.last }}{% endfor %})
            then {{ column }}
        else {{ kpi_raise("'" ~ what ~ " names a KPI that is not in the KPI registry (dbt_project.yml vars.kpis): ' || coalesce(" ~ column ~ ", 'null')") }}
    end
{%- endmacro %}

{#- A varchar expression whose evaluation fails the query with `message` (a SQL string expression) as the error. -#}
{% macro kpi_raise(message) -%}
    {{ return(adapter.dispatch('kpi_raise')(message)) }}
{%- endmacro %}

{% macro default__kpi_raise(message) -%}
    cast(error({{ message }}) as varchar)
{%- endmacro %}

{% macro postgres__kpi_raise(message) -%}
    -- PostgreSQL has no error(); a failed cast reports the text it could not read, which is the message
    cast(cast({{ message }} as integer) as varchar)
{%- endmacro %}
