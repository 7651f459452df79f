"""Mapping files: what a bring-your-own export can declare, and how a bad mapping file fails only its own source."""

import shutil
import textwrap
from datetime import date, datetime
from pathlib import Path

import pytest

from dagster_project.defs.ingest.dry_run import dry_run
from dagster_project.defs.ingest.load import load_tables
from dagster_project.defs.ingest.spec import SpecError, load_mappings, mapping_specs
from tests.ingest.library_profile import write_library_profile

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "mappings"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DAY = date(2024, 12, 2)


@pytest.fixture
def mappings(tmp_path: Path) -> Path:
    folder = tmp_path / "mappings"
    folder.mkdir()
    shutil.copy(LIBRARY / "hubspot_deals.yaml", folder)
    return folder


@pytest.fixture
def byo(tmp_path: Path):
    """An empty sources folder with FX rates, and a helper that writes one mapping and its export."""
    sources = tmp_path / "byo-sources"
    (sources / "reference").mkdir(parents=True)
    (sources / "reference" / "fx_rates.csv").write_text(
        "date,currency,rate_to_usd\n2024-12-02,EUR,1.05\n2024-12-02,RUB,0.011\n"
    )
    folder = tmp_path / "byo-mappings"
    folder.mkdir()

    def write(mapping: str, export: str | bytes, name: str = "export") -> tuple[Path, Path]:
        (folder / f"{name}.yaml").write_text(textwrap.dedent(mapping))
        path = sources / "byo" / name / f"{DAY}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        data = export if isinstance(export, bytes) else textwrap.dedent(export).lstrip().encode()
        path.write_bytes(data)
        return sources, folder

    return write


def _rows(warehouse, table: str, columns: str) -> list[tuple]:
    return warehouse.execute(f"select {columns} from raw.{table} order by all").fetchall()


def _quarantine(warehouse) -> list[tuple]:
    return warehouse.execute("select source_line, reason from raw.quarantine order by all").fetchall()


def test_hubspot_export_is_loaded_through_the_mapping(
    sources: Path, warehouse, mappings: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the company's stages are HubSpot's own (the mapping recodes the exported ids to their labels)
    monkeypatch.setenv("KPI_PROFILE", str(write_library_profile(tmp_path / "profile.yaml")))
    shutil.copytree(FIXTURES / "byo", sources / "byo")
    counts = load_tables(warehouse, ["crm_deals"], (DAY, DAY), "byo", sources, mappings)["crm_deals"]
    rows = warehouse.execute(
        "select id, name, stage, amount, currency, created_at, closed_at, updated_at, owner_id, account_id, "
        "_source from raw.crm_deals where id like 'hs_%' order by id"
    ).fetchall()
    assert rows == [
        (
            "hs_9001",
            "Acme Corp, renewal",
            "Closed won",
            12500.5,
            "USD",
            datetime(2024, 11, 20, 9, 15),
            datetime(2024, 12, 2, 16, 40),
            datetime(2024, 12, 2, 16, 40),
            "usr_0003",
            "acc_000010",
            "byo/hubspot_deals/2024-12-02.csv",
        ),
        (
            "hs_9002",
            "Globex pilot",
            "Presentation scheduled",
            4800.0,
            "USD",
            datetime(2024, 12, 1, 10, 0),
            None,
            datetime(2024, 12, 2, 11, 5),
            "usr_0004",
            "acc_000011",
            "byo/hubspot_deals/2024-12-02.csv",
        ),
        # a deal without an amount is kept, as CRMs export them (its amount is unknown, not zero)
        (
            "hs_9003",
            "Initech expansion",
            "Closed lost",
            None,
            "USD",
            datetime(2024, 10, 5, 8, 0),
            datetime(2024, 12, 2, 12, 0),
            datetime(2024, 12, 2, 12, 0),
            "usr_0005",
            "acc_000012",
            "byo/hubspot_deals/2024-12-02.csv",
        ),
    ]
    assert warehouse.execute("select count(*) from raw.quarantine where source like 'byo/%'").fetchone() == (
        0,
    )
    assert counts.read == counts.loaded + counts.quarantined


def test_a_mapping_that_misses_a_required_column_is_rejected(mappings: Path) -> None:
    text = (mappings / "hubspot_deals.yaml").read_text().replace("  Deal Stage: stage\n", "")
    (mappings / "hubspot_deals.yaml").write_text(text)
    [problem] = load_mappings(mappings)[1]
    assert "required columns not mapped: stage" in problem.message
    assert problem.table == "crm_deals"


def test_an_export_whose_header_lost_a_mapped_column_names_it(
    sources: Path, warehouse, mappings: Path
) -> None:
    shutil.copytree(FIXTURES / "byo", sources / "byo")
    export = sources / "byo" / "hubspot_deals" / "2024-12-02.csv"
    export.write_text(export.read_text().replace("Deal Stage", "Stage", 1))
    with pytest.raises(ValueError, match=r"byo/hubspot_deals/2024-12-02.csv.*missing columns: Deal Stage"):
        load_tables(warehouse, ["crm_deals"], (DAY, DAY), "byo", sources, mappings)


# the columns every crm_deals mapping must fill, for the cases that test something else
COMPLETE = (
    "constants: {currency: USD, stage: new}\ncolumns: {Id: id, A: amount, C: [created_at, updated_at]}\n"
)
HEADER_KEYED_VALUES = """\
    target_table: crm_deals
    files: "byo/export/{day}.csv"
    constants: {currency: USD}
    columns: {Id: id, Stage: stage, Amount: amount, Created: [created_at, updated_at]}
    values:
      Stage: {Engaging: qualified}
"""


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (
            HEADER_KEYED_VALUES,
            "values (keyed by the canonical column): 'Stage' is not a column of raw.crm_deals",
        ),
        ("target_table: crm_deals\nfiles: x/{day}.csv\ncolumn: {Id: id}\n", "unknown key column"),
        ("target_table: crm_deal\nfiles: x/{day}.csv\n", "target_table 'crm_deal' is not a raw table"),
        ("target_table: crm_deals\ncolumns: {Id: id\n", "not valid YAML at line"),
        (
            "target_table: crm_deals\nfiles: x/{day}.csv\ncolumns: {Id: idx}\n",
            "'idx' is not a column of raw.crm_deals",
        ),
        (
            "target_table: crm_deals\nfiles: x/{day}.csv\ntimezone: Mars/Olympus\n" + COMPLETE,
            "timezone 'Mars/Olympus' is not an IANA time zone",
        ),
    ],
)
def test_a_bad_mapping_file_is_one_line_naming_the_file_and_the_problem(
    tmp_path: Path, mapping: str, message: str
) -> None:
    (tmp_path / "bad.yaml").write_text(textwrap.dedent(mapping))
    specs, [problem] = load_mappings(tmp_path)
    assert specs == []
    assert problem.table == "crm_deals"  # a misspelt or unreadable target still fails only the CRM's load
    assert problem.message.startswith(f"{tmp_path / 'bad.yaml'}: ")
    assert message in problem.message and "\n" not in problem.message


def test_a_bad_mapping_file_fails_only_the_load_of_its_own_table(
    sources: Path, warehouse, mappings: Path, tmp_path: Path
) -> None:
    (mappings / "broken_meta.yaml").write_text("target_table: ads_meta_ads\ncolumns: [oops\n")
    # the CRM load (with the good HubSpot mapping) is untouched by a broken ads mapping …
    load_tables(warehouse, ["crm_deals"], (DAY, DAY), "byo", sources, mappings)
    # … which fails the load of the table it feeds, with one line naming it
    with pytest.raises(SpecError) as failure:
        load_tables(warehouse, ["ads_google_ads", "ads_meta_ads"], (DAY, DAY), "byo", sources, mappings)
    assert str(failure.value).startswith(str(mappings / "broken_meta.yaml"))
    assert "\n" not in str(failure.value)
    assert [s.name for s in mapping_specs(mappings)] == ["hubspot_deals"]


def test_values_keyed_by_canonical_column_recode_blanks_and_one_column_feeds_two(byo, warehouse) -> None:
    sources, folder = byo(
        """\
        target_table: crm_deals
        files: "byo/export/{day}.csv"
        constants: {currency: USD}
        columns:
          Id: id
          Stage: stage
          Amount: amount
          Created: [created_at, updated_at]
        values:
          stage: {Engaging: qualified, Closed Won: won, "": new}
        """,
        """
        Id,Stage,Amount,Created
        d1,Engaging,10,2024-12-02 10:00
        d2,,20,2024-12-02 11:00
        d3,Closed Won,30,2024-12-02 12:00
        d4,Mystery,40,2024-12-02 13:00
        """,
    )
    load_tables(warehouse, ["crm_deals"], (DAY, DAY), "t", sources, folder)
    assert _rows(warehouse, "crm_deals", "id, stage, created_at = updated_at") == [
        ("d1", "qualified", True),
        ("d2", "new", True),
        ("d3", "won", True),
    ]
    assert _quarantine(warehouse) == [(5, "value not accepted for stage: Mystery")]


def test_per_column_date_formats_and_a_source_time_zone_are_stored_as_utc(byo, warehouse) -> None:
    sources, folder = byo(
        """\
        target_table: crm_deals
        files: "byo/export/{day}.csv"
        delimiter: ";"
        encoding: cp1251
        decimal_comma: true
        timezone: Europe/Moscow
        date_format: "%d.%m.%Y %H:%M:%S"
        constants: {currency: RUB}
        columns:
          ID: id
          Стадия: stage
          Сумма: amount
          Дата создания: created_at
          Дата изменения: updated_at
          Закрыта: {to: closed_at, date_format: ["%d.%m.%Y %H:%M", "%d.%m.%Y"]}
          Срок: {to: expected_close_date, date_format: "%d.%m.%Y"}
        values:
          stage: {Сделка успешна: won, Новая: new}
        """,
        "ID;Стадия;Сумма;Дата создания;Дата изменения;Закрыта;Срок\n"
        "7;Сделка успешна;1\u00a0234,50;01.12.2024 10:00:00;02.12.2024 02:30:00;02.12.2024 02:30;31.12.2024\n"
        "8;Новая;99,00;02.12.2024 09:00:00;02.12.2024 09:00:00;02.12.2024;\n".encode("cp1251"),
    )
    load_tables(warehouse, ["crm_deals"], (DAY, DAY), "t", sources, folder)
    assert _rows(
        warehouse, "crm_deals", "id, stage, amount, created_at, updated_at, closed_at, expected_close_date"
    ) == [
        (
            "7",
            "won",
            1234.5,
            datetime(2024, 12, 1, 7),
            datetime(2024, 12, 1, 23, 30),
            datetime(2024, 12, 1, 23, 30),
            date(2024, 12, 31),
        ),
        (
            "8",
            "new",
            99.0,
            datetime(2024, 12, 2, 6),
            datetime(2024, 12, 2, 6),
            datetime(2024, 12, 1, 21),
            None,
        ),
    ]


def test_finer_rows_are_summed_to_the_reports_grain(byo, warehouse) -> None:
    sources, folder = byo(
        """\
        target_table: ads_meta_ads
        files: "byo/export/{day}.csv"
        constants: {account_currency: USD}
        columns:
          Reporting starts: date_start
          Campaign ID: campaign_id
          Campaign name: campaign_name
          Impressions: impressions
          Link clicks: clicks
          Amount spent (USD): spend
        date_format: "%Y-%m-%d"
        aggregate: {sum: [impressions, clicks, spend]}
        """,
        """
        Reporting starts,Campaign ID,Campaign name,Ad name,Impressions,Link clicks,Amount spent (USD)
        2024-12-02,c1,social_spring,ad a,100,4,10.50
        2024-12-02,c1,social_spring,ad b,50,,2.25
        2024-12-02,c2,social_brand,ad c,70,1,7
        2024-12-02,c2,social_brand,ad d,10,1,lots
        """,
    )
    counts = load_tables(warehouse, ["ads_meta_ads"], (DAY, DAY), "t", sources, folder)["ads_meta_ads"]
    assert _rows(warehouse, "ads_meta_ads", "campaign_id, impressions, clicks, spend, _source_line") == [
        ("c1", 150, 4, 12.75, 2),
        ("c2", 70, 1, 7.0, 4),
    ]
    assert _quarantine(warehouse) == [(5, "wrong type for spend (double): lots")]
    assert (counts.read, counts.loaded, counts.quarantined, counts.aggregated) == (4, 2, 1, 1)


def test_a_column_is_looked_up_from_another_file_by_key(byo, warehouse) -> None:
    sources, folder = byo(
        """\
        target_table: crm_deals
        files: "byo/export/{day}.csv"
        constants: {currency: USD, stage: new}
        columns: {Id: id, Owner: owner_id, Amount: amount, Created: [created_at, updated_at]}
        lookups:
          owner_id: {file: "byo/users/*.csv", key: Full Name, value: User ID}
        """,
        """
        Id,Owner,Amount,Created
        d1,Ada Lovelace,1,2024-12-02 10:00
        d2, Alan Turing ,2,2024-12-02 10:00
        d3,,3,2024-12-02 10:00
        d4,Nobody Known,4,2024-12-02 10:00
        """,
    )
    (sources / "byo" / "users").mkdir()
    (sources / "byo" / "users" / "users.csv").write_text(
        "User ID,Full Name,Email\nusr_0001,Ada Lovelace,a@x\nusr_0002,Alan Turing,t@x\n"
    )
    load_tables(warehouse, ["crm_deals"], (DAY, DAY), "t", sources, folder)
    assert _rows(warehouse, "crm_deals", "id, owner_id") == [
        ("d1", "usr_0001"),
        ("d2", "usr_0002"),
        ("d3", None),
    ]
    assert _quarantine(warehouse) == [
        (5, "not found in lookup file byo/users/*.csv (Full Name) for owner_id: Nobody Known")
    ]


def test_a_duckdb_select_reshapes_what_yaml_cannot_say(byo, warehouse) -> None:
    sources, folder = byo(
        """\
        target_table: ads_google_ads
        files: "byo/export/{day}.csv"
        skip_lines: 2
        columns: {Day: day, Campaign ID: campaign_id, Campaign: campaign, Cost: cost_micros, Currency code: currency}
        query: |
          select * replace (round(try_cast(replace("Cost", ',', '') as double) * 1e6) as "Cost")
          from export
          where "Day" not like 'Total:%'
        """,
        """
        Campaign report
        December 2, 2024 - December 2, 2024
        Day,Campaign ID,Campaign,Currency code,Cost
        2024-12-02,111,search_brand,USD,"1,234.56"
        2024-12-02,222,search_generic,USD,0.10
        2024-12-02,333,search_broken,USD,
        Total: Account,--,--,USD,"1,234.66"
        """,
    )
    load_tables(warehouse, ["ads_google_ads"], (DAY, DAY), "t", sources, folder)
    assert _rows(warehouse, "ads_google_ads", "campaign_id, cost_micros, _source_line") == [
        ("111", 1_234_560_000, 4),
        ("222", 100_000, 5),
    ]
    assert _quarantine(warehouse) == [(6, "missing required field: cost_micros")]


def test_a_query_that_fails_names_the_mapping_and_the_export(byo, warehouse) -> None:
    sources, folder = byo(
        """\
        target_table: ads_google_ads
        files: "byo/export/{day}.csv"
        columns: {Day: day, Campaign ID: campaign_id, Cost: cost_micros, Currency code: currency}
        query: select *, cast("Cost" as double) as wrong from export
        """,
        """
        Day,Campaign ID,Currency code,Cost
        2024-12-02,111,USD,n/a
        """,
    )
    with pytest.raises(
        SpecError, match=r"export.yaml: the query failed on byo/export/2024-12-02.csv: Conversion"
    ):
        load_tables(warehouse, ["ads_google_ads"], (DAY, DAY), "t", sources, folder)


def test_the_dry_run_shows_the_mapped_rows_and_what_would_be_quarantined(byo, warehouse) -> None:
    sources, folder = byo(
        """\
        target_table: crm_deals
        files: "byo/export/{day}.csv"
        constants: {currency: USD}
        columns: {Id: id, Stage: stage, Amount: amount, Created: [created_at, updated_at]}
        """,
        """
        Id,Stage,Amount,Created
        d1,won,10,2024-12-02 10:00
        d2,Engaging,20,2024-12-02 11:00
        d3,won,,2024-12-02 12:00
        """,
    )
    clean, report = dry_run(folder / "export.yaml", None, sources)
    assert not clean
    assert "stage ← Stage" in report and "= won" in report
    assert "1 × value not accepted for stage: Engaging  (line 3)" in report
    assert "accepted: new, qualified, proposal, negotiation, won, lost" in report
    # a deal without an amount loads (its amount is unknown, as CRMs export open deals)
    assert "amount" not in report.split("quarantine")[-1]
    assert report.endswith("read 3 = would load 2 + quarantine 1")
    # the dry run wrote nothing anywhere
    assert warehouse.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw'"
    ).fetchone() == (0,)


def test_kpi_mappings_check_exits_non_zero_with_one_line_for_a_bad_file(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from dagster_project.cli import main

    bad = tmp_path / "bad.yaml"
    bad.write_text("target_table: crm_deals\nfiles: x/{day}.csv\nvalues: {Deal Stage: {a: b}}\n" + COMPLETE)
    result = CliRunner().invoke(main, ["mappings", "check", str(bad)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        (
            f"{bad}: values (keyed by the canonical column): 'Deal Stage' is not a column of raw.crm_deals "
            "(columns: id, lead_id, account_id, owner_id, name, stage, amount, currency, created_at, "
            "expected_close_date, closed_at, updated_at)"
        )
    ]


def test_kpi_mappings_check_reads_a_library_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from dagster_project.cli import main

    monkeypatch.setenv("KPI_SOURCES_DIR", str(LIBRARY / "examples"))
    result = CliRunner().invoke(
        main, ["mappings", "check", str(LIBRARY / "meta_ads_ads.yaml"), "--rows", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "byo/meta_ads/ads_2024-12-03.csv" in result.output  # the newest file the glob matches
    assert result.output.strip().endswith("read 12 = would load 3 + quarantine 0 + aggregated 9")


def test_an_explicit_offset_wins_over_the_source_time_zone(byo, warehouse) -> None:
    sources, folder = byo(
        """\
        target_table: crm_deals
        files: "byo/export/{day}.csv"
        timezone: Asia/Yekaterinburg
        constants: {currency: USD, stage: new}
        columns: {Id: id, Amount: amount, Created: created_at, Updated: updated_at}
        """,
        """
        Id,Amount,Created,Updated
        d1,1,2024-12-02,2024-12-02 10:00:00
        d2,1,2024-12-02T10:00:00Z,2024-12-02 10:00:00+03:00
        """,
    )
    load_tables(warehouse, ["crm_deals"], (DAY, DAY), "t", sources, folder)
    assert _rows(warehouse, "crm_deals", "id, created_at, updated_at") == [
        ("d1", datetime(2024, 12, 1, 19), datetime(2024, 12, 2, 5)),
        ("d2", datetime(2024, 12, 2, 10), datetime(2024, 12, 2, 7)),
    ]


def test_the_dry_run_of_a_sample_kept_outside_the_sources_finds_its_lookup_beside_it(
    byo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KPI_PROFILE", str(write_library_profile(tmp_path / "profile.yaml")))
    sources, _ = byo("target_table: crm_deals\n", "")  # the configured sources: only FX rates (EUR)
    sample = LIBRARY / "examples" / "byo" / "salesforce" / "opportunities_2024-12-05.csv"
    clean, report = dry_run(LIBRARY / "salesforce_opportunities.yaml", sample, sources, rows=1)
    assert clean, report
    assert "owner_id ← Opportunity Owner" in report and "= usr_" in report
    assert report.endswith("read 30 = would load 30 + quarantine 0")
