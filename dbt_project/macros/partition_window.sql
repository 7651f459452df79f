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
    window, or its row in this model came from a version of the window (which a re-delivered window may have
    lost); always true outside a windowed run. Staging then ranks every version of those keys only. `this_keys`
    names this model's columns for `key_columns`. -#}
{% macro partition_window_keys(relation, key_columns, alias='source', this_keys=none) -%}
    {%- if in_partition_window_run() -%}
        (exists (
            select 1 from {{ relation }} as window_rows
            where {{ partition_window_filter('window_rows._partition_date') }}
            {%- for key in key_columns %}
                and window_rows.{{ key }} = {{ alias }}.{{ key }}
            {%- endfor %}
        )
        {%- if this_keys %}
        or exists (
            select 1 from {{ this }} as window_built
            where {{ partition_window_filter('window_built.loaded_for_date') }}
            {%- for key in key_columns %}
                and window_built.{{ this_keys[loop.index0] }} = {{ alias }}.{{ key }}
            {%- endfor %}
        )
        {%- endif %})
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- A predicate on an upstream model with `loaded_for_date`: loaded inside the window, or built into this model
    from the window before (so a row whose inputs left the window, or vanished, is recomputed or removed). -#}
{% macro partition_window_rows(alias, key_columns) -%}
    {%- if in_partition_window_run() -%}
        ({{ partition_window_filter(alias ~ '.loaded_for_date') }}
        or exists (
            select 1 from {{ this }} as window_built
            where {{ partition_window_filter('window_built.loaded_for_date') }}
            {%- for key in key_columns %}
                and window_built.{{ key }} = {{ alias }}.{{ key }}
            {%- endfor %}
        ))
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- Post-hook of an incremental model: a windowed run deletes the rows whose record no longer exists in `relation`
    (a re-delivered day without it, a row now quarantined), so that any window re-run equals a full build.
    `relation_keys` are `relation`'s columns for this model's `key_columns`. A staging model looks at the rows it
    built from the window only (raw loses rows only there); a fact at every row, as its load date is the newest
    of several sources and may lie after the window that lost its record. -#}
{% macro prune_vanished(relation, key_columns, relation_keys=none, window_only=true) -%}
    {%- if in_partition_window_run() -%}
        {%- set relation_keys = relation_keys or key_columns -%}
        delete from {{ this }} as built
        where {{ partition_window_filter('built.loaded_for_date') if window_only else '1 = 1' }}
            and not exists (
                select 1 from {{ relation }} as present
                where
                {%- for key in key_columns %}
                    {{ 'and ' if not loop.first }}present.{{ relation_keys[loop.index0] }} = built.{{ key }}
                {%- endfor %}
            )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
