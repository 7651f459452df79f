-- Every SMART target with its actual to date, attainment, pace-to-target and (for revenue) pipeline coverage.
{%- set metrics = kpi_target_metrics() %}
with targets as (

    select * from {{ ref('stg_reference__kpi_targets') }}

),

aggregates as (

    select
        *,
        {{ kpi_formula_columns() }}
    from {{ ref('int_kpi_period_aggregates') }}

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
            {%- for metric, spec in metrics.items() %}
            when '{{ metric }}' then cast(aggregates.{{ spec.column }} as double precision)
            {%- endfor %}
        end as actual_value,
        case when targets.metric in (
            {%- for metric, spec in metrics.items() if spec.additive %}'{{ metric }}'{{ ', ' if not loop.last }}{% endfor -%}
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
        {{ kpi_attainment('actual_value', 'target_value', 'direction') }} as attainment,
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
    where paced.metric = 'revenue'
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
        paced.attainment,
        paced.projected_value,
        {{ kpi_attainment('paced.projected_value', 'paced.target_value', 'paced.direction') }} as pace_to_target,
        case
            when paced.elapsed_days = 0 then 'not_started'
            else {{ kpi_status(kpi_attainment('paced.projected_value', 'paced.target_value', 'paced.direction')) }}
        end as status,
        case
            when paced.elapsed_days = 0 then 'period has not started'
            when paced.projected_value is null then 'no actual yet (no data in the period)'
            when paced.elapsed_days < paced.period_days then 'projected at the current pace'
            else 'period complete'
        end as status_reason,
        case when paced.metric = 'revenue' then coalesce(pipeline.open_pipeline_usd, 0) end as open_pipeline_usd,
        case when paced.metric = 'revenue' then paced.target_value - coalesce(paced.actual_value, 0) end
            as remaining_target_usd,
        case
            when paced.metric = 'revenue' and paced.target_value - coalesce(paced.actual_value, 0) > 0
                then {{ kpi_divide('coalesce(pipeline.open_pipeline_usd, 0)',
                                   'paced.target_value - coalesce(paced.actual_value, 0)') }}
        end as pipeline_coverage
    from paced
    left join pipeline
        on paced.target_id = pipeline.target_id

)

select * from final
