"""The single place where every domain's Dagster definitions meet."""

from __future__ import annotations

import dagster as dg

from dagster_project.environment import settings
from dagster_project.warehouse import WarehouseResource


@dg.definitions
def defs() -> dg.Definitions:
    # Domains are imported here so that settings are read when the definitions are built, not at import.
    from dagster_project.defs import ingest, intelligence, ops, profile, quality, routes, serving, transform

    config = settings()
    domains = [
        ingest.build_defs(),
        profile.build_defs(),
        transform.build_defs(),
        intelligence.build_defs(),
        routes.build_defs(),
    ]
    from dagster_project.defs.serving.publish import SERVED_SCHEMAS

    # the built assets (AssetsDefinition); the landing folders and dashboards are specs of what others build
    built = [a for d in domains for a in d.assets or [] if isinstance(a, dg.AssetsDefinition)]
    marts = [key for a in built for key in a.keys if key.path[0] in SERVED_SCHEMAS]
    quality_defs = quality.build_defs(domains)
    checks = [
        spec
        for definition in [*built, *(c for d in [*domains, quality_defs] for c in d.asset_checks or [])]
        for spec in definition.check_specs
    ]
    return dg.Definitions.merge(
        *domains,
        quality_defs,
        serving.build_defs(upstream=marts, checks=checks),
        ops.build_defs(),
        dg.Definitions(
            resources={
                "warehouse": WarehouseResource(path=str(config.warehouse_path)),
                # the weekly digest (intelligence) carries each rep's route (routes): the two meet only here
                "digest_sections": dg.ResourceDefinition.hardcoded_resource(routes.digest_sections()),
            },
            # Steps share one DuckDB file and start fast in-process; multiprocess costs seconds per step here.
            executor=dg.in_process_executor,
        ),
    )
