"""Reconciliation of marts.fct_orders against the raw orders tables, computed independently of dbt."""

from __future__ import annotations

import great_expectations.expectations as gxe
import pandas as pd

from dagster_project.defs.quality.suites.base import CheckSpec

# One cent: the mart and the raw side must agree on each day's net revenue to the cent.
CENT = 0.005

# The raw side, following the definition in dbt_project/models/marts/kpi/_kpi__docs.md (kpi_net_revenue) at the
# grain of fct_orders: per order placed in the window, the latest version of every row; lines converted at the
# rate of the order day, refunds at the rate of the refund day (a rate holds until the next known one); a
# cancelled order counts nothing; USD needs no rate; an order without a usable rate has no USD value.
RAW_NET_BY_DAY = """
    with orders as (
        select id, status, currency, cast(ordered_at as date) as order_date
        from raw.orders_orders
        qualify row_number() over (
            partition by id order by updated_at desc, _loaded_at desc, _source_line desc nulls last
        ) = 1
    ),
    lines as (
        select order_id, sum(line_amount) as gross_amount
        from (
            select order_id, line_amount
            from raw.orders_order_lines
            qualify row_number() over (
                partition by id order by updated_at desc, _loaded_at desc, _source_line desc nulls last
            ) = 1
        )
        group by order_id
    ),
    refunds as (
        select order_id, amount, cast(refunded_at as date) as refund_date
        from raw.orders_refunds
        qualify row_number() over (
            partition by id order by updated_at desc, _loaded_at desc, _source_line desc nulls last
        ) = 1
    ),
    rates as (
        select cast(date as date) as valid_from, currency, rate_to_usd
        from raw.ref_fx_rates
        qualify row_number() over (
            partition by date, currency order by _loaded_at desc, _source_line desc nulls last
        ) = 1
    ),
    fx as (
        select
            currency,
            valid_from,
            lead(valid_from) over (partition by currency order by valid_from) as valid_to,
            rate_to_usd
        from rates
        where rate_to_usd > 0
    ),
    refunds_usd as (
        select
            refunds.order_id,
            sum(refunds.amount * case when orders.currency = 'USD' then 1.0 else fx.rate_to_usd end)
                as refunded_usd
        from refunds
        left join orders on refunds.order_id = orders.id
        left join fx
            on fx.currency = orders.currency
            and refunds.refund_date >= fx.valid_from
            and (fx.valid_to is null or refunds.refund_date < fx.valid_to)
        group by refunds.order_id
    ),
    order_net as (
        select
            orders.id,
            orders.order_date,
            case
                when orders.status = 'cancelled' then 0
                else coalesce(lines.gross_amount, 0)
                    * case when orders.currency = 'USD' then 1.0 else fx.rate_to_usd end
                    - coalesce(refunds_usd.refunded_usd, 0)
            end as net_usd
        from orders
        left join lines on orders.id = lines.order_id
        left join refunds_usd on orders.id = refunds_usd.order_id
        left join fx
            on fx.currency = orders.currency
            and orders.order_date >= fx.valid_from
            and (fx.valid_to is null or orders.order_date < fx.valid_to)
        where orders.order_date >= $start and orders.order_date < $end
    )
    select order_date, count(*) as orders, sum(net_usd) as net_usd
    from order_net
    group by order_date
"""

SQL = f"""
    with raw_side as ({RAW_NET_BY_DAY}),
    mart_side as (
        select order_date, count(*) as orders, sum(net_amount_usd) as net_usd
        from marts.fct_orders
        where order_date >= $start and order_date < $end
        group by order_date
    ),
    days as (
        select order_date from raw_side
        union
        select order_date from mart_side
    )
    select
        days.order_date,
        coalesce(mart_side.orders, 0) as mart_orders,
        coalesce(raw_side.orders, 0) as raw_orders,
        round(coalesce(mart_side.net_usd, 0), 2) as mart_net_usd,
        round(coalesce(raw_side.net_usd, 0), 2) as raw_net_usd,
        coalesce(mart_side.net_usd, 0) - coalesce(raw_side.net_usd, 0) as diff_usd
    from days
    left join raw_side on days.order_date = raw_side.order_date
    left join mart_side on days.order_date = mart_side.order_date
    order by days.order_date
"""


def _largest_gap(frame: pd.DataFrame, results: list) -> float:
    return float(frame["diff_usd"].abs().max()) if len(frame) else 0.0


def _explain(relation: str, frame: pd.DataFrame | None, results: list) -> list[str]:
    if frame is None:
        return []
    bad = frame[(frame["diff_usd"].abs() > CENT) | (frame["mart_orders"] != frame["raw_orders"])]
    samples = "; ".join(
        f"{pd.Timestamp(row.order_date).date()}: marts {int(row.mart_orders)} orders / {row.mart_net_usd:.2f} USD, raw "
        f"{int(row.raw_orders)} orders / {row.raw_net_usd:.2f} USD"
        for row in bad.head(5).itertuples()
    )
    return (
        [
            (
                f"marts.fct_orders: rule 'each order day's order count and net revenue (net_amount_usd) equal the raw "
                f"orders' to the cent' broken on {len(bad)} day{'s' if len(bad) != 1 else ''}; e.g. {samples}"
            )
        ]
        if len(bad)
        else []
    )


def reconciliation_check() -> CheckSpec:
    """Blocking: each day's order count and net revenue in marts.fct_orders equal the raw orders' to the cent."""

    def expectations() -> list[gxe.Expectation]:
        return [
            gxe.ExpectColumnValuesToBeBetween(column="diff_usd", min_value=-CENT, max_value=CENT),
            gxe.ExpectColumnPairValuesToBeEqual(column_A="mart_orders", column_B="raw_orders"),
        ]

    return CheckSpec(
        name="reconciliation",
        description=(
            "Blocking: per order day of the window, marts.fct_orders has the same orders and the same net revenue "
            "(USD, to the cent) as the latest raw orders, lines, refunds and FX rates give."
        ),
        blocking=True,
        sql=SQL,
        expectations=expectations,
        observe=_largest_gap,
        observed_label="largest daily net revenue gap (USD)",
        explain=_explain,
    )
