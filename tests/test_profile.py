"""The company profile: the demo profile loads, KPI_PROFILE selects another, and a bad one names file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dagster_project.environment import REPO_ROOT
from dagster_project.profile import ProfileError, load_profile, parse_profile, source_enabled, table_enabled

DEMO = REPO_ROOT / "profiles" / "demo.yaml"


def _demo_data() -> dict:
    return yaml.safe_load(DEMO.read_text())


def test_demo_profile_loads_with_its_vocabulary():
    profile = load_profile(DEMO)
    assert profile.reporting_currency == "USD"
    assert profile.stage_names[-2:] == ("won", "lost")
    assert profile.stages_with("won") == ("won",)
    assert "unknown" in profile.lead_channels.all_channels
    assert all(profile.source_enabled(s) for s in ("crm", "orders", "ads", "activities", "stage_history"))


def test_kpi_profile_setting_selects_the_companys_own(tmp_path: Path, monkeypatch):
    data = _demo_data() | {"revenue_basis": "won_deals", "sources": {"orders": False, "ads": False}}
    own = tmp_path / "acme.yaml"
    own.write_text(yaml.safe_dump(data))
    monkeypatch.setenv("KPI_PROFILE", str(own))
    assert load_profile().revenue_basis == "won_deals"
    assert not source_enabled("orders") and not source_enabled("ads") and source_enabled("activities")
    assert not table_enabled("orders_orders") and not table_enabled("ads_meta_ads")
    assert table_enabled("crm_deals")


def test_ad_table_is_enabled_only_for_a_listed_platform(tmp_path: Path):
    data = _demo_data() | {"ad_platforms": {"meta_ads": {"vat_rate": 0.0}}}
    profile = parse_profile(data, tmp_path / "p.yaml")
    assert profile.table_enabled("ads_meta_ads") and not profile.table_enabled("ads_google_ads")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"reporting_currency": "usd"}, "reporting_currency"),
        ({"reporting_currency": "EUR"}, "reporting_currency: EUR: only USD is supported"),
        ({"timezone": "Mars/Olympus"}, "timezone: unknown time zone"),
        ({"revenue_basis": "invoices"}, "revenue_basis"),
        ({"unknown_owner": "drop"}, "unknown_owner"),
        (
            {"deal_stages": [{"name": "open", "outcome": "open"}, {"name": "done", "outcome": "won"}]},
            "deal_stages: no stage has outcome lost",
        ),
        (
            {"deal_stages": [{"name": "a", "outcome": "open"}, {"name": "b", "outcome": "closed"}]},
            "deal_stages.1.outcome",
        ),
        (
            {"lead_channels": {"channels": ["web"], "sources": {"Email": "mail"}}},
            "lead_channels: sources maps to channels not in `channels`: mail",
        ),
        ({"colour": "blue"}, "colour: unknown key"),
        ({"sources": {"orders": False}}, "revenue_basis: orders needs sources.orders: true"),
        ({"revenue_basis": "won_deals"}, "revenue_basis: won_deals with sources.orders: true"),
        ({"ad_platforms": {"meta_ads": {"vat_rate": 1.5}}}, "ad_platforms.meta_ads.vat_rate"),
    ],
)
def test_a_bad_profile_names_the_file_and_the_key(tmp_path: Path, change: dict, expected: str):
    path = tmp_path / "bad.yaml"
    with pytest.raises(ProfileError) as err:
        parse_profile(_demo_data() | change, path)
    assert str(path) in str(err.value) and expected in str(err.value)


def test_missing_profile_says_which_setting(tmp_path: Path):
    with pytest.raises(ProfileError, match="KPI_PROFILE"):
        load_profile(tmp_path / "nope.yaml")


def test_source_names_are_checked():
    with pytest.raises(KeyError, match="unknown source"):
        load_profile(DEMO).source_enabled("invoices")


def test_lead_source_keys_match_case_insensitively(tmp_path: Path):
    data = _demo_data()
    data["lead_channels"] = {"channels": ["web"], "sources": {" Google Search ": "web"}}
    assert parse_profile(data, tmp_path / "p.yaml").lead_channels.sources == {"google search": "web"}
