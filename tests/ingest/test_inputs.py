"""Inputs that are absent, empty, ambiguous or in a real-world shape: an error naming the file and the setting, or
every row read and accounted for; never a silent "no data"."""

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from dagster_project.defs.ingest.landing import InputError
from dagster_project.defs.ingest.load import load_tables

from .conftest import ADS, ORDERS, REFERENCE

DAY = date(2024, 12, 3)
WINDOW = (DAY, DAY)


def _load(warehouse, sources: Path, tmp_path: Path, tables, window=WINDOW, url=None):
    return load_tables(warehouse, tables, window, "t", sources, tmp_path / "no-mappings", url)


@pytest.mark.parametrize("name", ["fx_rates.csv", "kpi_targets.csv", "sales_costs.csv"])
@pytest.mark.parametrize("damage", ["missing", "empty", "header only"])
def test_a_missing_or_empty_reference_file_is_an_error_naming_it(
    sources: Path, warehouse, tmp_path: Path, name: str, damage: str
) -> None:
    path = sources / "reference" / name
    if damage == "missing":
        path.unlink()
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        path.write_text(path.read_text().splitlines()[0] + "\n")

    with pytest.raises(InputError) as failure:
        _load(warehouse, sources, tmp_path, REFERENCE, window=None)

    message = str(failure.value)
    assert f"reference/{name}" in message and "KPI_SOURCES_DIR" in message
    assert (
        warehouse.execute(
            "select count(*) from duckdb_tables() where schema_name = 'raw' and table_name like 'ref_%'"
        ).fetchone()[0]
        == 0
    ), "nothing of the load is kept"


def test_missing_fx_rates_fails_a_load_of_rows_with_currencies(
    sources: Path, warehouse, tmp_path: Path
) -> None:
    (sources / "reference" / "fx_rates.csv").unlink()
    with pytest.raises(InputError, match="reference/fx_rates.csv"):
        _load(warehouse, sources, tmp_path, ["crm_deals"])


@pytest.mark.parametrize("folder", ["crm/deals", "ads/yandex_direct"])
def test_a_missing_source_folder_is_an_error(sources: Path, warehouse, tmp_path: Path, folder: str) -> None:
    target = sources / folder
    for path in sorted(target.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    target.rmdir()
    table = folder.replace("/", "_")
    table = "crm_deals" if table == "crm_deals" else "ads_yandex_direct"

    with pytest.raises(InputError) as failure:
        _load(warehouse, sources, tmp_path, [table])

    assert folder in str(failure.value) and "KPI_SOURCES_DIR" in str(failure.value)


def test_a_source_the_profile_switches_off_may_be_absent(
    sources: Path, warehouse, tmp_path: Path, monkeypatch
) -> None:
    profile = Path("profiles/demo.yaml").read_text().replace("ads: true ", "ads: false")
    (tmp_path / "profile.yaml").write_text(profile)
    monkeypatch.setenv("KPI_PROFILE", str(tmp_path / "profile.yaml"))
    for path in sorted((sources / "ads").rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()

    counts = _load(warehouse, sources, tmp_path, ADS)

    assert all(c.read == 0 for c in counts.values())


def test_missing_orders_database_is_reported_never_created(sources: Path, warehouse, tmp_path: Path) -> None:
    database = sources / "orders" / "orders.sqlite"
    database.unlink()
    url = f"sqlite:///{database}"

    with pytest.raises(InputError) as failure:
        _load(warehouse, sources, tmp_path, ORDERS, url=url)

    message = str(failure.value)
    assert str(database) in message and "KPI_ORDERS_DB_URL" in message and "sources.orders: false" in message
    assert not database.exists(), "the orders database must never be created by a load"


def test_orders_database_is_opened_read_only(sources: Path, warehouse, tmp_path: Path) -> None:
    database = sources / "orders" / "orders.sqlite"
    before = database.read_bytes()
    counts = _load(warehouse, sources, tmp_path, ORDERS, url=f"sqlite:///{database}")
    assert counts["orders_orders"].loaded > 0
    assert database.read_bytes() == before
    assert not list(database.parent.glob("*-journal")) and not list(database.parent.glob("*-wal"))


def test_only_the_days_own_file_is_loaded_and_the_rest_listed(
    sources: Path, warehouse, tmp_path: Path
) -> None:
    report = sources / "ads" / "google_ads" / f"{DAY}.csv"
    lines = report.read_text().splitlines()
    copy = sources / "ads" / "google_ads" / f"{DAY}-old.csv"
    copy.write_text("\n".join([lines[0], *[line.replace(",USD", "0,USD") for line in lines[1:]]]) + "\n")
    (sources / "ads" / "google_ads" / "notes.txt").write_text("hello")

    counts = _load(warehouse, sources, tmp_path, ["ads_google_ads"])

    assert counts["ads_google_ads"].read == len(lines) - 1
    assert counts["ads_google_ads"].files == 1 and counts["ads_google_ads"].ignored == 2
    sources_loaded = warehouse.execute("select distinct _source from raw.ads_google_ads").fetchall()
    assert sources_loaded == [(f"ads/google_ads/{DAY}.csv",)]
    ignored = warehouse.execute("select file, reason from raw._ignored_files order by file").fetchall()
    assert [f for f, _ in ignored] == [f"ads/google_ads/{DAY}-old.csv", "ads/google_ads/notes.txt"]
    assert all("does not match ads/google_ads/{day}.csv" in r for _, r in ignored)


def test_two_files_for_one_day_fail_the_load_naming_both(sources: Path, warehouse, tmp_path: Path) -> None:
    folder = sources / "crm" / "deals" / f"date={DAY}"
    (folder / "part-000 (copy).jsonl").write_bytes((folder / "part-000.jsonl").read_bytes())
    with pytest.raises(InputError) as failure:
        _load(warehouse, sources, tmp_path, ["crm_deals"])
    assert "part-000 (copy).jsonl" in str(failure.value) and "part-000.jsonl" in str(failure.value)


def test_real_world_files_are_read_whole(sources: Path, warehouse, tmp_path: Path) -> None:
    # NDJSON with a byte-order mark
    leads = sources / "crm" / "leads" / f"date={DAY}" / "part-000.jsonl"
    lead_lines = len(leads.read_bytes().splitlines())
    assert lead_lines > 0
    leads.write_bytes(b"\xef\xbb\xbf" + leads.read_bytes())
    # CSV with CR-only line ends, a quoted newline and a field over 131,072 characters
    report = sources / "ads" / "google_ads" / f"{DAY}.csv"
    lines = report.read_text().splitlines()
    first = lines[1].split(",")
    long_name = "x" * 200_000
    extra = [
        ",".join([first[0], "c_newline", '"two\nlines"', "1", "1", "1000", "0", "USD"]),
        ",".join([first[0], "c_long", long_name, "1", "1", "1000", "0", "USD"]),
    ]
    report.write_bytes("\r".join([*lines, *extra]).encode() + b"\r")

    counts = _load(warehouse, sources, tmp_path, ["crm_leads", "ads_google_ads"])

    assert (counts["crm_leads"].read, counts["crm_leads"].quarantined) == (lead_lines, 0)
    google = counts["ads_google_ads"]
    assert (google.read, google.loaded, google.quarantined) == (len(lines) + 1, len(lines) + 1, 0)
    names = dict(
        warehouse.execute(
            "select campaign_id, campaign from raw.ads_google_ads where campaign_id like 'c_%'"
        ).fetchall()
    )
    assert names == {"c_newline": "two\nlines", "c_long": long_name}
    line = warehouse.execute(
        "select _source_line from raw.ads_google_ads where campaign_id = 'c_long'"
    ).fetchone()
    assert line == (len(lines) + 3,), "a record after a quoted newline keeps its physical line number"


def test_a_built_in_format_can_be_read_in_another_encoding(
    sources: Path, warehouse, tmp_path: Path, monkeypatch
) -> None:
    report = sources / "ads" / "yandex_direct" / f"{DAY}.csv"
    lines = report.read_text().splitlines()
    first = lines[1].split(";")
    lines.append(";".join([first[0], "c_cyr", "Поиск кампания", "1", "1", "10,00", first[-1]]))
    report.write_bytes("\n".join(lines).encode("cp1251") + b"\n")
    monkeypatch.setenv("KPI_SOURCE_ENCODINGS", "ads_yandex_direct=cp1251")

    counts = _load(warehouse, sources, tmp_path, ["ads_yandex_direct"])

    assert counts["ads_yandex_direct"].quarantined == 0
    assert warehouse.execute(
        "select campaign_name from raw.ads_yandex_direct where campaign_id = 'c_cyr'"
    ).fetchone() == ("Поиск кампания",)


def test_an_empty_ad_report_in_a_multi_day_load_reads_as_no_rows(
    sources: Path, warehouse, tmp_path: Path
) -> None:
    (sources / "ads" / "meta_ads" / f"{DAY}.csv").write_bytes(b"")
    counts = _load(
        warehouse, sources, tmp_path, ["ads_meta_ads"], window=(date(2024, 12, 1), date(2024, 12, 5))
    )
    assert counts["ads_meta_ads"].files == 5 and counts["ads_meta_ads"].read > 0


@pytest.mark.parametrize("broken", ["ads/meta_ads/{day}.csv", "crm/deals/date={day}"])
def test_an_unreadable_file_or_day_folder_is_an_error_naming_it(
    sources: Path, warehouse, tmp_path: Path, broken: str
) -> None:
    # tests run as root, which reads any file: a dangling link is what cannot be read here
    path = sources / broken.format(day=DAY)
    for child in sorted(path.rglob("*"), reverse=True) if path.is_dir() else []:
        child.unlink()
    path.rmdir() if path.is_dir() else path.unlink()
    path.symlink_to(tmp_path / "gone")
    with pytest.raises(InputError, match=broken.format(day=DAY)):
        _load(warehouse, sources, tmp_path, ["ads_meta_ads", "crm_deals"])


def test_values_that_cannot_be_true_are_quarantined_never_coerced(
    sources: Path, warehouse, tmp_path: Path
) -> None:
    deals = sources / "crm" / "deals" / f"date={DAY}" / "part-000.jsonl"
    base = {
        "lead_id": None,
        "account_id": "acc_000001",
        "owner_id": "usr_0001",
        "name": "x",
        "stage": "new",
        "amount": 100.0,
        "currency": "USD",
        "created_at": "2024-12-03T10:00:00Z",
        "expected_close_date": None,
        "closed_at": None,
        "updated_at": "2024-12-03T10:00:00Z",
    }
    cases = {
        "d_inf": {"amount": "inf"},
        "d_infinity": {"amount": "Infinity"},
        "d_huge": {"amount": "1e309"},
        "d_nan": {"amount": "NaN"},
        "d_1969": {"created_at": "1969-07-20T20:17:00Z"},
        "d_2099": {"closed_at": "2099-01-01T00:00:00Z"},
        "d_bad_ts": {"created_at": "yesterday"},
        "d_ok": {},
    }
    deals.write_text("".join(json.dumps({"id": k, **base, **v}) + "\n" for k, v in cases.items()))
    report = sources / "ads" / "google_ads" / f"{DAY}.csv"
    lines = report.read_text().splitlines()
    first = lines[1].split(",")
    lines.append(",".join([first[0], "c_frac", "frac", "10.5", "1", "1000", "0", "USD"]))
    report.write_text("\n".join(lines) + "\n")

    counts = _load(warehouse, sources, tmp_path, ["crm_deals", "ads_google_ads"])

    assert (counts["crm_deals"].loaded, counts["crm_deals"].quarantined) == (1, len(cases) - 1)
    reasons = dict(
        warehouse.execute(
            "select json_extract_string(raw_text, '$.id'), reason from raw.quarantine where target_table = 'crm_deals'"
        ).fetchall()
    )
    for key in ("d_inf", "d_infinity", "d_nan"):
        assert reasons[key].startswith("not a finite number for amount"), reasons[key]
    assert reasons["d_huge"].startswith(("not a finite number for amount", "wrong type for amount"))
    assert reasons["d_1969"].startswith("implausible date for created_at")
    assert reasons["d_2099"].startswith("implausible date for closed_at")
    assert reasons["d_bad_ts"] == "wrong type for created_at (timestamp): yesterday"
    frac = warehouse.execute(
        "select reason from raw.quarantine where target_table = 'ads_google_ads'"
    ).fetchall()
    assert frac == [("fractional value for impressions (bigint): 10.5",)]
    assert warehouse.execute(
        "select count(*) from raw.ads_google_ads where campaign_id = 'c_frac'"
    ).fetchone() == (0,)


def test_orders_with_updated_at_in_another_form_are_read_and_accounted(
    sources: Path, warehouse, tmp_path: Path
) -> None:
    database = sources / "orders" / "orders.sqlite"
    with sqlite3.connect(database) as db:
        ids = [r[0] for r in db.execute("select id from orders order by id limit 3")]
        db.execute("update orders set updated_at = '2024-12-03T08:00:00Z' where id = ?", [ids[0]])
        db.execute("update orders set updated_at = 1733212800 where id = ?", [ids[1]])  # 2024-12-03 08:00 UTC
        db.execute("update orders set updated_at = 'soon' where id = ?", [ids[2]])
    url = f"sqlite:///{database}"
    with sqlite3.connect(database) as db:
        total = db.execute("select count(*) from orders").fetchone()[0]

    # the whole history in one window accounts for every row of the table
    counts = _load(
        warehouse,
        sources,
        tmp_path,
        ["orders_orders"],
        window=(date(2024, 12, 1), date(2024, 12, 14)),
        url=url,
    )["orders_orders"]

    assert counts.read == total
    loaded = warehouse.execute(
        "select _partition_date from raw.orders_orders where id = ?", [ids[0]]
    ).fetchall()
    assert loaded == [(DAY,)], "an ISO timestamp with T and Z is loaded on its day"
    quarantined = sorted(
        warehouse.execute(
            "select _partition_date, reason from raw.quarantine where target_table = 'orders_orders'"
        ).fetchall()
    )
    assert quarantined == [
        (
            date(2024, 12, 1),
            "wrong type for updated_at (timestamp): soon",
        ),  # no day: with the first partition
        (DAY, "wrong type for updated_at (timestamp): 1733212800"),  # Unix seconds: on the day they name
    ]


def test_a_quarantine_share_over_the_limit_names_the_day_and_top_reasons(
    sources: Path, warehouse, tmp_path: Path
) -> None:
    from dagster_project.defs.quality.quarantine import over_limit

    report = sources / "ads" / "yandex_direct" / f"{DAY}.csv"
    lines = report.read_text().splitlines()
    report.write_bytes("\n".join(lines).encode("cp1251") + "\n;Кампания;1;1;1,0;RUB\n".encode("cp1251"))
    leads = sources / "crm" / "leads" / f"date={DAY}" / "part-000.jsonl"
    leads.write_text(leads.read_text().replace('"status":', '"lead_status":'))
    _load(warehouse, sources, tmp_path, ["ads_yandex_direct", "crm_leads"])

    window = (DAY, date(2024, 12, 4))
    assert over_limit(warehouse, "ads_yandex_direct", window, 0.5) == []  # 1 bad row of several: under 50 %
    [yandex] = over_limit(warehouse, "ads_yandex_direct", window, 0.0)
    assert yandex.startswith(f"raw.ads_yandex_direct on {DAY}: 1 of {len(lines)} rows quarantined")
    assert "not valid utf-8" in yandex and "KPI_SOURCE_ENCODINGS" in yandex
    [leads_day] = over_limit(warehouse, "crm_leads", window, 0.05)
    assert "(100%" in leads_day and "missing required field: status" in leads_day
    assert f"crm/leads/date={DAY}/part-000.jsonl:1" in leads_day


def test_orders_values_arrive_as_the_database_holds_them_across_batches(
    sources: Path, warehouse, tmp_path: Path, monkeypatch
) -> None:
    from dagster_project.defs.ingest import orders

    # Batches of three rows: a column that is NULL throughout the first batch and text later, and a value of
    # another type than its column's, must both arrive (the reader infers nothing from the first batch).
    monkeypatch.setattr(orders, "BATCH_ROWS", 3)
    database = sources / "orders" / "orders.sqlite"
    with sqlite3.connect(database) as db:
        ids = [r[0] for r in db.execute("select id from orders order by id")]
        db.execute("update orders set crm_deal_id = null")
        db.execute("update orders set crm_deal_id = 'd-ü-1' where id = ?", [ids[-1]])
        db.execute("update orders set crm_deal_id = 42.5 where id = ?", [ids[-2]])
        db.execute("update orders set customer_id = 'c''7' where id = ?", [ids[-3]])
        db.execute("update orders set crm_deal_id = '' where id = ?", [ids[-4]])
        window = db.execute(
            "select min(substr(updated_at, 1, 10)), max(substr(updated_at, 1, 10)) from orders"
        )
        first, last = (date.fromisoformat(d) for d in window.fetchone())

    counts = _load(warehouse, sources, tmp_path, ["orders_orders"], (first, last), f"sqlite:///{database}")

    assert counts["orders_orders"].read == len(ids)
    deal_ids = dict(warehouse.execute("select id, crm_deal_id from raw.orders_orders").fetchall())
    assert deal_ids[ids[-1]] == "d-ü-1" and deal_ids[ids[-2]] == "42.5"
    assert deal_ids[ids[-4]] is None  # blank text is no value, as in every other source
    assert sum(v is not None for v in deal_ids.values()) == 2
    assert warehouse.execute(
        "select reason from raw.quarantine where target_table = 'orders_orders'"
    ).fetchall() == [("wrong type for customer_id (bigint): c'7",)]
