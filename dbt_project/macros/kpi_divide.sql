{#- Division that yields null (never an error or infinity) when the denominator is zero or null. -#}
{% macro kpi_divide(numerator, denominator) -%}
    (cast({{ numerator }} as double precision) / nullif(cast({{ denominator }} as double precision), 0))
{%- endmacro %}
