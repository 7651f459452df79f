"""Serving domain: the snapshot Superset reads."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from dagster_project.defs.serving.assets import build_serving_asset
from dagster_project.environment import settings


def build_defs(upstream: Sequence[dg.AssetKey], checks: Sequence[dg.AssetCheckSpec] = ()) -> dg.Definitions:
    return dg.Definitions(assets=[build_serving_asset(upstream, settings().serving_path, checks)])
