"""The dbt project and CLI resource, resolved from the settings when the definitions are built."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from dagster_project.environment import settings


def dbt_project() -> DbtProject:
    """The dbt project with a manifest ready to load (parsed now when missing, stale, or under `dagster dev`)."""
    config = settings()
    project = DbtProject(project_dir=config.dbt_project_dir, target=config.dbt_target)
    project.prepare_if_dev()
    if _manifest_is_stale(project):
        # a fresh checkout has no target/, and a pulled change may add models or tests the old manifest lacks
        with dbt_env(config.warehouse_path):
            project.preparer.prepare(project)
    return project


# dbt's own output folders: their files change on every run and say nothing about the project's definition.
_GENERATED = {"target", "logs", "dbt_packages", "dbt_internal_packages"}


def _manifest_is_stale(project: DbtProject) -> bool:
    """Whether the parsed manifest is missing or older than any file of the project that dbt parses."""
    manifest = Path(project.manifest_path)
    if not manifest.exists():
        return True
    parsed_at = manifest.stat().st_mtime
    root = Path(project.project_dir)
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if relative.parts[0] in _GENERATED or not path.is_file():
            continue
        if path.stat().st_mtime > parsed_at:
            return True
    return False


def dbt_resource(project: DbtProject) -> DbtCliResource:
    """The dbt CLI for that project and target (`dbt` must be on PATH: `.venv/bin` under `uv run`)."""
    return DbtCliResource(project_dir=project, target=settings().dbt_target)


WINDOW_VARS = ("KPI_WINDOW_START", "KPI_WINDOW_END")


@contextmanager
def dbt_env(path: Path | str, window: dict[str, str] | None = None) -> Iterator[None]:
    """For the dbt processes started inside the block: profiles.yml points at the warehouse file with the
    pipeline's DuckDB memory limit, and the partition window (KPI_WINDOW_START / KPI_WINDOW_END) is the given
    one, or none for a full build."""
    wanted: dict[str, str | None] = {
        "KPI_WAREHOUSE_PATH": str(path),
        "KPI_DUCKDB_MEMORY_LIMIT": settings().duckdb_memory_limit,
        **{k: None for k in WINDOW_VARS},
    }
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
