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
        with dbt_env(config.warehouse_path):
            project.preparer.prepare(project)
    return project


def dbt_resource(project: DbtProject) -> DbtCliResource:
    """The dbt CLI for that project and target (`dbt` must be on PATH: `.venv/bin` under `uv run`)."""
    return DbtCliResource(project_dir=project, target=settings().dbt_target)


WINDOW_VARS = ("KPI_WINDOW_START", "KPI_WINDOW_END")


@contextmanager
def dbt_env(path: Path | str, window: dict[str, str] | None = None) -> Iterator[None]:
    """For the dbt processes started inside the block: profiles.yml points at the warehouse file, and the
    partition window (KPI_WINDOW_START / KPI_WINDOW_END) is the given one, or none for a full build."""
    wanted: dict[str, str | None] = {"KPI_WAREHOUSE_PATH": str(path), **{k: None for k in WINDOW_VARS}}
    wanted.update(window or {})
    previous = {k: os.environ.get(k) for k in wanted}
    try:
        for key, value in wanted.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

