{#- The columns of a model that carry `meta.kpi` (name, label, format, direction) in its YAML, as a list. -#}
{% macro kpi_columns(model_name) -%}
    {%- set found = [] -%}
    {%- if execute -%}
        {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ model_name) -%}
        {%- for column in node.columns.values() if column.meta.get('kpi') -%}
            {%- do found.append({'column': column.name, 'kpi': column.meta['kpi']}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}
