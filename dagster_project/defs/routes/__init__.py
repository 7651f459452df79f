"""Routes domain: each field rep's day planned as a prize-collecting vehicle-routing problem (OR-Tools)."""

from __future__ import annotations

import dagster as dg


def build_defs() -> dg.Definitions:
    from dagster_project.defs.routes.assets import route_plans

    return dg.Definitions(assets=[route_plans])
