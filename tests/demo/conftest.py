"""Demo sources generated once per test session and shared, plus DuckDB views over them."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dagster_project.demo import writer
from dagster_project.demo.model import Config

START = date(2024, 12, 1)
CRM_ENTITIES = ("users", "accounts", "leads", "deals", "deal_stage_events", "activities")


@pytest.fixture(scope="session")
def make_sources(tmp_path_factory):
    """Generate (once) the sources for given arguments and return the folder."""
    made: dict[tuple, Path] = {}

    def make(scale: float = 0.05, seed: int = 7, days: int = 60) -> Path:
        key = (scale, seed, days)
        if key not in made:
            out = tmp_path_factory.mktemp(f"src-{scale}-{seed}-{days}")
            writer.generate(out, Config(scale=scale, seed=seed, start=START, days=days))
            made[key] = out
        return made[key]

    return make


def file_hashes(root: Path, include_sqlite: bool = True) -> dict[str, str]:
    """sha256 of every file under root, by relative path."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and (include_sqlite or p.suffix != ".sqlite")
    }


def table_rows(root: Path) -> dict[str, list[tuple]]:
    """Every orders-database table's rows in id order."""
    with sqlite3.connect(root / "orders" / "orders.sqlite") as db:
        names = [
            r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        ]
        return {n: db.execute(f"SELECT * FROM {n} ORDER BY id").fetchall() for n in names}


def connect(root: Path) -> duckdb.DuckDBPyConnection:
    """DuckDB with views: every CRM version (`<entity>`), the latest version (`<entity>_now`), ads, orders."""
    con = duckdb.connect()
    for e in CRM_ENTITIES:
        con.execute(
            f"CREATE VIEW {e} AS SELECT *, filename AS _file FROM read_json('{root}/crm/{e}/*/part-000.jsonl', "
            "format = 'newline_delimited', filename = true)"
        )
    for e, ts in [
        ("users", "updated_at"),
        ("accounts", "updated_at"),
        ("leads", "updated_at"),
        ("deals", "updated_at"),
    ]:
        con.execute(
            f"CREATE VIEW {e}_now AS SELECT * FROM {e} "
            f"QUALIFY row_number() OVER (PARTITION BY id ORDER BY {ts} DESC) = 1"
        )
    con.execute(f"""CREATE VIEW google AS SELECT * FROM read_csv('{root}/ads/google_ads/*.csv', header = true,
        columns = {{'Day': 'DATE', 'Campaign ID': 'VARCHAR', 'Campaign': 'VARCHAR', 'Impressions': 'BIGINT',
        'Clicks': 'BIGINT', 'Cost (micros)': 'BIGINT', 'Conversions': 'DOUBLE', 'Currency': 'VARCHAR'}})""")
    con.execute(f"""CREATE VIEW meta AS SELECT * FROM read_csv('{root}/ads/meta_ads/*.csv', header = true,
        dateformat = '%d/%m/%Y', columns = {{'date_start': 'DATE', 'campaign_id': 'VARCHAR',
        'campaign_name': 'VARCHAR', 'impressions': 'BIGINT', 'clicks': 'BIGINT', 'spend': 'DOUBLE',
        'account_currency': 'VARCHAR'}})""")
    con.execute(f"""CREATE VIEW yandex AS SELECT * FROM read_csv('{root}/ads/yandex_direct/*.csv', header = true,
        delim = ';', decimal_separator = ',', dateformat = '%d.%m.%Y', columns = {{'Date': 'DATE',
        'CampaignId': 'VARCHAR', 'CampaignName': 'VARCHAR', 'Impressions': 'BIGINT', 'Clicks': 'BIGINT',
        'Cost': 'DOUBLE', 'Currency': 'VARCHAR'}})""")
    for name, rows in table_rows(root).items():
        with sqlite3.connect(root / "orders" / "orders.sqlite") as db:
            cols = [r[1] for r in db.execute(f"PRAGMA table_info({name})")]
        frame = pd.DataFrame(rows, columns=cols)  # noqa: F841 - read by DuckDB's replacement scan
        con.execute(f"CREATE TABLE o_{name} AS SELECT * FROM frame")
    for name in ("fx_rates", "kpi_targets", "sales_costs"):
        con.execute(
            f"CREATE VIEW ref_{name} AS SELECT * FROM read_csv('{root}/reference/{name}.csv', header = true)"
        )
    return con


def scalar(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchone()[0]
