"""The single place where every domain's Dagster definitions meet."""

from __future__ import annotations

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    # Imported here so that settings are read when the definitions are built, not when the module is imported.
    from dagster_project.defs import ingest

    return dg.Definitions.merge(ingest.build_defs())
