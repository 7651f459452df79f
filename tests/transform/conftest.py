"""Shared fixtures of the transform tests: the hand-made raw schema and a fully built warehouse on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.transform.dbt_runner import run_dbt
from tests.transform.raw_fixture import build_tables, write_raw


@pytest.fixture(scope="session")
def raw_tables():
    return build_tables()


@pytest.fixture(scope="session")
def full_warehouse(tmp_path_factory, raw_tables) -> Path:
    """A warehouse with every raw partition, built by one full `dbt build` (models, data and unit tests)."""
    path = tmp_path_factory.mktemp("full") / "warehouse.duckdb"
    write_raw(str(path), raw_tables)
    run_dbt(["build", "--full-refresh"], warehouse=path, target_path=path.parent / "target")
    return path
