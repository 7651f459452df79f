"""Writing the demo sources folder: a full history, or the next day appended to an existing one."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import numpy as np
from tqdm import tqdm

from dagster_project.demo import crm as crm_records
from dagster_project.demo import orders as orders_db
from dagster_project.demo import reference
from dagster_project.demo.ads import PLATFORMS, build_campaigns, report_csv
from dagster_project.demo.funnel import simulate
from dagster_project.demo.model import DAY, Config, DemoDataError
from dagster_project.demo.org import build_org

MANIFEST = ".demo-data.json"
OWNED = ("crm", "ads", "orders", "reference")
DAY_DIR = re.compile(r"^date=(\d{4}-\d{2}-\d{2})$")
AD_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.csv$")

SCHEMA = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, external_crm_id TEXT, name TEXT NOT NULL, email TEXT,
    country TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE products (id INTEGER PRIMARY KEY, sku TEXT NOT NULL, name TEXT NOT NULL, category TEXT,
    unit_price REAL NOT NULL, currency TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, order_number TEXT NOT NULL, customer_id INTEGER NOT NULL
    REFERENCES customers (id), crm_deal_id TEXT, status TEXT NOT NULL, currency TEXT NOT NULL,
    ordered_at TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE order_lines (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders (id),
    product_id INTEGER NOT NULL REFERENCES products (id), quantity INTEGER NOT NULL, unit_price REAL NOT NULL,
    discount REAL NOT NULL, line_amount REAL NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE refunds (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders (id),
    amount REAL NOT NULL, reason TEXT, refunded_at TEXT NOT NULL, updated_at TEXT NOT NULL);
"""
INDEXES = """
CREATE INDEX customers_updated_at ON customers (updated_at);
CREATE INDEX products_updated_at ON products (updated_at);
CREATE INDEX orders_updated_at ON orders (updated_at);
CREATE INDEX order_lines_updated_at ON order_lines (updated_at);
CREATE INDEX order_lines_order_id ON order_lines (order_id);
CREATE INDEX refunds_updated_at ON refunds (updated_at);
"""
ORDER_COLS = (
    "id",
    "order_number",
    "customer_id",
    "crm_deal_id",
    "status",
    "currency",
    "ordered_at",
    "created_at",
    "updated_at",
)
LINE_COLS = (
    "id",
    "order_id",
    "product_id",
    "quantity",
    "unit_price",
    "discount",
    "line_amount",
    "updated_at",
)
REFUND_COLS = ("id", "order_id", "amount", "reason", "refunded_at", "updated_at")
CUSTOMER_COLS = ("id", "external_crm_id", "name", "email", "country", "created_at", "updated_at")


@dataclass
class Written:
    """What a run wrote: rows per table and the days covered."""

    first_day: date
    last_day: date
    rows: Counter

    def as_dict(self) -> dict:
        out = asdict(self)
        out["first_day"], out["last_day"] = self.first_day.isoformat(), self.last_day.isoformat()
        out["rows"] = dict(sorted(self.rows.items()))
        return out


class World:
    """Everything simulated for one configuration, shared by the writers."""

    def __init__(self, cfg: Config, progress: bool = False) -> None:
        self.cfg = cfg
        self.org = build_org(cfg)
        self.campaigns = build_campaigns(cfg)
        self.crm = simulate(cfg, self.org, self.campaigns, progress)
        self.ids = crm_records.assign_ids(cfg, self.crm)
        self.tables = crm_records.tables(cfg, self.org, self.campaigns, self.crm, self.ids)
        self.fx = reference.fx_rates(cfg)
        self.catalog = orders_db.catalog(cfg)
        self.plan = orders_db.build_plan(cfg, self.crm, self.ids, self.crm.names)


def generate(out: Path, cfg: Config, progress: bool = False) -> Written:
    """Write `cfg.days` days of every source into `out` (replacing an earlier demo run there)."""
    out = Path(out)
    _claim(out)
    world = World(cfg, progress)
    written = Written(cfg.start, cfg.last_day, Counter())
    for day in tqdm(range(cfg.days), desc="crm+ads", disable=not progress, unit="day"):
        _write_day(out, world, day, written.rows)
    _write_orders(out, world, range(cfg.days), written.rows, progress)
    _write_reference(out, world, written.rows)
    _write_manifest(out, cfg)
    return written


def append_day(out: Path, scale: float, seed: int, start: date, progress: bool = False) -> Written:
    """Write only the day after the last one present in `out`, updating the orders database in place."""
    out = Path(out)
    manifest = _read_manifest(out)
    asked = {"scale": scale, "seed": seed, "start": start.isoformat()}
    if {k: manifest.get(k) for k in asked} != asked:
        raise DemoDataError(
            f"{out} was generated with {manifest}, not {asked}: use the same --scale/--seed/--start"
        )
    last = _last_day(out)
    if last < start:
        raise DemoDataError(f"{out}: last day {last} is before --start {start}")
    cfg = Config(scale=scale, seed=seed, start=start, days=(last - start).days + 2)
    world = World(cfg, progress)
    day = cfg.days - 1
    written = Written(cfg.last_day, cfg.last_day, Counter())
    _write_day(out, world, day, written.rows)
    _update_orders(out, world, day, written.rows)
    _write_reference(out, world, written.rows)
    _write_manifest(out, cfg)
    return written


def _claim(out: Path) -> None:
    """Refuse to write into a folder that holds anything but an earlier demo run; clear an earlier run."""
    if out.exists() and any(out.iterdir()):
        if not (out / MANIFEST).exists():
            raise DemoDataError(f"{out} is not empty and holds no {MANIFEST}: refusing to overwrite it")
        for name in OWNED:
            shutil.rmtree(out / name, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)


def _write_manifest(out: Path, cfg: Config) -> None:
    data = {"scale": cfg.scale, "seed": cfg.seed, "start": cfg.start.isoformat(), "days": cfg.days}
    (out / MANIFEST).write_text(json.dumps(data, indent=1) + "\n")


def _read_manifest(out: Path) -> dict:
    path = out / MANIFEST
    if not path.exists():
        raise DemoDataError(f"{out} holds no {MANIFEST}: generate a history first (without --append-day)")
    return json.loads(path.read_text())


def _last_day(out: Path) -> date:
    """The newest day that has a CRM or ad file."""
    days = [m.group(1) for p in (out / "crm").glob("*/*") if (m := DAY_DIR.match(p.name))]
    days += [m.group(1) for p in (out / "ads").glob("*/*") if (m := AD_FILE.match(p.name))]
    if not days:
        raise DemoDataError(f"{out} holds no CRM or ad files to append to")
    return date.fromisoformat(max(days))


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


def _write_day(out: Path, world: World, day: int, rows: Counter) -> None:
    """One day's CRM NDJSON files (one per entity, empty if nothing changed) and ad reports."""
    cfg = world.cfg
    when = cfg.day(day)
    for entity in crm_records.ENTITIES:
        lines = world.tables[entity].rows(day)
        rows[f"crm/{entity}"] += len(lines)
        _write_text(
            out / "crm" / entity / f"date={when.isoformat()}" / "part-000.jsonl",
            "".join(line + "\n" for line in lines),
        )
    spend = world.crm.spend[day]
    leads = world.crm.paid_leads[day]
    for platform in PLATFORMS:
        text = report_csv(
            platform, world.campaigns, when, spend, leads, world.fx["EUR"][day], world.fx["RUB"][day]
        )
        rows[f"ads/{platform}"] += text.count("\n") - 1
        _write_text(out / "ads" / platform / f"{when.isoformat()}.csv", text)


def _write_reference(out: Path, world: World, rows: Counter) -> None:
    cfg, org, campaigns = world.cfg, world.org, world.campaigns
    files = {
        "fx_rates.csv": reference.fx_csv(cfg, world.fx),
        "kpi_targets.csv": reference.targets_csv(cfg, org, campaigns),
        "sales_costs.csv": reference.sales_costs_csv(cfg, org, campaigns),
    }
    for name, text in files.items():
        _write_text(out / "reference" / name, text)
        rows[f"reference/{name}"] += text.count("\n") - 1


def _tuples(
    cols: dict[str, np.ndarray], names: tuple[str, ...], rows: np.ndarray | None = None
) -> list[tuple]:
    picked = [cols[n] if rows is None else cols[n][rows] for n in names]
    return list(zip(*(p.tolist() for p in picked)))


def _products(world: World) -> list[tuple]:
    cat, stamp = world.catalog, f"{world.cfg.start.isoformat()} 00:00:00"
    return [
        (i + 1, cat.sku[i], cat.name[i], cat.category[i], float(cat.price[i]), "USD", stamp)
        for i in range(len(cat.sku))
    ]


def _insert(
    db: sqlite3.Connection, table: str, names: tuple[str, ...], values: list[tuple], replace=False
) -> None:
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    marks = ",".join("?" * len(names))
    db.executemany(f"{verb} INTO {table} ({','.join(names)}) VALUES ({marks})", values)


def _open_fresh(path: Path) -> sqlite3.Connection:
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    # a fixed page size and no journal: the same inserts in the same order give the same bytes
    db.execute("PRAGMA page_size = 4096")
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    return db


def _finish(db: sqlite3.Connection, tmp: Path, final: Path) -> None:
    db.execute("VACUUM")
    db.close()
    os.replace(tmp, final)


def _write_orders(out: Path, world: World, days: range, rows: Counter, progress: bool) -> None:
    """Build the orders database from scratch as of the cut, rows in id order, then VACUUM."""
    final = out / "orders" / "orders.sqlite"
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_suffix(".sqlite.tmp")
    db = _open_fresh(tmp)
    db.executescript(SCHEMA)
    db.execute("BEGIN")
    _insert(
        db,
        "products",
        ("id", "sku", "name", "category", "unit_price", "currency", "updated_at"),
        _products(world),
    )
    customers = world.plan.customers.columns
    _insert(db, "customers", CUSTOMER_COLS, _tuples(customers, CUSTOMER_COLS))
    refunds = []
    for day in tqdm(days, desc="orders", disable=not progress, unit="day"):
        d = orders_db.materialise(
            world.cfg, world.crm, world.ids, world.plan, world.catalog, world.fx["EUR"], day
        )
        _insert(db, "orders", ORDER_COLS, _tuples(d.orders, ORDER_COLS))
        _insert(db, "order_lines", LINE_COLS, _tuples(d.lines, LINE_COLS))
        rows["orders/orders"] += len(d.orders["id"])
        rows["orders/order_lines"] += len(d.lines["id"])
        refunds.append(d.refunds)
    merged = {k: np.concatenate([r[k] for r in refunds]) for k in refunds[0]} if refunds else {}
    if merged:
        order = np.lexsort((merged["order_id"], merged["t"]))
        merged = {k: v[order] for k, v in merged.items()}
        merged["id"] = np.arange(1, len(order) + 1)
        _insert(db, "refunds", REFUND_COLS, _tuples(merged, REFUND_COLS))
        rows["orders/refunds"] += len(order)
    rows["orders/customers"] += len(customers["id"])
    rows["orders/products"] += len(world.catalog.sku)
    db.execute("COMMIT")
    db.executescript(INDEXES)
    _finish(db, tmp, final)


def _update_orders(out: Path, world: World, day: int, rows: Counter) -> None:
    """Apply one day's changes to the orders database: new rows and rows whose updated_at falls on that day."""
    final = out / "orders" / "orders.sqlite"
    tmp = final.with_suffix(".sqlite.tmp")
    shutil.copyfile(final, tmp)
    db = sqlite3.connect(tmp, isolation_level=None)
    plan = world.plan
    have = db.execute("SELECT coalesce(max(id), 0) FROM orders").fetchone()[0]
    if have != plan.first_order[day]:
        db.close()
        tmp.unlink()
        raise DemoDataError(
            f"{final} holds {have} orders, expected {plan.first_order[day]} before {world.cfg.day(day)}:"
            " it was not generated with these arguments"
        )
    db.execute("BEGIN")
    cust = plan.customers
    new_customers = np.flatnonzero(cust.day == day)
    _insert(db, "customers", CUSTOMER_COLS, _tuples(cust.columns, CUSTOMER_COLS, new_customers))
    rows["orders/customers"] += len(new_customers)
    refunds = []
    for d in range(max(0, day - orders_db.ORDER_LIFE_DAYS), day + 1):
        o = orders_db.materialise(world.cfg, world.crm, world.ids, plan, world.catalog, world.fx["EUR"], d)
        changed = np.flatnonzero(o.updated // DAY == day)
        _insert(db, "orders", ORDER_COLS, _tuples(o.orders, ORDER_COLS, changed), replace=True)
        rows["orders/orders"] += len(changed)
        if d == day:
            _insert(db, "order_lines", LINE_COLS, _tuples(o.lines, LINE_COLS))
            rows["orders/order_lines"] += len(o.lines["id"])
        today = o.refunds["t"] // DAY == day
        refunds.append({k: v[today] for k, v in o.refunds.items()})
    merged = {k: np.concatenate([r[k] for r in refunds]) for k in refunds[0]}
    order = np.lexsort((merged["order_id"], merged["t"]))
    merged = {k: v[order] for k, v in merged.items()}
    first = db.execute("SELECT coalesce(max(id), 0) FROM refunds").fetchone()[0] + 1
    merged["id"] = np.arange(first, first + len(order))
    _insert(db, "refunds", REFUND_COLS, _tuples(merged, REFUND_COLS))
    rows["orders/refunds"] += len(order)
    db.execute("COMMIT")
    _finish(db, tmp, final)
