"""Ingest domain: the three sources (and reference files) into the warehouse's raw schema."""

import dagster as dg

from dagster_project.defs.ingest.assets import build_ingest_assets, landing_specs


def build_defs() -> dg.Definitions:
    from dagster_project.defs.ingest.sensors import build_file_drop_sensor

    assets = build_ingest_assets()
    partitioned = [key for a in assets if a.partitions_def is not None for key in a.keys]
    return dg.Definitions(assets=[*landing_specs(), *assets], sensors=[build_file_drop_sensor(partitioned)])
