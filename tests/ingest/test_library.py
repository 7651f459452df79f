"""Every shipped mapping, end to end: its sample export through ingest and dbt to the marts, in one shared build."""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dagster_project.defs.profile.tables import write_profile_tables
from dagster_project.demo import writer
from dagster_project.demo.model import Config
from dagster_project.profile import load_profile
from tests.ingest.library_profile import write_library_profile
from tests.transform.dbt_runner import run_dbt
from tests.transform.ingest_loader import load_raw

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "mappings"
SAMPLES = LIBRARY / "examples" / "byo"
START, END = date(2024, 12, 1), date(2024, 12, 14)


def _read(path: Path, delimiter: str = ",", encoding: str = "utf-8-sig", skip: int = 0) -> list[dict]:
    """A sample export read with the csv module alone, independently of the loader."""
    with open(path, encoding=encoding, newline="") as handle:
        for _ in range(skip):
            handle.readline()
        return list(csv.DictReader(handle, delimiter=delimiter))


def _number(text: str) -> float:
    return float(text.replace(",", "").replace(" ", ""))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    """Demo sources plus every sample export, with every library mapping active, built by ingest and dbt.

    The company profile's stages are the CRMs' own (mappings/stages/): no sample is relabelled to the demo's.
    """
    root = tmp_path_factory.mktemp("library")
    profile = write_library_profile(root / "profile.yaml")
    sources, data = root / "sources", root / "data"
    writer.generate(sources, Config(scale=0.03, seed=11, start=START, days=(END - START).days + 1))
    shutil.copytree(SAMPLES, sources / "byo")
    (data / "mappings").mkdir(parents=True)
    for mapping in LIBRARY.glob("*.yaml"):
        shutil.copy(mapping, data / "mappings")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("KPI_PROFILE", str(profile))
        warehouse = load_raw(sources, data, START, END)
    with duckdb.connect(str(warehouse)) as con:
        write_profile_tables(con, load_profile(profile))
    run_dbt(
        ["build", "--full-refresh", "--exclude", "resource_type:unit_test"],
        warehouse=warehouse,
        target_path=root / "target",
    )
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con
    con.close()


def _deals(con, ids: list[str]) -> dict[str, tuple]:
    rows = con.execute(
        "select deal_id, stage, is_won, is_lost, amount, currency, rep_id from marts.fct_deals "
        "where deal_id in (select unnest(?))",
        [ids],
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_no_sample_row_is_quarantined(built) -> None:
    assert (
        built.execute(
            "select source, source_line, reason from raw.quarantine where source like 'byo/%'"
        ).fetchall()
        == []
    )


def test_salesforce_snapshots_leave_one_row_per_opportunity_at_its_newest_version(built) -> None:
    first = _read(SAMPLES / "salesforce" / "opportunities_2024-12-05.csv")
    last = _read(SAMPLES / "salesforce" / "opportunities_2024-12-12.csv")
    owners = {u["Full Name"]: u["User ID"] for u in _read(SAMPLES / "salesforce" / "users.csv")}
    # raw keeps both full snapshots; staging and the marts show each opportunity once
    assert built.execute(
        "select count(*) from raw.crm_deals where _source like 'byo/salesforce/%'"
    ).fetchone() == (len(first) + len(last),)
    deals = _deals(built, [o["Opportunity ID"] for o in last])
    assert len(deals) == len(last)
    changed = [o for o, before in zip(last, first) if o["Stage"] != before["Stage"]]
    assert changed, "the second snapshot moves some opportunities on"
    for o in last:
        stage, is_won, is_lost, amount, currency, rep = deals[o["Opportunity ID"]]
        assert stage == o["Stage"]  # Salesforce's own stage names are the company's
        assert (is_won, is_lost) == (o["Stage"] == "Closed Won", o["Stage"] == "Closed Lost"), o
        assert (amount, currency, rep) == (
            _number(o["Amount"]),
            o["Opportunity Currency"],
            owners[o["Opportunity Owner"]],
        )


@pytest.mark.parametrize(
    ("folder", "read", "key", "outcome", "won", "lost", "amount", "owner", "owner_file"),
    [
        (
            "hubspot_deals",
            {},
            "Record ID",
            "Deal Stage",
            "closedwon",
            "closedlost",
            "Amount",
            "Deal owner ID",
            None,
        ),
        (
            "pipedrive",
            {},
            "Deal - ID",
            "Deal - Status",
            "won",
            "lost",
            "Deal - Value",
            "Deal - Owner",
            ("Name", "Owner ID"),
        ),
        (
            "amocrm",
            {"delimiter": ";"},
            "ID",
            "Этап сделки",
            "Успешно реализовано",
            "Закрыто и не реализовано",
            "Бюджет",
            "Ответственный",
            ("Пользователь", "ID"),
        ),
        (
            "bitrix24",
            {"delimiter": ";", "encoding": "cp1251"},
            "ID",
            "Стадия сделки",
            "Сделка успешна",
            "Сделка провалена",
            "Сумма",
            "Ответственный",
            ("Сотрудник", "Код"),
        ),
    ],
)
def test_crm_samples_reach_the_deals_mart(
    built, folder, read, key, outcome, won, lost, amount, owner, owner_file
) -> None:
    [export] = [p for p in (SAMPLES / folder).glob("*.csv") if p.name != "users.csv"]
    rows = _read(export, **read)
    owners = {}
    if owner_file:
        owners = {u[owner_file[0]]: u[owner_file[1]] for u in _read(SAMPLES / folder / "users.csv")}
    deals = _deals(built, [r[key] for r in rows])
    assert len(deals) == len(rows)
    for r in rows:
        stage, is_won, is_lost, value, _, rep = deals[r[key]]
        assert (is_won, is_lost) == (r[outcome] == won, r[outcome] == lost), r
        if folder in ("amocrm", "bitrix24"):
            assert stage == r[outcome]  # the Russian stage names survive as the company's
        assert value == pytest.approx(_number(r[amount].replace(",", ".")))  # no sample groups thousands
        assert rep == owners.get(r[owner], r[owner])


def test_ad_samples_reach_the_spend_mart_per_campaign_and_day(built) -> None:
    expected: dict[tuple, float] = defaultdict(float)
    for path in (SAMPLES / "google_ads").glob("*.csv"):
        for r in _read(path, skip=2):
            if not r["Day"].startswith("Total:"):
                expected["google_ads", r["Campaign ID"], r["Day"]] += _number(r["Cost"])
    for path in (SAMPLES / "meta_ads").glob("*.csv"):
        for r in _read(path):  # one row per ad: the mart has one per campaign and day
            expected["meta_ads", r["Campaign ID"], r["Reporting starts"]] += _number(r["Amount spent (USD)"])
    for path in (SAMPLES / "yandex_direct").glob("*.tsv"):
        for r in _read(path, delimiter="\t", skip=1):
            if not r["Date"].startswith("Total rows"):
                expected["yandex_direct", r["CampaignId"], r["Date"]] += int(r["Cost"]) / 1_000_000
    found = built.execute(
        "select platform, campaign_id, cast(spend_date as varchar), spend * (1 + vat_rate) "
        "from marts.fct_ad_spend join staging.stg_profile__ad_platforms using (platform) where campaign_id in (select unnest(?))",
        [sorted({k[1] for k in expected})],
    ).fetchall()
    assert {(p, c, d): pytest.approx(round(s, 6)) for p, c, d, s in found} == {
        k: pytest.approx(round(v, 6)) for k, v in expected.items()
    }
