{#- The company's calendar day of a UTC timestamp. Timestamps are stored in UTC; which day, week and month an
    event counts in is decided by the profile's time zone (`timezone` in the profile, read from
    stg_profile__settings), so an order at 01:30 UTC on the 1st counts on the 31st for a company in São Paulo. -#}
{% macro business_date(timestamp_column) -%}
    {{ return(adapter.dispatch('business_date')(timestamp_column)) }}
{%- endmacro %}

{% macro default__business_date(timestamp_column) -%}
    cast(
        ({{ timestamp_column }} at time zone 'UTC')
        at time zone (select timezone from {{ ref('stg_profile__settings') }})
        as date
    )
{%- endmacro %}

{% macro spark__business_date(timestamp_column) -%}
    cast(from_utc_timestamp({{ timestamp_column }}, (select timezone from {{ ref('stg_profile__settings') }})) as date)
{%- endmacro %}
