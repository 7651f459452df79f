"""The intelligence domain: learned scores of leads, deals and accounts, their backtests and each rep's priorities."""

from __future__ import annotations

import dagster as dg


def build_defs() -> dg.Definitions:
    """A training asset (with its baseline gate) and a score mart per score, the reps' priority list and suggestions."""
    from dagster_project.defs.intelligence.assets import (
        build_model_asset,
        build_priority_assets,
        build_score_asset,
        build_suggestions_asset,
    )
    from dagster_project.defs.intelligence.schedules import digest_job, weekly_digest_schedule
    from dagster_project.defs.intelligence.specs import SPECS
    from dagster_project.environment import settings

    models_dir = settings().data_dir / "models"
    assets = [build_model_asset(spec, models_dir) for spec in SPECS]
    assets += [build_score_asset(spec) for spec in SPECS]
    assets += [build_priority_assets(), build_suggestions_asset()]
    return dg.Definitions(assets=assets, jobs=[digest_job], schedules=[weekly_digest_schedule()])
