{#- The Dagster partition window of a run: [first day, last day] as ISO strings, or none for a full build.
    It comes from the vars min_date / max_date (handy by hand) or, as Dagster passes it, from the environment
    variables KPI_WINDOW_START / KPI_WINDOW_END. The environment is read only while executing: changing a var
    makes dbt re-parse the whole project (~2.5 s), an environment variable read at run time does not. -#}
{% macro partition_window_bounds() -%}
    {%- set first = var('min_date', none) -%}
    {%- set last = var('max_date', none) -%}
    {%- if execute and first is none and last is none -%}
        {%- set first = env_var('KPI_WINDOW_START', '') or none -%}
        {%- set last = env_var('KPI_WINDOW_END', '') or none -%}
    {%- endif -%}
    {{ return([first, last] if first is not none and last is not none else none) }}
{%- endmacro %}

{#- True when the run carries a Dagster partition window and the model exists. -#}
{% macro in_partition_window_run() -%}
    {{ return(is_incremental() and partition_window_bounds() is not none) }}
{%- endmacro %}

{#- A predicate on a date column: inside the partition window, or always true outside a windowed run. -#}
{% macro partition_window_filter(column) -%}
    {%- if in_partition_window_run() -%}
        {%- set bounds = partition_window_bounds() -%}
        {{ column }} between cast('{{ bounds[0] }}' as date) and cast('{{ bounds[1] }}' as date)
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- A predicate on a raw source: the record's key has a version loaded (`_partition_date`) inside the partition
    window, or always true outside a windowed run. Staging then ranks every version of those keys only. -#}
{% macro partition_window_keys(relation, key_columns, alias='source') -%}
    {%- if in_partition_window_run() -%}
        exists (
            select 1 from {{ relation }} as window_rows
            where {{ partition_window_filter('window_rows._partition_date') }}
            {%- for key in key_columns %}
                and window_rows.{{ key }} = {{ alias }}.{{ key }}
            {%- endfor %}
        )
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}
