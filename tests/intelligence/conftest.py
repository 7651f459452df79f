"""Shared fixtures of the intelligence tests: feature marts built by dbt on the hand-made raw tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.transform.dbt_runner import run_dbt
from tests.transform.raw_fixture import build_tables, write_raw

FEATURES = ["+feat_accounts", "+feat_deals", "+feat_leads", "+rep_analysis"]


def build_features(path: Path, tables, until=None) -> Path:
    """Write the raw tables (partitions up to `until`) and build the feature marts and what they read."""
    write_raw(str(path), tables, until=until)
    run_dbt(["run", "--select", *FEATURES], warehouse=path, target_path=path.parent / "target")
    return path


@pytest.fixture(scope="session")
def raw_tables():
    return build_tables()


@pytest.fixture(scope="session")
def features_warehouse(tmp_path_factory, raw_tables) -> Path:
    """Every raw partition of the hand-made fixture, with the feature marts built."""
    return build_features(tmp_path_factory.mktemp("feat-full") / "warehouse.duckdb", raw_tables)
