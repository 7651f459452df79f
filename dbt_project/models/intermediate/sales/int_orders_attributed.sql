-- Orders in USD attributed to account, rep and channel: through the won deal they fulfil, else the account.
with orders as (

    select * from {{ ref('int_orders_converted') }}

),

customers as (

    select * from {{ ref('stg_orders__customers') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

deals as (

    select * from {{ ref('int_deals_attributed') }}

),

account_first_leads as (

    select
        account_id,
        channel,
        row_number() over (partition by account_id order by created_at, lead_id) as lead_rank
    from {{ ref('int_leads_attributed') }}
    where account_id is not null

),

first_orders as (

    -- a customer is acquired by their first order that was not cancelled; read from staging (one row per order,
    -- as in `orders`) so that ranking and the history start never compute the money of every order
    select
        customer_id,
        order_id,
        row_number() over (partition by customer_id order by ordered_at, order_id) as order_rank
    from {{ ref('stg_orders__orders') }}
    where status <> 'cancelled'

),

history as (

    -- customers created before the order history begins are the installed base, not acquisitions
    select min(ordered_at) as history_start from {{ ref('stg_orders__orders') }}

),

final as (

    select
        orders.order_id,
        orders.order_number,
        orders.customer_id,
        -- web-shop customers without a CRM account, or with an unknown one, meet under 'unmapped'
        coalesce(accounts.account_id, 'unmapped') as account_id,
        coalesce(deals.rep_id, accounts.owner_id, 'unassigned') as rep_id,
        coalesce(deals.channel, account_first_leads.channel, 'unattributed') as channel,
        orders.crm_deal_id as deal_id,
        orders.status,
        orders.is_cancelled,
        orders.currency,
        orders.ordered_at,
        orders.order_date,
        orders.line_count,
        orders.gross_amount,
        orders.gross_amount_usd,
        orders.refunded_amount_usd,
        orders.net_amount_usd,
        orders.fx_status,
        first_orders.order_id is not null as is_first_order,
        first_orders.order_id is not null and coalesce(customers.created_at >= history.history_start, false)
            as is_new_customer,
        -- the order's attribution also changes with its customer, account and deal
        greatest(
            orders.loaded_for_date,
            coalesce(customers.loaded_for_date, orders.loaded_for_date),
            coalesce(accounts.loaded_for_date, orders.loaded_for_date),
            coalesce(deals.loaded_for_date, orders.loaded_for_date)
        ) as loaded_for_date
    from orders
    cross join history
    left join customers
        on orders.customer_id = customers.customer_id
    left join accounts
        on customers.crm_account_id = accounts.account_id
    left join deals
        on orders.crm_deal_id = deals.deal_id
    left join account_first_leads
        on accounts.account_id = account_first_leads.account_id
        and account_first_leads.lead_rank = 1
    left join first_orders
        on orders.order_id = first_orders.order_id
        and first_orders.order_rank = 1

)

select * from final
