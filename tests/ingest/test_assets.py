"""The ingest assets in Dagster: their definitions, a range run that replaces its days, and a failing header."""

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.build import failure_lines
from dagster_project.defs.ingest import build_defs
from dagster_project.defs.ingest.resources import ingest_resources
from dagster_project.runs import RANGE_END_TAG, RANGE_START_TAG
from dagster_project.warehouse import WRITER_POOL
from tests.ingest.conftest import ADS, CRM, ORDERS, REFERENCE

RANGE = {RANGE_START_TAG: "2024-12-02", RANGE_END_TAG: "2024-12-04"}


@pytest.fixture
def assets(sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dg.AssetsDefinition]:
    monkeypatch.setenv("KPI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KPI_SOURCES_DIR", str(sources))
    monkeypatch.setenv("KPI_START_DATE", "2024-12-01")
    monkeypatch.delenv("KPI_WAREHOUSE_PATH", raising=False)
    monkeypatch.delenv("KPI_ORDERS_DB_URL", raising=False)
    monkeypatch.delenv("KPI_MAPPINGS_DIR", raising=False)
    # the built assets; the landing folders are specs (observed, not built), checked in their own test
    return [a for a in build_defs().assets if isinstance(a, dg.AssetsDefinition)]


def test_lineage_starts_at_a_landing_spec_per_source(assets) -> None:
    landing = {s.key for s in build_defs().assets if isinstance(s, dg.AssetSpec)}
    assert landing and all(k.path[0] == "landing" for k in landing)
    for definition in assets:
        for key in definition.keys:
            deps = {d for d in definition.asset_deps[key]}
            assert deps & landing, f"{key.to_user_string()} has no landing folder upstream"


def _daily(assets):
    return [a for a in assets if a.partitions_def is not None]


def _materializations(result) -> dict[str, dict]:
    found = {}
    for event in result.get_asset_materialization_events():
        m = event.step_materialization_data.materialization
        found[m.asset_key.path[1]] = {k: v.value for k, v in m.metadata.items()}
    return found


def test_asset_definitions_follow_the_contract(assets) -> None:
    keys = {key.path[1] for a in assets for key in a.keys}
    assert keys == set(CRM + ADS + ORDERS + REFERENCE)
    for definition in assets:
        assert definition.can_subset
        assert definition.op.pool == WRITER_POOL
        for key in definition.keys:
            spec = definition.specs_by_key[key]
            assert key.path[0] == "raw" and spec.group_name == "ingest"
            assert "duckdb" in spec.kinds and spec.owners == ["team:data-engineering"] and spec.description
        if definition.partitions_def is not None:
            assert definition.backfill_policy == dg.BackfillPolicy.single_run()


def test_a_range_run_reports_reconciled_counts_and_replaces_its_days(assets) -> None:
    first = dg.materialize(_daily(assets), resources=ingest_resources(), tags=RANGE)
    assert first.success
    metadata = _materializations(first)
    assert set(metadata) == set(CRM + ADS + ORDERS)
    for table, m in metadata.items():
        assert m["rows_read"] == m["rows_loaded"] + m["rows_quarantined"], table
        assert m["dagster/row_count"] == m["rows_loaded"], table
    warehouse = ingest_resources()["warehouse"].path
    with duckdb.connect(warehouse, read_only=True) as con:
        days = con.execute(
            "select min(_partition_date)::varchar, max(_partition_date)::varchar, "
            "count(distinct _load_id) from raw.crm_leads"
        ).fetchone()
        assert days == ("2024-12-02", "2024-12-04", 1)

    second = dg.materialize(_daily(assets), resources=ingest_resources(), tags=RANGE)
    assert second.success
    again = _materializations(second)
    assert {t: m["dagster/row_count"] for t, m in again.items()} == {
        t: m["dagster/row_count"] for t, m in metadata.items()
    }
    with duckdb.connect(warehouse, read_only=True) as con:
        [(load_id,)] = con.execute("select distinct _load_id from raw.crm_leads").fetchall()
        assert load_id == second.run_id


def test_an_unmappable_header_fails_the_asset_naming_file_and_columns(assets, sources: Path) -> None:
    report = sources / "ads" / "yandex_direct" / "2024-12-03.csv"
    report.write_text(report.read_text().replace("CampaignId", "Campaign", 1))
    ads = next(a for a in assets if raw_table(a) in ADS)
    result = dg.materialize([ads], resources=ingest_resources(), tags=RANGE, raise_on_error=False)
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    message = failure.step_failure_data.error.cause.message if failure.step_failure_data.error.cause else ""
    message += failure.step_failure_data.error.message
    assert "ads/yandex_direct/2024-12-03.csv" in message and "CampaignId" in message


def raw_table(definition: dg.AssetsDefinition) -> str:
    return next(iter(definition.keys)).path[1]


def test_a_bad_mapping_file_fails_only_its_own_source_once_in_one_line(assets, tmp_path: Path) -> None:
    mappings = tmp_path / "data" / "mappings"  # KPI_MAPPINGS_DIR's default under KPI_DATA_DIR
    mappings.mkdir(parents=True)
    (mappings / "pipedrive_deals.yaml").write_text("target_table: crm_deals\nvalues:\n  Deal - Stage: [\n")
    day = {RANGE_START_TAG: "2024-12-02", RANGE_END_TAG: "2024-12-02"}
    result = dg.materialize(_daily(assets), resources=ingest_resources(), tags=day, raise_on_error=False)
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_key == "ingest_crm"
    error = failure.step_failure_data.user_failure_data.description
    assert error.startswith(f"{mappings / 'pipedrive_deals.yaml'}: not valid YAML at line")
    assert "\n" not in error
    assert set(_materializations(result)) == set(ADS + ORDERS)
    # what `kpi build` prints under its FAILED line
    assert failure_lines(result) == [f"ingest_crm: {error}"]
