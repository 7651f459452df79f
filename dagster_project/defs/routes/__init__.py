"""Routes domain: each field rep's day planned as a prize-collecting vehicle-routing problem (OR-Tools)."""

from __future__ import annotations

import dagster as dg


def build_defs() -> dg.Definitions:
    from dagster_project.defs.routes.assets import route_plans

    return dg.Definitions(assets=[route_plans])


def digest_sections() -> list:
    """What the routes domain adds to a rep's weekly digest: their next planned route, map, directions and .ics."""
    from dagster_project.defs.routes.render import digest_part
    from dagster_project.environment import settings

    tile_url = settings().map_tile_url
    return [lambda con, rep_id: digest_part(con, rep_id, tile_url)]
