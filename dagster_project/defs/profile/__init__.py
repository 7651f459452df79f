"""Profile domain: the company's vocabulary (profiles/*.yaml) as warehouse tables read by dbt."""

import dagster as dg

from dagster_project.defs.profile.assets import build_profile_asset


def build_defs() -> dg.Definitions:
    return dg.Definitions(assets=[build_profile_asset()])
