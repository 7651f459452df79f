"""Where the ingest assets find their inputs: the landing folder, the mapping files and the orders database."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from dagster_project.environment import settings
from dagster_project.warehouse import WarehouseResource


class IngestSourcesResource(dg.ConfigurableResource):
    """The sources folder, the bring-your-own mapping files and the URL of the operational orders database."""

    sources_dir: str
    mappings_dir: str
    orders_db_url: str

    @classmethod
    def from_settings(cls) -> IngestSourcesResource:
        config = settings()
        return cls(
            sources_dir=str(config.sources_dir),
            mappings_dir=str(config.mappings_dir),
            orders_db_url=config.orders_db_url,
        )

    @property
    def sources_path(self) -> Path:
        return Path(self.sources_dir)

    @property
    def mappings_path(self) -> Path:
        return Path(self.mappings_dir)


def ingest_resources() -> dict[str, dg.ConfigurableResource]:
    """The resources an ingest run needs outside the project's Definitions (benchmarks, scripts)."""
    return {"warehouse": WarehouseResource(path=str(settings().warehouse_path))}
