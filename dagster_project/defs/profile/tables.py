"""The company profile as tables in the warehouse's `profile` schema, so dbt models and tests read the same
vocabulary the ingest rules and quality checks use."""

from __future__ import annotations

import duckdb
import pandas as pd

from dagster_project.profile import UNATTRIBUTED_CHANNEL, UNKNOWN_CHANNEL, Profile

SCHEMA = "profile"
COLUMNS = {
    "stages": "stage varchar, stage_order integer, outcome varchar",
    "channels": "channel varchar, channel_kind varchar",
    "channel_rules": "rule_kind varchar, match_value varchar, channel varchar",
    "ad_platforms": "platform varchar, vat_rate double",
    "settings": "reporting_currency varchar, timezone varchar, revenue_basis varchar, unknown_owner varchar, "
    "orders_enabled boolean, ads_enabled boolean, activities_enabled boolean, "
    "stage_history_enabled boolean, profile_path varchar",
}
TABLES = tuple(COLUMNS)


def profile_frames(profile: Profile) -> dict[str, pd.DataFrame]:
    """One DataFrame per profile table: stages, channels, channel rules, ad platforms and the settings row."""
    channels = profile.lead_channels
    rules = [("lead_source", value, channel) for value, channel in channels.sources.items()]
    rules += [("campaign_prefix", prefix, channel) for prefix, channel in channels.campaign_prefixes.items()]

    def kind(name: str) -> str:
        return {UNKNOWN_CHANNEL: "unknown", UNATTRIBUTED_CHANNEL: "unattributed"}.get(name, "company")

    return {
        "stages": pd.DataFrame(
            [(s.name, i + 1, s.outcome) for i, s in enumerate(profile.deal_stages)],
            columns=["stage", "stage_order", "outcome"],
        ),
        "channels": pd.DataFrame(
            [(c, kind(c)) for c in channels.all_channels], columns=["channel", "channel_kind"]
        ),
        "channel_rules": pd.DataFrame(rules, columns=["rule_kind", "match_value", "channel"]),
        "ad_platforms": pd.DataFrame(
            [(name, float(p.vat_rate)) for name, p in profile.ad_platforms.items()],
            columns=["platform", "vat_rate"],
        ),
        "settings": pd.DataFrame(
            [
                {
                    "reporting_currency": profile.reporting_currency,
                    "timezone": profile.timezone,
                    "revenue_basis": profile.revenue_basis,
                    "unknown_owner": profile.unknown_owner,
                    "orders_enabled": profile.sources.orders,
                    "ads_enabled": profile.sources.ads,
                    "activities_enabled": profile.sources.activities,
                    "stage_history_enabled": profile.sources.stage_history,
                    "profile_path": profile.path,
                }
            ]
        ),
    }


def write_profile_tables(con: duckdb.DuckDBPyConnection, profile: Profile) -> dict[str, int]:
    """Replace the profile tables in one transaction; the row count of each."""
    frames = profile_frames(profile)
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {SCHEMA}")
        for name, frame in frames.items():
            con.execute(f"create or replace table {SCHEMA}.{name} ({COLUMNS[name]})")
            if len(frame):
                con.register("_profile_frame", frame)
                con.execute(f"insert into {SCHEMA}.{name} by name select * from _profile_frame")
                con.unregister("_profile_frame")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return {name: len(frame) for name, frame in frames.items()}
