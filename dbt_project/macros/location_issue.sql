{#- Why a position cannot be routed (null when it can): missing, outside the globe's ranges, or the (0, 0) default. -#}
{% macro location_issue(latitude, longitude) -%}
    case
        when {{ latitude }} is null or {{ longitude }} is null then 'missing coordinates'
        when {{ latitude }} not between -90 and 90 or {{ longitude }} not between -180 and 180
            then 'coordinates out of range'
        when {{ latitude }} = 0 and {{ longitude }} = 0 then 'coordinates at (0, 0)'
    end
{%- endmacro %}
