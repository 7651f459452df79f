-- Every business event as one row of additive measures, placed on its day, rep, team (at that time) and channel.
-- Built on the incremental core facts, so a windowed run does not recompute the whole attribution chain.
{%- set measures = kpi_event_measure_names() %}

with leads as (

    select * from {{ ref('fct_leads') }}

),

deals as (

    -- a deal set aside by a row rule (fct_deals.exclusion_reason) counts in no KPI
    select * from {{ ref('fct_deals') }}
    where not is_excluded

),

settings as (

    select * from {{ ref('stg_profile__settings') }}

),

won_deal_revenue as (

    -- revenue from won deals, where the profile's revenue basis says so: every won deal (won_deals), or the won
    -- deals no order fulfils (both: a deal its orders fulfil is counted once, through the orders); an account's
    -- first won deal makes it a new customer when won deals are the only basis
    select
        deals.*,
        row_number() over (
            partition by coalesce(deals.account_id, deals.deal_id) order by deals.closed_at, deals.deal_id
        ) = 1 as is_first_won_of_account,
        settings.revenue_basis
    from deals
    cross join settings
    where deals.is_won
        and deals.closed_at is not null
        and (
            settings.revenue_basis = 'won_deals'
            or (
                settings.revenue_basis = 'both'
                and not exists (select 1 from {{ ref('fct_orders') }} as o where o.deal_id = deals.deal_id)
            )
        )

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
        cast(null as double precision) as sales_cycle_days
    from leads

    union all

    select
        'deal_created', created_date, created_at, rep_id, channel,
        {{ kpi_event_measures({'deals_created': '1', 'deals_created_won': 'case when is_won then 1 else 0 end'}) }}
        null
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
        sales_cycle_days
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
        null
    from orders
    where not is_cancelled

    union all

    select
        'deal_revenue', closed_date, closed_at, rep_id, channel,
        {{ kpi_event_measures({
            'gross_revenue_usd': 'amount_usd',
            'new_customers': "case when is_first_won_of_account and revenue_basis = 'won_deals' then 1 else 0 end",
            'first_orders': "case when is_first_won_of_account and revenue_basis = 'won_deals' then 1 else 0 end",
        }) }}
        null
    from won_deal_revenue

    union all

    select
        'refund', refunds.refund_date, refunds.refunded_at, orders.rep_id, orders.channel,
        {{ kpi_event_measures({'refunds_usd': 'refunds.amount_usd'}) }}
        null
    from refunds
    inner join orders
        on refunds.order_id = orders.order_id
    where not refunds.is_on_cancelled_order

),

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
        rep_events.sales_cycle_days
    from rep_events
    left join teams
        on rep_events.rep_id = teams.rep_id
        and rep_events.event_at >= teams.valid_from
        and (teams.valid_to is null or rep_events.event_at < teams.valid_to)

),

cost_events as (

    -- ad spend belongs to a channel, not to a rep or team
    select
        'ad_spend' as event_type, spend_date as event_date, cast(null as varchar) as rep_id,
        cast(null as varchar) as team_id, cast(null as varchar) as region, channel,
        {{ kpi_event_measures({'ad_spend_usd': 'spend_usd', 'impressions': 'impressions', 'clicks': 'clicks'}) }}
        cast(null as double precision) as sales_cycle_days
    from ad_spend

    union all

    -- sales cost belongs to a team (and its region), not to a rep or channel
    select
        'sales_cost', sales_costs.cost_month, null, sales_costs.team_id, team_regions.region, null,
        {{ kpi_event_measures({'sales_cost_usd': 'sales_costs.cost_usd'}) }}
        null
    from sales_costs
    left join (
        select team_id, max(region) as region from teams where is_current group by team_id
    ) as team_regions
        on sales_costs.team_id = team_regions.team_id

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
    cast(sales_cycle_days as double precision) as sales_cycle_days
from final
