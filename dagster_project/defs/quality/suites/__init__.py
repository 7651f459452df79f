"""The expectation suites, as code, by the asset key they check."""

from __future__ import annotations

from dagster_project.defs.quality.suites.base import CheckSpec
from dagster_project.defs.quality.suites.marts import mart_suites
from dagster_project.defs.quality.suites.raw import raw_suites


def suites_by_asset() -> dict[tuple[str, str], list[CheckSpec]]:
    """Every suite keyed by the (schema, table) asset key path it checks."""
    return {
        **{("raw", table): specs for table, specs in raw_suites().items()},
        **{("marts", model): specs for model, specs in mart_suites().items()},
    }
