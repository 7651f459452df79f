"""Quality domain: Great Expectations suites run as Dagster asset checks on the raw tables and the KPI marts."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from dagster_project.defs.quality.checks import build_checks
from dagster_project.defs.quality.suites import suites_by_asset


def build_defs(domains: Sequence[dg.Definitions]) -> dg.Definitions:
    """Checks for every asset of `domains` that has a suite, partitioned like that asset."""
    suites = suites_by_asset()
    checks: list[dg.AssetChecksDefinition] = []
    for domain in domains:
        graph = domain.resolve_asset_graph()
        for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
            specs = suites.get(tuple(key.path))
            if specs and graph.get(key).is_materializable:
                checks += build_checks(key, graph.get(key).partitions_def, specs)
    return dg.Definitions(asset_checks=checks)
