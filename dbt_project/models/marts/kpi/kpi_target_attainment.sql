-- Every SMART target with its actual to date (the registry KPI it names, on that KPI's definition, period and
-- scope), attainment, pace-to-target and (for bookings) pipeline coverage.
{%- set registry = kpi_registry() %}
{%- set bookings = 'won_amount_usd' %}
with targets as (

    select
        target_id,
        owner_level,
        owner_id,
        {{ kpi_id_checked('metric', 'a planning-sheet target') }} as metric,
        period_grain,
        period_start,
        period_end,
        target_value,
        direction,
        {{ kpi_attainment_basis('metric') }} as attainment_basis
    from {{ ref('stg_reference__kpi_targets') }}

),

period_aggregates as (

    select * from {{ ref('int_kpi_period_aggregates') }}

),

aggregates as (

    select
        current_period.*,
        {{ kpi_formula_columns('current_period.') }},
        -- growth against the previous period of the same grain and against the same period a year earlier
        {{ kpi_growth('current_period.net_revenue_usd', 'previous_period.net_revenue_usd') }}
            as revenue_growth_mom,
        {{ kpi_growth('current_period.net_revenue_usd', 'last_year.net_revenue_usd') }} as revenue_growth_yoy
    from period_aggregates as current_period
    left join period_aggregates as previous_period
        on current_period.scope_level = previous_period.scope_level
        and current_period.scope_id = previous_period.scope_id
        and current_period.period_grain = previous_period.period_grain
        and previous_period.period_start = cast(
            case current_period.period_grain
                when 'quarter' then {{ dbt.dateadd('month', -3, 'current_period.period_start') }}
                else {{ dbt.dateadd('month', -1, 'current_period.period_start') }}
            end as date
        )
    left join period_aggregates as last_year
        on current_period.scope_level = last_year.scope_level
        and current_period.scope_id = last_year.scope_id
        and current_period.period_grain = last_year.period_grain
        and last_year.period_start = cast({{ dbt.dateadd('year', -1, 'current_period.period_start') }} as date)

),

as_of as (

    -- the last day any sales or marketing data arrived for
    select max(event_date) as as_of_date
    from {{ ref('int_kpi_measure_events') }}
    where event_type <> 'sales_cost'

),

open_deals as (

    select
        deals.rep_id,
        coalesce(teams.team_id, 'unassigned') as team_id,
        coalesce(teams.region, 'unassigned') as region,
        deals.expected_close_date,
        deals.amount_usd
    from {{ ref('fct_deals') }} as deals
    left join {{ ref('int_rep_team_history') }} as teams
        on deals.rep_id = teams.rep_id
        and teams.is_current
    -- an open deal without an amount adds nothing to pipeline value (its amount is unknown, not zero)
    where deals.is_open
        and not deals.is_excluded

),

measured as (

    select
        targets.*,
        as_of.as_of_date,
        cast({{ dbt.datediff('targets.period_start', 'targets.period_end', 'day') }} + 1 as integer) as period_days,
        cast(
            case
                when as_of.as_of_date < targets.period_start then 0
                when as_of.as_of_date >= targets.period_end
                    then {{ dbt.datediff('targets.period_start', 'targets.period_end', 'day') }} + 1
                else {{ dbt.datediff('targets.period_start', 'as_of.as_of_date', 'day') }} + 1
            end as integer
        ) as elapsed_days,
        case targets.metric
            {%- for kpi_id, kpi in registry.items() if kpi_id != 'pipeline_coverage' %}
            when '{{ kpi_id }}' then cast(aggregates.{{ kpi_id }} as double precision)
            {%- endfor %}
        end as actual_value,
        case when targets.metric in (
            {%- for kpi_id, kpi in registry.items() if kpi.additive %}'{{ kpi_id }}'{{ ', ' if not loop.last }}{% endfor -%}
        ) then true else false end as is_additive
    from targets
    cross join as_of
    left join aggregates
        on targets.period_grain = aggregates.period_grain
        and targets.period_start = aggregates.period_start
        and targets.owner_level = aggregates.scope_level
        and targets.owner_id = aggregates.scope_id

),

paced as (

    select
        *,
        {{ kpi_attainment('actual_value', 'target_value', 'direction', 'attainment_basis') }} as attainment,
        {{ kpi_points('actual_value', 'target_value', 'direction', 'attainment_basis') }} as attainment_points,
        -- additive metrics continue at the pace so far; rates are projected at their current value
        case
            when elapsed_days = 0 then null
            when is_additive then coalesce(actual_value, 0) * period_days / elapsed_days
            else actual_value
        end as projected_value
    from measured

),

pipeline as (

    select
        paced.target_id,
        sum(open_deals.amount_usd) as open_pipeline_usd
    from paced
    inner join open_deals
        on open_deals.expected_close_date between paced.period_start and paced.period_end
        and open_deals.expected_close_date > paced.as_of_date
        and (
            paced.owner_level = 'company'
            or (paced.owner_level = 'region' and open_deals.region = paced.owner_id)
            or (paced.owner_level = 'team' and open_deals.team_id = paced.owner_id)
            or (paced.owner_level = 'rep' and open_deals.rep_id = paced.owner_id)
        )
    where paced.metric = '{{ bookings }}'
    group by paced.target_id

),

final as (

    select
        paced.target_id,
        paced.owner_level,
        paced.owner_id,
        paced.metric,
        paced.period_grain,
        paced.period_start,
        paced.period_end,
        paced.direction,
        paced.target_value,
        paced.as_of_date,
        paced.period_days,
        paced.elapsed_days,
        paced.actual_value,
        paced.attainment_basis,
        paced.attainment,
        paced.attainment_points,
        paced.projected_value,
        {{ kpi_attainment('paced.projected_value', 'paced.target_value', 'paced.direction', 'paced.attainment_basis') }}
            as pace_to_target,
        case
            when paced.elapsed_days = 0 then 'not_started'
            when paced.attainment_basis = 'points' then {{ kpi_status(
                kpi_points('paced.projected_value', 'paced.target_value', 'paced.direction'), "'points'"
            ) }}
            else {{ kpi_status(
                kpi_attainment('paced.projected_value', 'paced.target_value', 'paced.direction')
            ) }}
        end as status,
        case
            when paced.elapsed_days = 0 then 'period has not started'
            when paced.projected_value is null then 'no actual yet (no data in the period)'
            when paced.elapsed_days < paced.period_days then 'projected at the current pace'
            else 'period complete'
        end as status_reason,
        case when paced.metric = '{{ bookings }}' then coalesce(pipeline.open_pipeline_usd, 0) end as open_pipeline_usd,
        case when paced.metric = '{{ bookings }}' then paced.target_value - coalesce(paced.actual_value, 0) end
            as remaining_target_usd,
        case
            when paced.metric = '{{ bookings }}' and paced.target_value - coalesce(paced.actual_value, 0) > 0
                then {{ kpi_divide('coalesce(pipeline.open_pipeline_usd, 0)',
                                   'paced.target_value - coalesce(paced.actual_value, 0)') }}
        end as pipeline_coverage
    from paced
    left join pipeline
        on paced.target_id = pipeline.target_id

)

select * from final
