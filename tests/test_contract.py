"""The data contract (format specs + company profile) is the one statement of the rules: the generated GX suites
say exactly what it says, for the demo profile and for a company shaped differently."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dagster_project.contract import raw_contract
from dagster_project.defs.quality.suites.raw import raw_suites
from dagster_project.environment import REPO_ROOT
from dagster_project.profile import ProfileError, parse_profile

FORMATS = REPO_ROOT / "dagster_project" / "defs" / "ingest" / "formats"
DEMO = REPO_ROOT / "profiles" / "demo.yaml"
LINEAGE = {"_partition_date", "_source", "_load_id", "_loaded_at"}


def _profile_data() -> dict:
    return yaml.safe_load(DEMO.read_text())


def _other_company() -> dict:
    """A company with its own stages and channels, no orders, no activities and one ad platform."""
    return _profile_data() | {
        "reporting_currency": "USD",
        "sources": {"orders": False, "ads": True, "activities": False, "stage_history": False},
        "revenue_basis": "won_deals",
        "lead_channels": {
            "channels": ["web", "partners"],
            "sources": {"website": "web", "partner": "partners"},
        },
        "deal_stages": [
            {"name": "Discovery", "outcome": "open"},
            {"name": "Demo", "outcome": "open"},
            {"name": "Closed Won", "outcome": "won"},
            {"name": "Closed Lost", "outcome": "lost"},
        ],
        "ad_platforms": {"meta_ads": {"vat_rate": 0.0}},
    }


def _expected_rules(table_yaml: dict, profile_yaml: dict) -> set[tuple]:
    """The row rules of one format file read straight from the YAML, lists taken from the profile YAML."""
    registry = yaml.safe_load((REPO_ROOT / "dbt_project" / "dbt_project.yml").read_text())["vars"]["kpis"]
    lists = {"deal_stages": tuple(s["name"] for s in profile_yaml["deal_stages"]), "kpis": tuple(registry)}
    rules = set()
    for name, column in table_yaml["columns"].items():
        column = column or {}
        if column.get("required"):
            rules.add(("expect_column_values_to_not_be_null", name, None))
        if "min" in column:
            rules.add(("expect_column_values_to_be_between", name, float(column["min"])))
        accepted = column.get("accepted") or lists.get(column.get("accepted_from"))
        if accepted:
            rules.add(("expect_column_values_to_be_in_set", name, tuple(sorted(accepted))))
    return rules


def _generated_rules(specs) -> set[tuple]:
    values = next(s for s in specs if s.name == "values")
    rules = set()
    for e in values.expectations():
        column = e.column
        if column in LINEAGE:
            continue
        if e.expectation_type == "expect_column_values_to_be_in_set":
            rules.add((e.expectation_type, column, tuple(sorted(e.value_set))))
        elif e.expectation_type == "expect_column_values_to_be_between":
            rules.add((e.expectation_type, column, float(e.min_value)))
        else:
            rules.add((e.expectation_type, column, None))
    return rules


def _schema_columns(specs) -> list[str]:
    return next(s for s in specs if s.name == "schema").params["columns"]


@pytest.mark.parametrize("company", [_profile_data, _other_company], ids=["demo", "other"])
def test_generated_gx_rules_equal_the_contract(company, tmp_path: Path):
    profile_yaml = company()
    profile = parse_profile(profile_yaml, tmp_path / "profile.yaml")
    suites = raw_suites(profile)
    formats = {p.stem: yaml.safe_load(p.read_text()) for p in FORMATS.glob("*.yaml")}
    fed = {f["target_table"] for f in formats.values() if profile.table_enabled(f["target_table"])}
    assert set(suites) == fed
    for table_yaml in formats.values():
        table = table_yaml["target_table"]
        if table not in fed:
            continue
        assert _generated_rules(suites[table]) == _expected_rules(table_yaml, profile_yaml), table
        assert set(_schema_columns(suites[table])) == set(table_yaml["columns"]) | LINEAGE | {"_source_line"}


def test_a_company_without_orders_or_activities_has_no_checks_on_them(tmp_path: Path):
    suites = raw_suites(parse_profile(_other_company(), tmp_path / "p.yaml"))
    assert not [t for t in suites if t.startswith("orders_")]
    assert "crm_activities" not in suites and "crm_deal_stage_events" not in suites
    assert [t for t in suites if t.startswith("ads_")] == ["ads_meta_ads"]


def test_the_stage_rule_ingest_applies_is_the_profiles(tmp_path: Path):
    contract = raw_contract(parse_profile(_other_company(), tmp_path / "p.yaml"))
    stage = contract["crm_deals"].column("stage")
    assert stage.accepted == ("Discovery", "Demo", "Closed Won", "Closed Lost")
    assert not contract["crm_deals"].column("amount").required
    assert not contract["crm_leads"].column("source_channel").accepted


def test_no_generated_check_names_demo_vocabulary(tmp_path: Path):
    """Nothing in the checks of a differently shaped company mentions the demo's regions, teams or stages."""
    suites = raw_suites(parse_profile(_other_company(), tmp_path / "p.yaml"))
    text = repr([e.configuration for specs in suites.values() for s in specs for e in s.expectations()])
    for word in (
        "North",
        "Central",
        "South",
        "team_\\\\d",
        "team_0",
        "negotiation",
        "paid_search",
        "EUR",
        "acc_",
    ):
        assert word not in text, word


def test_an_ad_platform_without_a_report_format_is_named(tmp_path: Path):
    data = _profile_data() | {"ad_platforms": {"tiktok_ads": {"vat_rate": 0.0}}}
    with pytest.raises(ProfileError, match=r"ad_platforms.tiktok_ads: no report format raw.ads_tiktok_ads"):
        raw_contract(parse_profile(data, tmp_path / "p.yaml"))


# dbt accepted_values tests on columns carried from a raw source column: (model, column) → (raw table, column).
# Their values must be the contract's; every other accepted_values test names a vocabulary the models themselves
# produce (scope levels, statuses, methods) and is listed in MODEL_VOCABULARIES.
CARRIED_FROM_RAW = {("fct_orders", "status"): ("orders_orders", "status")}
MODEL_VOCABULARIES = {
    ("kpi_monthly", "owner_level"),
    ("kpi_target_attainment", "owner_level"),
    ("kpi_target_attainment", "status"),
    ("kpi_scorecard", "scope_level"),
    ("kpi_scorecard", "status"),
    ("fct_orders", "fx_status"),
    ("fct_deals", "funnel_method"),
    ("fct_deal_funnel", "funnel_method"),
    ("funnel_stages", "funnel_method"),
    ("fct_ad_spend", "fx_status"),
    ("fct_deals", "fx_status"),
    ("stg_profile__stages", "outcome"),
}


def _dbt_accepted_values() -> dict[tuple[str, str], tuple[str, ...]]:
    found = {}
    for path in (REPO_ROOT / "dbt_project" / "models").rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models", []):
            for column in model.get("columns", []):
                for test in column.get("data_tests", column.get("tests", [])) or []:
                    if isinstance(test, dict) and "accepted_values" in test:
                        spec = test["accepted_values"]
                        values = (spec.get("arguments") or spec)["values"]
                        found[(model["name"], column["name"])] = tuple(sorted(map(str, values)))
    return found


def test_dbt_accepted_values_on_source_columns_equal_the_contract(tmp_path: Path):
    contract = raw_contract(parse_profile(_profile_data(), tmp_path / "p.yaml"))
    found = _dbt_accepted_values()
    unclassified = set(found) - set(CARRIED_FROM_RAW) - MODEL_VOCABULARIES
    assert not unclassified, (
        f"classify these dbt accepted_values tests in tests/test_contract.py: {unclassified}"
    )
    for (model, column), (table, raw_column) in CARRIED_FROM_RAW.items():
        assert found[(model, column)] == tuple(sorted(contract[table].column(raw_column).accepted)), (
            model,
            column,
        )
