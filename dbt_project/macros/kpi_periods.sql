{#- How the KPI tables follow a partition window: int_kpi_measure_events rebuilds whole months and leaves one
    'rebuilt_month' marker row per month it rebuilt, stamped with the window's last day; the tables built on it
    rebuild exactly those months (and their quarters). Outside a windowed run every month counts as rebuilt. -#}

{#- The months the events table rebuilt in this windowed run, as a subquery. -#}
{% macro kpi_rebuilt_months() -%}
    select event_month from {{ ref('int_kpi_measure_events') }}
    where event_type = 'rebuilt_month'
        and rebuilt_for_date = cast('{{ partition_window_bounds()[1] }}' as date)
{%- endmacro %}

{#- A predicate: the month (a date column holding a month start) was rebuilt, always true outside a windowed run. -#}
{% macro kpi_month_rebuilt(month_column) -%}
    {%- if in_partition_window_run() -%}
        {{ month_column }} in ({{ kpi_rebuilt_months() }})
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- A predicate: the quarter (a date column holding a quarter start) holds a rebuilt month. -#}
{% macro kpi_quarter_rebuilt(quarter_column) -%}
    {%- if in_partition_window_run() -%}
        {{ quarter_column }} in (
            select cast({{ dbt.date_trunc('quarter', 'event_month') }} as date) from ({{ kpi_rebuilt_months() }}) as months
        )
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of a table kept by appending rebuilt periods: first delete what the run rebuilds (every row when an
    existing table is rebuilt without a window), so a period that lost all its rows is emptied too. -#}
{% macro kpi_delete_rebuilt(predicate=none) -%}
    {%- if is_incremental() and not in_partition_window_run() -%}
        delete from {{ this }}
    {%- elif in_partition_window_run() and predicate is not none -%}
        delete from {{ this }} where {{ predicate }}
    {%- endif -%}
{%- endmacro %}
