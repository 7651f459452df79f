"""The dbt project and CLI resource, resolved from the settings when the definitions are built."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from dagster_project.environment import settings


def dbt_project() -> DbtProject:
    """The dbt project with a manifest ready to load (parsed now when missing or when under `dagster dev`)."""
    config = settings()
    project = DbtProject(project_dir=config.dbt_project_dir, target=config.dbt_target)
    project.prepare_if_dev()
    if not project.manifest_path.exists():
        # a fresh checkout has no target/: parse once so the asset graph can be built
        with warehouse_env(config.warehouse_path):
            project.preparer.prepare(project)
    return project


def dbt_resource(project: DbtProject) -> DbtCliResource:
    """The dbt CLI for that project and target (`dbt` must be on PATH: `.venv/bin` under `uv run`)."""
    return DbtCliResource(project_dir=project, target=settings().dbt_target)


@contextmanager
def warehouse_env(path: Path | str) -> Iterator[None]:
    """Point profiles.yml at the warehouse file for the dbt processes started inside the block."""
    previous = os.environ.get("KPI_WAREHOUSE_PATH")
    os.environ["KPI_WAREHOUSE_PATH"] = str(path)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("KPI_WAREHOUSE_PATH", None)
        else:
            os.environ["KPI_WAREHOUSE_PATH"] = previous
