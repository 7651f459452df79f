-- One row per scoring date × CRM account known then: ordering and contact history as recorded before that date,
-- and the label from the window after it (ordered within account_horizon_days; complete once that window closed).
{% set cfg = var('intelligence') %}
with dates as (

    select * from {{ ref('feat_scoring_dates') }}

),

accounts as (

    select
        dates.scoring_date,
        dates.scoring_at,
        dates.is_current,
        dates.data_end_date,
        dates.history_start_date,
        versions.account_id,
        versions.owner_id,
        versions.created_at
    from dates
    inner join {{ ref('stg_crm__account_versions') }} as versions
        on versions.valid_from < dates.scoring_at
        and (versions.valid_to is null or versions.valid_to >= dates.scoring_at)

),

customer_links as (

    select dates.scoring_date, versions.customer_id, versions.account_id
    from dates
    inner join {{ ref('stg_orders__customer_versions') }} as versions
        on versions.valid_from < dates.scoring_at
        and (versions.valid_to is null or versions.valid_to >= dates.scoring_at)
    where versions.account_id is not null

),

line_firsts as (

    select distinct on (order_line_id) order_id, order_line_id, line_amount, valid_from
    from {{ ref('stg_orders__order_line_versions') }}
    order by order_line_id, valid_from

),

order_amounts as (

    select order_id, sum(line_amount) as amount, max(valid_from) as reported_at
    from line_firsts
    group by order_id

),

fx as (

    select * from {{ ref('int_fx_rates_daily') }}

),

past_orders as (

    -- orders placed in the lookback before the scoring date, in the state known then (cancelled ones skipped)
    select
        dates.scoring_date,
        versions.customer_id,
        versions.ordered_at,
        order_amounts.amount * case when versions.currency = 'USD' then 1.0 else fx.rate_to_usd end as amount_usd
    from dates
    inner join {{ ref('stg_orders__order_versions') }} as versions
        on versions.ordered_at < dates.scoring_at
        and versions.ordered_at >= dates.scoring_at - interval '{{ cfg["lookback_days"] }} days'
    left join order_amounts
        on versions.order_id = order_amounts.order_id
        and order_amounts.reported_at < dates.scoring_at
    left join fx
        on versions.currency = fx.currency
        and cast(versions.ordered_at as date) = fx.rate_day
    where versions.valid_from < dates.scoring_at
        and (versions.valid_to is null or versions.valid_to >= dates.scoring_at)
        and versions.status <> 'cancelled'

),

account_orders as (

    select
        customer_links.scoring_date,
        customer_links.account_id,
        past_orders.ordered_at,
        past_orders.amount_usd,
        -- an order at least reorder_burst_days after the previous one starts a new purchase (a burst)
        coalesce(
            past_orders.ordered_at >= lag(past_orders.ordered_at) over (
                partition by customer_links.scoring_date, customer_links.account_id order by past_orders.ordered_at
            ) + interval '{{ cfg["reorder_burst_days"] }} days',
            true
        ) as starts_burst
    from past_orders
    inner join customer_links
        on past_orders.scoring_date = customer_links.scoring_date
        and past_orders.customer_id = customer_links.customer_id

),

order_history as (

    select
        account_orders.scoring_date,
        account_orders.account_id,
        count(*) as orders_365d,
        sum(case when account_orders.ordered_at >= dates.scoring_at - interval '90 days' then 1 else 0 end)
            as orders_90d,
        sum(case when account_orders.ordered_at >= dates.scoring_at - interval '30 days' then 1 else 0 end)
            as orders_30d,
        sum(coalesce(account_orders.amount_usd, 0)) as revenue_365d_usd,
        count(*) filter (where account_orders.starts_burst) as bursts_365d,
        min(account_orders.ordered_at) filter (where account_orders.starts_burst) as first_burst_at,
        max(account_orders.ordered_at) filter (where account_orders.starts_burst) as last_burst_at,
        max(account_orders.ordered_at) as last_order_at
    from account_orders
    inner join dates
        on account_orders.scoring_date = dates.scoring_date
    group by account_orders.scoring_date, account_orders.account_id

),

activity_history as (

    select
        dates.scoring_date,
        activities.account_id,
        sum(case when activities.occurred_at >= dates.scoring_at - interval '30 days' then 1 else 0 end)
            as activities_30d,
        count(*) as activities_90d,
        max(activities.occurred_at) as last_activity_at
    from dates
    inner join {{ ref('stg_crm__activities') }} as activities
        on activities.occurred_at < dates.scoring_at
        and activities.occurred_at >= dates.scoring_at - interval '90 days'
        -- an activity is known once the day it was loaded for has ended
        and activities.loaded_for_date < dates.scoring_date
    group by dates.scoring_date, activities.account_id

),

future_orders as (

    -- the label: orders placed in the horizon after the scoring date (their final state)
    select
        dates.scoring_date,
        customers.crm_account_id as account_id,
        count(*) as orders,
        sum(orders.net_amount_usd) as revenue_usd
    from dates
    inner join {{ ref('int_orders_converted') }} as orders
        on orders.ordered_at >= dates.scoring_at
        and orders.ordered_at < dates.scoring_at + interval '{{ cfg["account_horizon_days"] }} days'
    inner join {{ ref('stg_orders__customers') }} as customers
        on orders.customer_id = customers.customer_id
    where not orders.is_cancelled
        and customers.crm_account_id is not null
    group by dates.scoring_date, customers.crm_account_id

),

final as (

    select
        accounts.scoring_date,
        accounts.account_id,
        coalesce(accounts.owner_id, 'unassigned') as rep_id,
        accounts.is_current,
        {{ dbt.datediff('accounts.created_at', 'accounts.scoring_at', 'day') }} as tenure_days,
        cast(coalesce(order_history.orders_365d, 0) as bigint) as orders_365d,
        cast(coalesce(order_history.orders_90d, 0) as bigint) as orders_90d,
        cast(coalesce(order_history.orders_30d, 0) as bigint) as orders_30d,
        coalesce(order_history.revenue_365d_usd, 0) as revenue_365d_usd,
        -- orders per 30 days over the time the account could be seen ordering (lookback, tenure, history)
        30.0 * coalesce(order_history.orders_365d, 0) / greatest(least(
            {{ cfg['lookback_days'] }},
            {{ dbt.datediff('accounts.created_at', 'accounts.scoring_at', 'day') }},
            {{ dbt.datediff('accounts.history_start_date', 'accounts.scoring_date', 'day') }}
        ), 1) as orders_per_30d,
        {{ dbt.datediff('order_history.last_order_at', 'accounts.scoring_at', 'day') }} as days_since_last_order,
        -- the usual interval between purchases: from the first to the last burst start, per gap
        {{ kpi_divide(
            dbt.datediff('order_history.first_burst_at', 'order_history.last_burst_at', 'day'),
            'order_history.bursts_365d - 1'
        ) }} as avg_days_between_orders,
        -- how far past its usual interval the account is (1 = due now), and the days until it is due
        {{ kpi_divide(
            dbt.datediff('order_history.last_burst_at', 'accounts.scoring_at', 'day'),
            kpi_divide(dbt.datediff('order_history.first_burst_at', 'order_history.last_burst_at', 'day'),
                       'order_history.bursts_365d - 1')
        ) }} as overdue_ratio,
        {{ kpi_divide(
            dbt.datediff('order_history.first_burst_at', 'order_history.last_burst_at', 'day'),
            'order_history.bursts_365d - 1'
        ) }} - {{ dbt.datediff('order_history.last_burst_at', 'accounts.scoring_at', 'day') }} as days_until_due,
        cast(coalesce(activity_history.activities_30d, 0) as bigint) as activities_30d,
        cast(coalesce(activity_history.activities_90d, 0) as bigint) as activities_90d,
        {{ dbt.datediff('activity_history.last_activity_at', 'accounts.scoring_at', 'day') }}
            as days_since_last_activity,
        {{ cfg['account_horizon_days'] }} as horizon_days,
        accounts.scoring_date + {{ cfg['account_horizon_days'] }} <= accounts.data_end_date as label_complete,
        coalesce(future_orders.orders, 0) > 0 as label,
        coalesce(future_orders.revenue_usd, 0) as label_value_usd
    from accounts
    left join order_history
        on accounts.scoring_date = order_history.scoring_date
        and accounts.account_id = order_history.account_id
    left join activity_history
        on accounts.scoring_date = activity_history.scoring_date
        and accounts.account_id = activity_history.account_id
    left join future_orders
        on accounts.scoring_date = future_orders.scoring_date
        and accounts.account_id = future_orders.account_id

)

select * from final
