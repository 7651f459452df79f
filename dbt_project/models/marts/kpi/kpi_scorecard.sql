-- depends_on: {{ ref('kpi_monthly') }}
-- depends_on: {{ ref('kpi_channel_monthly') }}
-- Every KPI value beside its target or threshold with a status, per scope and period: what alerts read.
{%- set sources = [
    {'model': 'kpi_monthly', 'scope_level': 'owner_level', 'scope_id': 'owner_id'},
    {'model': 'kpi_channel_monthly', 'scope_level': "'channel'", 'scope_id': 'channel'},
] %}
with targets as (

    select * from {{ ref('kpi_target_attainment') }}
    where status <> 'not_started'

),

thresholds as (

    select
        {{ kpi_id_checked('metric', 'a kpi_thresholds row') }} as metric,
        scope_level,
        scope_id,
        direction,
        threshold_value
    from {{ ref('kpi_thresholds') }}

),

kpi_values as (

    {%- set branches = [] %}
    {%- for source in sources %}
    {%- for item in kpi_columns(source.model) %}
    {%- do branches.append(1) %}
    {%- if branches | length > 1 %}
    union all
    {%- endif %}
    select
        {{ source.scope_level }} as scope_level,
        {{ source.scope_id }} as scope_id,
        'month' as period_grain,
        month_start as period_start,
        month_end as period_end,
        '{{ item.kpi.name }}' as kpi_name,
        '{{ item.kpi.label }}' as kpi_label,
        '{{ item.kpi.format }}' as kpi_format,
        '{{ kpi_target_direction(item.kpi) }}' as kpi_direction,
        '{{ item.kpi.get('requires', '') }}' as requires_source,
        {{ kpi_attainment_basis(kpi=item.kpi) }} as attainment_basis,
        cast({{ item.column }} as double precision) as kpi_value
    from {{ ref(source.model) }}
    {%- endfor %}
    {%- endfor %}

),

labels as (

    select * from (
        values
        {%- for kpi_id, kpi in kpi_registry().items() %}
        ('{{ kpi_id }}', '{{ kpi.label }}', '{{ kpi.format }}'){{ ',' if not loop.last }}
        {%- endfor %}
    ) as registry (kpi_name, kpi_label, kpi_format)

),

target_rows as (

    select
        targets.owner_level as scope_level,
        targets.owner_id as scope_id,
        targets.period_grain,
        targets.period_start,
        targets.period_end,
        targets.metric as kpi_name,
        labels.kpi_label,
        labels.kpi_format,
        targets.direction,
        targets.actual_value as kpi_value,
        targets.target_value,
        'target' as basis,
        targets.attainment_basis,
        targets.attainment,
        targets.attainment_points,
        targets.pace_to_target,
        targets.status,
        targets.status_reason,
        targets.target_id
    from targets
    inner join labels
        on labels.kpi_name = targets.metric

),

value_rows as (

    select
        kpi_values.scope_level,
        kpi_values.scope_id,
        kpi_values.period_grain,
        kpi_values.period_start,
        kpi_values.period_end,
        kpi_values.kpi_name,
        kpi_values.kpi_label,
        kpi_values.kpi_format,
        coalesce(thresholds.direction, kpi_values.kpi_direction) as direction,
        kpi_values.kpi_value,
        thresholds.threshold_value as target_value,
        case when thresholds.metric is null then 'none' else 'threshold' end as basis,
        kpi_values.attainment_basis,
        {{ kpi_attainment('kpi_values.kpi_value', 'thresholds.threshold_value', 'thresholds.direction',
                          'kpi_values.attainment_basis') }}
            as attainment,
        {{ kpi_points('kpi_values.kpi_value', 'thresholds.threshold_value', 'thresholds.direction',
                      'kpi_values.attainment_basis') }}
            as attainment_points,
        cast(null as double precision) as pace_to_target,
        case
            when thresholds.metric is null then 'no_target'
            when kpi_values.attainment_basis = 'points' then {{ kpi_status(
                kpi_points('kpi_values.kpi_value', 'thresholds.threshold_value', 'thresholds.direction'), "'points'"
            ) }}
            else {{ kpi_status(kpi_attainment('kpi_values.kpi_value', 'thresholds.threshold_value',
                                              'thresholds.direction')) }}
        end as status,
        case
            when thresholds.metric is null then 'no target or threshold set'
            when kpi_values.kpi_value is null then 'no value (empty denominator)'
            else 'against fixed threshold'
        end as status_reason,
        cast(null as varchar) as target_id
    from kpi_values
    left join thresholds
        on kpi_values.kpi_name = thresholds.metric
        and kpi_values.scope_level = thresholds.scope_level
        and (thresholds.scope_id is null or thresholds.scope_id = kpi_values.scope_id)
    -- a KPI with a SMART target for the same scope and period is listed once, as the target row
    where not exists (
        select 1 from target_rows
        where target_rows.kpi_name = kpi_values.kpi_name
            and target_rows.scope_level = kpi_values.scope_level
            and target_rows.scope_id = kpi_values.scope_id
            and target_rows.period_grain = kpi_values.period_grain
            and target_rows.period_start = kpi_values.period_start
    )

),

scored as (

    select * from target_rows
    union all
    select * from value_rows

),

settings as (

    select * from {{ ref('stg_profile__settings') }}

),

configured as (

    -- a KPI whose source the company profile switches off has no value (null, never 0) and no status to alert on
    select
        requirements.kpi_name,
        case requirements.requires_source
            when 'orders' then settings.orders_enabled
            when 'ads' then settings.ads_enabled
            when 'activities' then settings.activities_enabled
            else true
        end as is_configured
    from (select distinct kpi_name, requires_source from kpi_values) as requirements
    cross join settings

),

final as (

    select
        scored.scope_level,
        scored.scope_id,
        scored.period_grain,
        scored.period_start,
        scored.period_end,
        scored.kpi_name,
        scored.kpi_label,
        scored.kpi_format,
        scored.direction,
        case when coalesce(configured.is_configured, true) then scored.kpi_value end as kpi_value,
        scored.target_value,
        scored.basis,
        scored.attainment_basis,
        case when coalesce(configured.is_configured, true) then scored.attainment end as attainment,
        case when coalesce(configured.is_configured, true) then scored.attainment_points end as attainment_points,
        case when coalesce(configured.is_configured, true) then scored.pace_to_target end as pace_to_target,
        case when coalesce(configured.is_configured, true) then scored.status else 'not_configured' end as status,
        case
            when coalesce(configured.is_configured, true) then scored.status_reason else 'not configured'
        end as status_reason,
        scored.target_id
    from scored
    left join configured
        on scored.kpi_name = configured.kpi_name

)

select * from final
