"""Bring your own export: a HubSpot-style deals CSV lands in raw.crm_deals through a mapping file alone."""

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from dagster_project.defs.ingest.load import load_tables
from dagster_project.defs.ingest.spec import SpecError, mapping_specs

REPO = Path(__file__).resolve().parents[2]
MAPPING = REPO / "data" / "mappings" / "hubspot_deals.yaml"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def mappings(tmp_path: Path) -> Path:
    folder = tmp_path / "mappings"
    folder.mkdir()
    shutil.copy(MAPPING, folder)
    return folder


def test_hubspot_export_is_loaded_through_the_mapping(sources: Path, warehouse, mappings: Path) -> None:
    shutil.copytree(FIXTURES / "byo", sources / "byo")
    day = date(2024, 12, 2)
    counts = load_tables(warehouse, ["crm_deals"], (day, day), "byo", sources, mappings)["crm_deals"]
    rows = warehouse.execute(
        "select id, name, stage, amount, currency, created_at, closed_at, updated_at, owner_id, account_id, "
        "_source from raw.crm_deals where id like 'hs_%' order by id"
    ).fetchall()
    assert rows == [
        ("hs_9001", "Acme Corp, renewal", "won", 12500.5, "USD", datetime(2024, 11, 20, 9, 15),
         datetime(2024, 12, 2, 16, 40), datetime(2024, 12, 2, 16, 40), "usr_0003", "acc_000010",
         "byo/hubspot_deals/2024-12-02.csv"),
        ("hs_9002", "Globex pilot", "proposal", 4800.0, "USD", datetime(2024, 12, 1, 10, 0), None,
         datetime(2024, 12, 2, 11, 5), "usr_0004", "acc_000011", "byo/hubspot_deals/2024-12-02.csv"),
        # a deal without an amount is kept, as CRMs export them (its amount is unknown, not zero)
        ("hs_9003", "Initech expansion", "lost", None, "USD", datetime(2024, 10, 5, 8, 0),
         datetime(2024, 12, 2, 12, 0), datetime(2024, 12, 2, 12, 0), "usr_0005", "acc_000012",
         "byo/hubspot_deals/2024-12-02.csv"),
    ]
    assert warehouse.execute("select count(*) from raw.quarantine where source like 'byo/%'").fetchone() == (0,)
    assert counts.read == counts.loaded + counts.quarantined


def test_a_mapping_that_misses_a_required_column_is_rejected(tmp_path: Path, mappings: Path) -> None:
    text = (mappings / "hubspot_deals.yaml").read_text().replace("  Deal Stage: stage\n", "")
    (mappings / "hubspot_deals.yaml").write_text(text)
    with pytest.raises(SpecError, match="required columns not mapped: stage"):
        mapping_specs(mappings)


def test_an_export_whose_header_lost_a_mapped_column_names_it(sources: Path, warehouse, mappings: Path) -> None:
    shutil.copytree(FIXTURES / "byo", sources / "byo")
    export = sources / "byo" / "hubspot_deals" / "2024-12-02.csv"
    export.write_text(export.read_text().replace("Deal Stage", "Stage", 1))
    day = date(2024, 12, 2)
    with pytest.raises(ValueError, match=r"byo/hubspot_deals/2024-12-02.csv.*missing columns: Deal Stage"):
        load_tables(warehouse, ["crm_deals"], (day, day), "byo", sources, mappings)
