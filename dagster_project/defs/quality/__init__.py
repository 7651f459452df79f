"""Quality domain: Great Expectations suites run as Dagster asset checks on the raw tables and the KPI marts."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from dagster_project.defs.quality.checks import build_checks
from dagster_project.defs.quality.quarantine import build_quarantine_checks
from dagster_project.defs.quality.suites import suites_by_asset


def build_defs(domains: Sequence[dg.Definitions]) -> dg.Definitions:
    """Checks for every asset of `domains` that has a suite, partitioned like that asset."""
    suites = suites_by_asset()
    checks: list[dg.AssetChecksDefinition] = []
    materializable = [
        a
        for d in domains
        for a in d.assets or []
        if isinstance(a, dg.AssetsDefinition) and a.is_materializable
    ]
    quarantine = build_quarantine_checks(materializable)
    if quarantine is not None:
        checks.append(quarantine)
    # read the asset definitions themselves: resolving a domain's graph would demand resources it gets later
    for domain in domains:
        for assets_def in domain.assets or []:
            if not isinstance(assets_def, dg.AssetsDefinition) or not assets_def.is_materializable:
                continue
            for key in sorted(assets_def.keys, key=lambda k: k.to_user_string()):
                specs = suites.get(tuple(key.path))
                if specs:
                    checks.append(build_checks(key, assets_def.partitions_def, specs))
    return dg.Definitions(asset_checks=checks)
