{{ config(
    materialized='incremental', incremental_strategy='delete+insert', unique_key='event_month',
    pre_hook="{{ kpi_delete_rebuilt() }}",
) }}
-- Every business event as one row of additive measures, placed on its day, rep, team (at that time) and channel.
-- Built on the incremental core facts. A windowed run rebuilds every month that holds, or held before, an event of
-- a record the window touched (a late change to an old deal rewrites the month it left and the one it entered),
-- and marks each such month with a 'rebuilt_month' row that the KPI tables downstream follow (macros/kpi_periods).
{%- set measures = kpi_event_measure_names() %}
{%- set windowed = in_partition_window_run() %}

with leads as (

    select * from {{ ref('fct_leads') }}

),

deals as (

    select * from {{ ref('fct_deals') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

refunds as (

    select * from {{ ref('int_refunds_converted') }}

),

ad_spend as (

    select * from {{ ref('fct_ad_spend') }}

),

sales_costs as (

    select * from {{ ref('stg_reference__sales_costs') }}

),

teams as (

    select * from {{ ref('int_rep_team_history') }}

),

rep_events as (

    select
        'lead_created' as event_type, created_date as event_date, created_at as event_at, rep_id, channel,
        {{ kpi_event_measures({'leads': '1', 'leads_with_deal': 'case when has_deal then 1 else 0 end'}) }}
        cast(null as double precision) as sales_cycle_days,
        {{ dbt.concat(["'lead:'", 'lead_id']) }} as source_key
    from leads

    union all

    select
        'deal_created', created_date, created_at, rep_id, channel,
        {{ kpi_event_measures({'deals_created': '1', 'deals_created_won': 'case when is_won then 1 else 0 end'}) }}
        null,
        {{ dbt.concat(["'deal:'", 'deal_id']) }}
    from deals

    union all

    select
        case when is_won then 'deal_won' else 'deal_lost' end, closed_date, closed_at, rep_id, channel,
        {{ kpi_event_measures({
            'won_count': 'case when is_won then 1 else 0 end',
            'lost_count': 'case when is_lost then 1 else 0 end',
            'won_amount_usd': 'case when is_won then amount_usd else 0 end',
            'lost_amount_usd': 'case when is_lost then amount_usd else 0 end',
        }) }}
        sales_cycle_days,
        {{ dbt.concat(["'deal:'", 'deal_id']) }}
    from deals
    where (is_won or is_lost) and closed_at is not null

    union all

    select
        'order', order_date, ordered_at, rep_id, channel,
        {{ kpi_event_measures({
            'orders': '1',
            'gross_revenue_usd': 'gross_amount_usd',
            'new_customers': 'case when is_new_customer then 1 else 0 end',
            'first_orders': 'case when is_first_order then 1 else 0 end',
        }) }}
        null,
        {{ dbt.concat(["'order:'", 'cast(order_id as varchar)']) }}
    from orders
    where not is_cancelled

    union all

    select
        'refund', refunds.refund_date, refunds.refunded_at, orders.rep_id, orders.channel,
        {{ kpi_event_measures({'refunds_usd': 'refunds.amount_usd'}) }}
        null,
        {{ dbt.concat(["'order:'", 'cast(orders.order_id as varchar)']) }}
    from refunds
    inner join orders
        on refunds.order_id = orders.order_id
    where not refunds.is_on_cancelled_order

),

sales_cost_events as (

    -- sales cost belongs to a team (and its region), not to a rep or channel
    select
        sales_costs.cost_month as event_date, sales_costs.team_id, team_regions.region,
        sales_costs.cost_usd as sales_cost_usd
    from sales_costs
    left join (
        select team_id, max(region) as region from teams where is_current group by team_id
    ) as team_regions
        on sales_costs.team_id = team_regions.team_id

),

{%- if windowed %}

touched_sources as (

    select {{ dbt.concat(["'lead:'", 'lead_id']) }} as source_key from leads
    where {{ partition_window_filter('loaded_for_date') }}
    union all
    select {{ dbt.concat(["'deal:'", 'deal_id']) }} from deals
    where {{ partition_window_filter('loaded_for_date') }}
    union all
    -- every order of a customer fct_orders rebuilt: which of them is the first can change with any
    select {{ dbt.concat(["'order:'", 'cast(order_id as varchar)']) }} from orders
    where customer_id in (select customer_id from orders where {{ partition_window_filter('loaded_for_date') }})

),

changed_reps as (

    -- a team stretch loaded in the window moves the rep's events from its start on (the first: all of them)
    select rep_id, min(valid_from) as changed_from
    from teams
    where {{ partition_window_filter('loaded_for_date') }}
    group by rep_id

),

touched_months as (

    -- where the touched records' events are now ...
    select cast({{ dbt.date_trunc('month', 'event_date') }} as date) as event_month
    from rep_events
    where source_key in (select source_key from touched_sources)
    union
    -- ... and where they were before
    select event_month from {{ this }}
    where source_key in (select source_key from touched_sources)
    union
    select cast({{ dbt.date_trunc('month', 'spend_date') }} as date) from ad_spend
    where {{ partition_window_filter('loaded_for_date') }}
    union
    select previous.event_month from {{ this }} as previous
    inner join changed_reps
        on previous.rep_id = changed_reps.rep_id
        and previous.event_date >= cast(changed_reps.changed_from as date)
    union
    -- reference data carries no load date: compare the sales cost rows with the ones built before
    select coalesce(previous.event_month, cast({{ dbt.date_trunc('month', 'current_costs.event_date') }} as date))
    from sales_cost_events as current_costs
    full outer join (select * from {{ this }} where event_type = 'sales_cost') as previous
        on current_costs.event_date = previous.event_date
        and current_costs.team_id = previous.team_id
    where previous.event_date is null
        or current_costs.event_date is null
        or current_costs.sales_cost_usd <> previous.sales_cost_usd
        or coalesce(current_costs.region, '') <> coalesce(previous.region, '')

),

{%- endif %}

placed as (

    select
        rep_events.event_type,
        rep_events.event_date,
        rep_events.rep_id,
        -- the team the rep belonged to when the event happened, so a move does not rewrite history
        coalesce(teams.team_id, 'unassigned') as team_id,
        coalesce(teams.region, 'unassigned') as region,
        rep_events.channel,
        {%- for m in measures %}
        rep_events.{{ m }},
        {%- endfor %}
        rep_events.sales_cycle_days,
        rep_events.source_key
    from rep_events
    left join teams
        on rep_events.rep_id = teams.rep_id
        and rep_events.event_at >= teams.valid_from
        and (teams.valid_to is null or rep_events.event_at < teams.valid_to)
    {%- if windowed %}
    where cast({{ dbt.date_trunc('month', 'rep_events.event_date') }} as date) in (select event_month from touched_months)
    {%- endif %}

),

cost_events as (

    -- ad spend belongs to a channel, not to a rep or team
    select
        'ad_spend' as event_type, spend_date as event_date, cast(null as varchar) as rep_id,
        cast(null as varchar) as team_id, cast(null as varchar) as region, channel,
        {{ kpi_event_measures({'ad_spend_usd': 'spend_usd', 'impressions': 'impressions', 'clicks': 'clicks'}) }}
        cast(null as double precision) as sales_cycle_days,
        cast(null as varchar) as source_key
    from ad_spend
    {%- if windowed %}
    where cast({{ dbt.date_trunc('month', 'spend_date') }} as date) in (select event_month from touched_months)
    {%- endif %}

    union all

    select
        'sales_cost', event_date, null, team_id, region, null,
        {{ kpi_event_measures({'sales_cost_usd': 'sales_cost_usd'}) }}
        null,
        null
    from sales_cost_events
    {%- if windowed %}
    where cast({{ dbt.date_trunc('month', 'event_date') }} as date) in (select event_month from touched_months)
    {%- endif %}

),

final as (

    select * from placed
    union all
    select * from cost_events

)

select
    event_type,
    event_date,
    rep_id,
    team_id,
    region,
    channel,
    {%- for m in measures %}
    cast({{ m }} as {{ 'bigint' if m in ('impressions', 'clicks') or not m.endswith('_usd') else 'double precision' }}) as {{ m }},
    {%- endfor %}
    cast(sales_cycle_days as double precision) as sales_cycle_days,
    cast({{ dbt.date_trunc('month', 'event_date') }} as date) as event_month,
    cast(source_key as varchar) as source_key,
    cast(null as date) as rebuilt_for_date
from final

{%- if windowed %}

union all

-- one marker per rebuilt month, also when the month has no event left (delete+insert then still clears it)
select
    'rebuilt_month', event_month, null, null, null, null,
    {%- for m in measures %}
    0,
    {%- endfor %}
    null,
    event_month,
    null,
    cast('{{ partition_window_bounds()[1] }}' as date)
from touched_months
{%- endif %}
