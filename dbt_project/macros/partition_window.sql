{#- True when the run carries a Dagster partition window (vars min_date / max_date) and the model exists. -#}
{% macro in_partition_window_run() -%}
    {{ return(is_incremental() and var('min_date') is not none and var('max_date') is not none) }}
{%- endmacro %}

{#- A predicate on a date column: inside the partition window, or always true outside a windowed run. -#}
{% macro partition_window_filter(column) -%}
    {%- if in_partition_window_run() -%}
        {{ column }} between cast('{{ var("min_date") }}' as date) and cast('{{ var("max_date") }}' as date)
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}
