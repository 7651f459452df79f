"""The transform domain: dbt builds staging, intermediate and mart tables from the raw schema."""

from __future__ import annotations

import dagster as dg


def build_defs() -> dg.Definitions:
    """The dbt assets, their test checks and the dbt CLI resource."""
    from dagster_project.defs.transform.assets import build_dbt_assets
    from dagster_project.defs.transform.resources import dbt_project, dbt_resource

    project = dbt_project()
    return dg.Definitions(assets=[build_dbt_assets(project)], resources={"dbt": dbt_resource(project)})
