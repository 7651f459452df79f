"""The data contract: the ingest format specs with the company profile's vocabulary filled in — the one
statement of the rules that ingest applies and the quality checks and dbt tests are generated from."""

from __future__ import annotations

import dataclasses

from dagster_project import kpis
from dagster_project.defs.ingest.spec import SourceSpec, builtin_specs
from dagster_project.environment import settings
from dagster_project.profile import Profile, ProfileError


def vocabulary(profile: Profile) -> dict[str, tuple[str, ...]]:
    """The lists a format spec may name in `accepted_from`: the profile's, and the KPI registry's ids."""
    return {
        "deal_stages": profile.stage_names,
        "lead_channels": profile.lead_channels.all_channels,
        "ad_platforms": tuple(profile.ad_platforms),
        "kpis": tuple(sorted(kpis.load(settings().dbt_project_dir))),
    }


def _resolved(spec: SourceSpec, lists: dict[str, tuple[str, ...]]) -> SourceSpec:
    columns = []
    for column in spec.columns:
        if column.accepted_from is not None:
            if column.accepted_from not in lists:
                raise ValueError(
                    f"{spec.origin}: column {column.name}: accepted_from {column.accepted_from!r} is not a profile "
                    f"list ({', '.join(sorted(lists))})"
                )
            column = dataclasses.replace(column, accepted=lists[column.accepted_from])
        columns.append(column)
    return dataclasses.replace(spec, columns=tuple(columns))


def _check_platforms(profile: Profile, specs: dict[str, SourceSpec]) -> None:
    formats = sorted(t.removeprefix("ads_") for t in specs if t.startswith("ads_"))
    for platform in profile.ad_platforms:
        if f"ads_{platform}" not in specs:
            raise ProfileError(
                f"{profile.path}: ad_platforms.{platform}: no report format raw.ads_{platform} "
                f"(platforms with a format: {', '.join(formats)})"
            )


def raw_contract(profile: Profile, *, enabled_only: bool = False) -> dict[str, SourceSpec]:
    """Every raw table's canonical spec, keyed by table, with `accepted` filled from the profile; with
    `enabled_only`, just the tables the profile feeds."""
    specs = builtin_specs()
    _check_platforms(profile, specs)
    lists = vocabulary(profile)
    return {
        table: _resolved(spec, lists)
        for table, spec in specs.items()
        if not enabled_only or profile.table_enabled(table)
    }
