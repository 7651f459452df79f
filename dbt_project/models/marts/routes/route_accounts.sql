-- Every CRM account a rep could visit: its position (or why it has none), recent revenue and last field visit.
with accounts as (

    select * from {{ ref('dim_accounts') }}
    where account_id <> 'unmapped'

),

orders as (

    select * from {{ ref('fct_orders') }}

),

newest as (

    select max(order_date) as newest_order_date from orders

),

revenue as (

    select
        orders.account_id,
        sum(orders.net_amount_usd) as revenue_365d
    from orders
    cross join newest
    where orders.order_date > {{ dbt.dateadd('day', -365, 'newest.newest_order_date') }}
        and not orders.is_cancelled
    group by orders.account_id

),

visits as (

    select account_id, max(visit_date) as last_visit_date
    from {{ ref('route_field_visits') }}
    group by account_id

),

final as (

    select
        accounts.account_id,
        accounts.account_name,
        accounts.owner_id as rep_id,
        accounts.city,
        accounts.latitude,
        accounts.longitude,
        {{ location_issue('accounts.latitude', 'accounts.longitude') }} as location_issue,
        cast(coalesce(revenue.revenue_365d, 0) as double precision) as revenue_365d,
        visits.last_visit_date
    from accounts
    left join revenue
        on accounts.account_id = revenue.account_id
    left join visits
        on accounts.account_id = visits.account_id

)

select * from final
