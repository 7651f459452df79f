"""The native asset bundle in superset/assets/, rendered for this installation and imported with overwrite."""

from __future__ import annotations

import copy
import io
import zipfile
from pathlib import Path
from typing import Any

import yaml

from kpi_bi import kpis
from kpi_bi.connections import serving_duckdb_config
from kpi_bi.datasets import render_dataset
from kpi_bi.env import SUPERSET_DIR, SupersetSettings
from kpi_bi.layout import render_dashboard
from kpi_bi.metrics import load_manifest
from kpi_bi.query_context import render_chart

ASSETS_DIR = SUPERSET_DIR / "assets"
BUNDLE_ROOT = "kpi_bundle"
SERVING_PATH_PLACEHOLDER = "${KPI_SERVING_PATH}"


def load_assets(assets_dir: Path = ASSETS_DIR) -> dict[str, dict[str, Any]]:
    """Every YAML file of the bundle by its path inside the bundle (metadata.yaml, databases/…, …)."""
    assets = {}
    for path in sorted(assets_dir.rglob("*.yaml")):
        assets[path.relative_to(assets_dir).as_posix()] = yaml.safe_load(path.read_text())
    if "metadata.yaml" not in assets:
        raise FileNotFoundError(f"{assets_dir}/metadata.yaml missing: not an asset bundle")
    return assets


def render_database(config: dict[str, Any], cfg: SupersetSettings) -> dict[str, Any]:
    """The serving database's YAML with its path and the DuckDB settings every connection to it uses."""
    config = copy.deepcopy(config)
    config["sqlalchemy_uri"] = config["sqlalchemy_uri"].replace(
        SERVING_PATH_PLACEHOLDER, str(cfg.serving_path)
    )
    config["extra"]["engine_params"]["connect_args"]["config"] = serving_duckdb_config()
    return config


def render(cfg: SupersetSettings, assets_dir: Path = ASSETS_DIR) -> dict[str, str]:
    """The bundle's files as YAML text, with the serving path, columns, metrics, query contexts and layouts filled in."""
    assets = load_assets(assets_dir)
    manifest = load_manifest(cfg.manifest_path)
    datasets = {}
    rendered: dict[str, dict[str, Any]] = {}
    for name, config in assets.items():
        if name.startswith("databases/"):
            config = render_database(config, cfg)
        elif name.startswith("datasets/"):
            config = render_dataset(config, cfg.serving_path, manifest)
            datasets[config["uuid"]] = config
        rendered[name] = config
    charts = {}
    registry = kpis.load()
    for name, config in list(rendered.items()):
        if name.startswith("charts/"):
            dataset = datasets.get(config["dataset_uuid"])
            if dataset is None:
                raise ValueError(f"{name}: dataset_uuid {config['dataset_uuid']} is not in the bundle")
            rendered[name] = render_chart(config, dataset, registry)
            charts[config["uuid"]] = (rendered[name], dataset)
    for name, config in list(rendered.items()):
        if name.startswith("dashboards/"):
            rendered[name] = render_dashboard(config, charts, datasets)
    return {
        name: yaml.safe_dump(config, sort_keys=False, allow_unicode=True) for name, config in rendered.items()
    }


def to_zip(contents: dict[str, str]) -> bytes:
    """The rendered bundle as the zip Superset's import API takes (one top-level folder)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in contents.items():
            archive.writestr(f"{BUNDLE_ROOT}/{name}", text)
    return buffer.getvalue()


def import_bundle(cfg: SupersetSettings) -> dict[str, int]:
    """Import the rendered bundle with overwrite (what POST /api/v1/assets/import/ runs); counts by kind."""
    from superset.commands.importers.v1.assets import ImportAssetsCommand

    contents = render(cfg)
    ImportAssetsCommand(contents).run()
    counts: dict[str, int] = {}
    for name in contents:
        kind = name.split("/", 1)[0] if "/" in name else None
        if kind:
            counts[kind] = counts.get(kind, 0) + 1
    return counts
