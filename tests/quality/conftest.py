"""Fixtures of the quality tests: a fresh warehouse file and data dir per test (running assets with their
checks through Dagster is tests/quality/fixture.py's run_with_checks)."""

from __future__ import annotations

import pytest

from dagster_project.warehouse import WarehouseResource
from tests.quality.fixture import START, build_warehouse


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KPI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KPI_START_DATE", START.isoformat())
    return tmp_path / "data"


@pytest.fixture
def warehouse(data_dir, tmp_path) -> WarehouseResource:
    path = tmp_path / "warehouse.duckdb"
    build_warehouse(str(path))
    return WarehouseResource(path=str(path))
