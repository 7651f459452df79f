-- Invariant: every order's net amount is its lines minus its refunds (zero when cancelled).
select order_id, gross_amount_usd, refunded_amount_usd, net_amount_usd
from {{ ref('fct_orders') }}
where abs(
    net_amount_usd - case when is_cancelled then 0 else gross_amount_usd - refunded_amount_usd end
) > 0.005
