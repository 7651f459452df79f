"""Dataset metrics are generated from the KPI registry and the dbt manifest's docs, not written by hand."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from kpi_bi import kpis
from kpi_bi.metrics import ManifestError, kpi_metrics, load_manifest

from tests.support import superset as _superset_paths  # noqa: F401 - puts superset/ on sys.path for kpi_bi

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "dbt_project" / "target" / "manifest.json"


@pytest.fixture(scope="module")
def real_manifest(tmp_path_factory) -> Path:
    """The dbt project's manifest; parsed into a temporary target when the checkout has none yet."""
    if MANIFEST.exists():
        return MANIFEST
    target = tmp_path_factory.mktemp("dbt-target")
    subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "parse",
            "--project-dir",
            str(REPO / "dbt_project"),
            "--profiles-dir",
            str(REPO / "dbt_project"),
            "--target-path",
            str(target),
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "KPI_WAREHOUSE_PATH": str(target / "w.duckdb")},
    )
    return target / "manifest.json"


def _manifest(columns: dict) -> dict:
    return {
        "nodes": {
            "model.p.kpi_sales_daily": {
                "resource_type": "model",
                "name": "kpi_sales_daily",
                "columns": {"net_revenue_usd": {}},
            },
            "model.p.kpi_monthly": {"resource_type": "model", "name": "kpi_monthly", "columns": columns},
        }
    }


REGISTRY = {
    "net_revenue_usd": {
        "id": "net_revenue_usd",
        "label": "Net revenue",
        "unit": "USD",
        "format": "currency_usd",
        "direction": "up",
    },
    "roas": {"id": "roas", "label": "ROAS", "unit": "× ad spend", "format": "ratio", "direction": "up"},
}


def test_additive_kpis_sum_and_ratios_average():
    manifest = _manifest(
        {
            "net_revenue_usd": {"description": "**Net revenue** = …"},
            "roas": {"description": "**ROAS** = revenue / spend"},
            "leads": {"description": "Leads created."},
        }
    )
    metrics = {m["metric_name"]: m for m in kpi_metrics(manifest, "kpi_monthly", REGISTRY)}
    assert set(metrics) == {"net_revenue_usd", "roas"}
    assert metrics["net_revenue_usd"]["expression"] == 'SUM("net_revenue_usd")'
    assert metrics["roas"]["expression"] == 'AVG("roas")'
    assert metrics["roas"]["description"] == "**ROAS** = revenue / spend"
    assert metrics["net_revenue_usd"]["d3format"] == "$,.0f"
    assert metrics["net_revenue_usd"]["verbose_name"] == "Net revenue (USD)"
    assert metrics["roas"]["verbose_name"] == "ROAS (× ad spend)"


def test_unknown_format_is_an_error(tmp_path):
    path = tmp_path / "dbt_project.yml"
    path.write_text("vars:\n  kpis:\n    x: {label: X, unit: m, format: furlongs, direction: up}\n")
    with pytest.raises(kpis.KpiRegistryError, match="furlongs"):
        kpis.load(path)


def test_missing_manifest_says_what_to_run(tmp_path):
    with pytest.raises(ManifestError, match="dbt parse"):
        load_manifest(tmp_path / "manifest.json")


def test_every_kpi_column_of_the_real_manifest_becomes_a_metric(real_manifest):
    manifest = json.loads(real_manifest.read_text())
    node = next(n for n in manifest["nodes"].values() if n.get("name") == "kpi_monthly")
    registry = kpis.load()
    ids = {name for name in node["columns"] if name in registry}
    assert ids >= {"net_revenue_usd", "won_amount_usd", "cac_usd", "conversion_lead_to_deal"}
    assert {m["metric_name"] for m in kpi_metrics(manifest, "kpi_monthly", registry)} == ids
    # every registry KPI's formula is the docs block it names, rendered into the column's description
    for name in ids:
        assert node["columns"][name]["description"].startswith("**"), name
