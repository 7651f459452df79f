"""The orders database: products, customers (CRM-mapped or web-shop), orders with their lives, lines, refunds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dagster_project.demo import planted
from dagster_project.demo.crm import Ids
from dagster_project.demo.funnel import Crm, n_base_accounts
from dagster_project.demo.model import (
    DAY,
    REPEAT_ORDERS_PER_DAY,
    WEB_ORDERS_PER_DAY,
    Config,
    day_factor,
    intraday_seconds,
    iso,
    stream,
)
from dagster_project.demo.org import ALL_CITIES, FIRST_NAMES, LAST_NAMES

N_PRODUCTS = 200
N_DEAL_PRODUCTS = 10  # the first products are solution SKUs that fulfil won deals
CATEGORIES = ("accessories", "consumables", "devices", "software", "spare_parts")
PRODUCT_WORDS = ("Core", "Edge", "Flex", "Nano", "Pro", "Max", "Lite", "Ultra", "Smart", "Eco")
PRODUCT_NOUNS = (
    "Sensor",
    "Cable",
    "Router",
    "Scanner",
    "Printer",
    "Label pack",
    "Battery",
    "Dock",
    "Tablet",
    "Licence",
)
WEB_BASE_SHARE = 0.055
WEB_NEW_P = 0.0145
CANCEL_P = 0.06
REFUND_P = 0.05
FULL_REFUND_P = 0.65
REFUND_REASONS = ("damaged", "wrong_item", "not_as_described", "late_delivery", "changed_mind")
ORDER_LIFE_DAYS = 40  # pay ≤ 2 d, ship ≤ 5 d after, refund ≤ 30 d after shipping
STATUS = ("pending", "paid", "shipped", "cancelled", "refunded")


def cents(x: np.ndarray) -> np.ndarray:
    """Round half-up to cents, robust to binary representation (2 × 20.05 × 0.95 is 38.10, not 38.09)."""
    return np.floor(np.asarray(x) * 100.0 + 0.5 + 1e-6) / 100.0


def sql_time(cfg: Config, seconds: np.ndarray) -> np.ndarray:
    return iso(cfg.start, seconds, sep=" ", zulu=False)


@dataclass(frozen=True)
class Catalog:
    """The product catalogue (prices in USD)."""

    sku: list[str]
    name: list[str]
    category: list[str]
    price: np.ndarray
    popularity: np.ndarray  # order-line weights of the regular (non-solution) products


def catalog(cfg: Config) -> Catalog:
    rng = stream(cfg.seed, "products")
    price = np.round(np.clip(rng.lognormal(np.log(45.0), 0.9, N_PRODUCTS), 2.0, 2_500.0), 2)
    price[:N_DEAL_PRODUCTS] = 1_000.0
    words = rng.integers(0, len(PRODUCT_WORDS), N_PRODUCTS)
    nouns = rng.integers(0, len(PRODUCT_NOUNS), N_PRODUCTS)
    category = [CATEGORIES[i] for i in rng.integers(0, len(CATEGORIES), N_PRODUCTS)]
    category[:N_DEAL_PRODUCTS] = ["solutions"] * N_DEAL_PRODUCTS
    weights = 1.0 / np.arange(1, N_PRODUCTS - N_DEAL_PRODUCTS + 1) ** 0.8
    return Catalog(
        sku=[f"SKU-{i + 1:05d}" for i in range(N_PRODUCTS)],
        name=[f"{PRODUCT_WORDS[w]} {PRODUCT_NOUNS[n]} {i + 1}" for i, (w, n) in enumerate(zip(words, nouns))],
        category=category,
        price=price,
        popularity=weights / weights.sum(),
    )


@dataclass
class DayPlan:
    """The cheap part of a day's orders (drawn from its own stream): who kind, when, how many lines."""

    group: np.ndarray  # 0 fulfils a won deal, 1 repeat order of a CRM customer, 2 web-shop order
    time: np.ndarray
    lines: np.ndarray
    deal: np.ndarray  # deal key for group 0, else -1
    web_new: np.ndarray  # web-shop order by a first-time customer


def plan_day(cfg: Config, crm: Crm, won_by_day: dict[int, np.ndarray], day: int) -> DayPlan:
    rng = stream(cfg.seed, "order-plan", day)
    factor = float(day_factor(cfg.start, day))
    n_rep = rng.poisson(REPEAT_ORDERS_PER_DAY * cfg.scale * factor)
    n_web = rng.poisson(WEB_ORDERS_PER_DAY * cfg.scale * factor)
    web_new = rng.random(n_web) < WEB_NEW_P
    t_shop = day * DAY + intraday_seconds(rng, n_rep + n_web, mean_hour=14.0, sd_hour=4.0)
    lines_shop = 1 + rng.poisson(2.3, n_rep + n_web)
    deals = won_by_day.get(day, np.zeros(0, dtype=np.int64))
    won_at = crm.deals["won_at"][deals]
    t_deal = np.minimum(won_at + rng.integers(600, 7_200, len(deals)), day * DAY + DAY - 1)
    lines_deal = 1 + rng.integers(0, 3, len(deals))
    group = np.concatenate([np.zeros(len(deals)), np.ones(n_rep), np.full(n_web, 2)]).astype(np.int8)
    time = np.concatenate([t_deal, t_shop])
    order = np.lexsort((np.arange(len(time)), group, time))
    return DayPlan(
        group=group[order],
        time=time[order],
        lines=np.concatenate([lines_deal, lines_shop])[order],
        deal=np.concatenate([deals, np.full(n_rep + n_web, -1)])[order],
        web_new=np.concatenate([np.zeros(len(deals) + n_rep, dtype=bool), web_new])[order],
    )


@dataclass
class Customers:
    """All customers by the cut, numbered 1…n in creation order; account customers come before web ones."""

    columns: dict[str, np.ndarray]  # id, external_crm_id, name, email, country, created_at, updated_at
    day: np.ndarray  # day the row was created/updated (for the append cut)
    account_customer: np.ndarray  # customer id per account key (0 if none yet)
    currency_eur: np.ndarray  # per customer id - 1
    pool_account: tuple[np.ndarray, np.ndarray]  # (ids, day) of CRM customers, sorted
    pool_web: tuple[np.ndarray, np.ndarray]
    first_new_web: np.ndarray  # id of the first new web customer of each day


@dataclass
class Plan:
    """Order/line id offsets per day and the customer table, valid for every day up to the cut."""

    won_by_day: dict[int, np.ndarray]
    first_order: np.ndarray  # (days + 1,) id of a day's first order minus one
    first_line: np.ndarray
    customers: Customers


def build_plan(cfg: Config, crm: Crm, ids: Ids, names: list[str]) -> Plan:
    won = crm.deals["won_at"]
    won_keys = np.flatnonzero((won >= 0) & (won < cfg.cut))
    won_keys = won_keys[np.lexsort((won_keys, won[won_keys]))]
    won_by_day: dict[int, np.ndarray] = {}
    for day, keys in _split(won_keys, won[won_keys] // DAY):
        won_by_day[day] = keys
    first_order = np.zeros(cfg.days + 1, dtype=np.int64)
    first_line = np.zeros(cfg.days + 1, dtype=np.int64)
    web_new_times: list[np.ndarray] = []
    for day in range(cfg.days):
        p = plan_day(cfg, crm, won_by_day, day)
        first_order[day + 1] = first_order[day] + len(p.group)
        first_line[day + 1] = first_line[day] + int(p.lines.sum())
        web_new_times.append(p.time[p.web_new])
    return Plan(won_by_day, first_order, first_line, _customers(cfg, crm, ids, names, web_new_times))


def _split(keys: np.ndarray, day: np.ndarray):
    bounds = np.flatnonzero(np.diff(day)) + 1
    for part in np.split(np.arange(len(keys)), bounds):
        if len(part):
            yield int(day[part[0]]), keys[part]


def _customers(
    cfg: Config, crm: Crm, ids: Ids, names: list[str], web_new_times: list[np.ndarray]
) -> Customers:
    rng = stream(cfg.seed, "web-customers")
    acc = crm.accounts
    akeys = np.flatnonzero(acc["created"] < cfg.cut)
    a_created = acc["created"][akeys]
    a_day = np.where(a_created < 0, -1, a_created // DAY)
    n_web_base = max(1, round(n_base_accounts(cfg) * WEB_BASE_SHARE))
    w_created = np.concatenate([-np.sort(rng.integers(DAY, 700 * DAY, n_web_base))[::-1], *web_new_times])
    w_day = np.where(w_created < 0, -1, w_created // DAY)
    n_a, n_w = len(akeys), len(w_created)
    kind = np.concatenate([np.zeros(n_a), np.ones(n_w)]).astype(np.int8)
    day = np.concatenate([a_day, w_day])
    created = np.concatenate([a_created, w_created])
    order = np.lexsort((np.arange(n_a + n_w), created, kind, day))
    cust_id = np.empty(n_a + n_w, dtype=np.int64)
    cust_id[order] = np.arange(1, n_a + n_w + 1)

    city = np.concatenate([acc["city"][akeys], rng.integers(0, len(ALL_CITIES), n_w)])
    first = rng.integers(0, len(FIRST_NAMES), n_w)
    last = rng.integers(0, len(LAST_NAMES), n_w)
    web_names = [f"{FIRST_NAMES[f]} {LAST_NAMES[s]}" for f, s in zip(first, last)]
    acc_names = [names[c] for c in acc["name"][akeys]]
    slug = [n.split(" ")[0].lower() + "-" + n.split(" ")[1].lower() for n in acc_names]
    emails = [f"billing.{i}@{s}.example" for i, s in zip(cust_id[:n_a], slug)]
    emails += [f"{n.split(' ')[0].lower()}.{i}@mail.example" for i, n in zip(cust_id[n_a:], web_names)]
    updated = np.maximum(created, 0)
    external = np.concatenate([ids.accounts[akeys], np.full(n_w, None, dtype=object)])
    columns = {
        "id": cust_id,
        "external_crm_id": external,
        "name": np.array(acc_names + web_names, dtype=object),
        "email": np.array(emails, dtype=object),
        "country": np.array([ALL_CITIES[c][1] for c in city], dtype=object),
        "created_at": sql_time(cfg, created),
        "updated_at": sql_time(cfg, updated),
    }
    columns = {k: v[order] for k, v in columns.items()}
    account_customer = np.zeros(len(acc["created"]), dtype=np.int64)
    account_customer[akeys] = cust_id[:n_a]
    eur = np.array([c[4] == "EUR" for c in ALL_CITIES])[city][order]
    web_ids = cust_id[n_a:]
    first_new_web = np.zeros(cfg.days, dtype=np.int64)
    offset = n_web_base
    for d, times in enumerate(web_new_times):
        first_new_web[d] = web_ids[offset] if len(times) else 0
        offset += len(times)
    a_sort = np.argsort(cust_id[:n_a], kind="stable")
    w_sort = np.argsort(web_ids, kind="stable")
    return Customers(
        columns=columns,
        day=np.maximum(day, 0)[order],
        account_customer=account_customer,
        currency_eur=eur,
        pool_account=(cust_id[:n_a][a_sort], a_day[a_sort]),
        pool_web=(web_ids[w_sort], w_day[w_sort]),
        first_new_web=first_new_web,
    )


@dataclass
class DayOrders:
    """One day's orders with their state as of the cut, their lines, and refunds made by the cut."""

    orders: dict[str, np.ndarray]
    updated: np.ndarray  # seconds of each order's last change by the cut
    lines: dict[str, np.ndarray]
    refunds: dict[str, np.ndarray]  # order_id, amount, reason, refunded_at, updated_at, t (seconds)


def materialise(
    cfg: Config, crm: Crm, ids: Ids, plan: Plan, cat: Catalog, eur_rate: np.ndarray, day: int
) -> DayOrders:
    """Draw every detail of the orders created on `day` and cut their lives at the end of the last day."""
    p = plan_day(cfg, crm, plan.won_by_day, day)
    rng = stream(cfg.seed, "orders", day)
    n = len(p.group)
    cust = plan.customers
    order_id = plan.first_order[day] + 1 + np.arange(n)

    customer = np.zeros(n, dtype=np.int64)
    is_deal = p.group == 0
    customer[is_deal] = cust.account_customer[crm.deals["account"][p.deal[is_deal]]]
    ids_a, day_a = cust.pool_account
    pool_a = ids_a[: np.searchsorted(day_a, day)]
    rep = p.group == 1
    customer[rep] = planted.repeat_customers(cfg.seed, rng, pool_a, day, int(rep.sum()))
    ids_w, day_w = cust.pool_web
    pool_w = ids_w[: np.searchsorted(day_w, day)]
    old_web = (p.group == 2) & ~p.web_new
    customer[old_web] = pool_w[rng.integers(0, len(pool_w), int(old_web.sum()))]
    customer[p.web_new] = cust.first_new_web[day] + np.arange(int(p.web_new.sum()))
    eur = cust.currency_eur[customer - 1]

    # lines
    line_order = np.repeat(np.arange(n), p.lines)
    m = len(line_order)
    regular = N_DEAL_PRODUCTS + rng.choice(N_PRODUCTS - N_DEAL_PRODUCTS, m, p=cat.popularity)
    solution = rng.integers(0, N_DEAL_PRODUCTS, m)
    line_deal = is_deal[line_order]
    product = np.where(line_deal, solution, regular)
    qty = np.where(line_deal, 1, 1 + rng.poisson(1.2, m))
    discount = np.where(rng.random(m) < 0.75, 0.0, rng.choice([0.05, 0.10, 0.15, 0.20], m))
    discount = np.where(line_deal, 0.0, discount)
    rate = eur_rate[day]
    list_price = np.where(eur[line_order], np.round(cat.price[product] / rate, 2), cat.price[product])
    # a won deal's lines split the deal amount (in the deal's currency) with random weights
    weight = rng.uniform(0.5, 1.5, m)
    deal_amount = np.zeros(n)
    deal_amount[is_deal] = crm.deals["amount"][p.deal[is_deal]]
    share = weight / np.bincount(line_order, weights=weight, minlength=n)[line_order]
    split = np.round(deal_amount[line_order] * share, 2)
    last_of_order = np.r_[line_order[1:] != line_order[:-1], True] if m else np.zeros(0, dtype=bool)
    fix = deal_amount - np.bincount(line_order, weights=split, minlength=n)
    split = np.where(last_of_order, np.round(split + fix[line_order], 2), split)
    unit_price = np.where(line_deal, split, list_price)
    line_amount = cents(qty * unit_price * (1.0 - discount))
    total = np.round(np.bincount(line_order, weights=line_amount, minlength=n), 2)

    # lives: pending → paid → shipped (→ refunded), or cancelled before payment
    cancel = (rng.random(n) < CANCEL_P) & ~is_deal
    t_cancel = p.time + np.clip(rng.exponential(20 * 3_600, n), 600, 3 * DAY).astype(np.int64)
    t_paid = p.time + np.clip(rng.exponential(4 * 3_600, n), 60, 2 * DAY).astype(np.int64)
    t_ship = t_paid + rng.integers(DAY // 2, 5 * DAY, n)
    refund = ~cancel & (rng.random(n) < REFUND_P)
    t_refund = t_ship + rng.integers(3 * DAY, 30 * DAY, n)
    full = rng.random(n) < FULL_REFUND_P
    part = np.round(total * rng.uniform(0.1, 0.6, n), 2)
    reason = rng.integers(0, len(REFUND_REASONS), n)
    created = p.time + rng.integers(0, 120, n)

    cut = cfg.cut
    status = np.zeros(n, dtype=np.int64)
    updated = created.copy()
    paid = ~cancel & (t_paid < cut)
    status[paid], updated[paid] = 1, t_paid[paid]
    shipped = ~cancel & (t_ship < cut)
    status[shipped], updated[shipped] = 2, t_ship[shipped]
    cancelled = cancel & (t_cancel < cut)
    status[cancelled], updated[cancelled] = 3, t_cancel[cancelled]
    refunded = refund & (t_refund < cut)
    updated[refunded] = t_refund[refunded]
    status[refunded & full] = 4

    deal_id = np.full(n, None, dtype=object)
    deal_id[is_deal] = ids.deals[p.deal[is_deal]]
    orders = {
        "id": order_id,
        "order_number": np.array([f"SO-{i:08d}" for i in order_id], dtype=object),
        "customer_id": customer,
        "crm_deal_id": deal_id,
        "status": np.array(STATUS, dtype=object)[status],
        "currency": np.where(eur, "EUR", "USD").astype(object),
        "ordered_at": sql_time(cfg, p.time),
        "created_at": sql_time(cfg, created),
        "updated_at": sql_time(cfg, updated),
    }
    line_created = sql_time(cfg, created[line_order])
    lines = {
        "id": plan.first_line[day] + 1 + np.arange(m),
        "order_id": order_id[line_order],
        "product_id": product + 1,
        "quantity": qty,
        "unit_price": unit_price,
        "discount": discount,
        "line_amount": line_amount,
        "updated_at": line_created,
    }
    r = np.flatnonzero(refunded)
    refunds = {
        "order_id": order_id[r],
        "amount": np.where(full[r], total[r], part[r]),
        "reason": np.array(REFUND_REASONS, dtype=object)[reason[r]],
        "refunded_at": sql_time(cfg, t_refund[r]),
        "updated_at": sql_time(cfg, t_refund[r]),
        "t": t_refund[r],
    }
    return DayOrders(orders=orders, updated=updated, lines=lines, refunds=refunds)
