"""The KPI registry is the one statement of every KPI: its docs blocks exist, and a target or threshold naming a
KPI it does not define fails the build with a message naming that KPI."""

from __future__ import annotations

import re
import shutil

import duckdb
import pytest

from dagster_project import kpis
from tests.transform.dbt_runner import DBT_PROJECT, run_dbt


def test_every_kpi_has_its_docs_block_and_a_valid_entry():
    registry = kpis.load(DBT_PROJECT)
    docs = set(
        re.findall(r"{%\s*docs\s+(\w+)\s*%}", (DBT_PROJECT / "models/marts/kpi/_kpi__docs.md").read_text())
    )
    assert {k.docs for k in registry.values()} <= docs
    assert registry["cac_usd"].target_direction == "at_most"
    assert registry["conversion_lead_to_deal"].mature_after_days == 14
    with pytest.raises(kpis.KpiRegistryError, match="'revenue', which is not in the KPI registry"):
        kpis.require(registry, "revenue", "a test")


@pytest.mark.parametrize(
    "table, update, message",
    [
        (
            "raw.ref_kpi_targets",
            "update raw.ref_kpi_targets set metric = 'revenue' where target_id = 'tgt_001'",
            "a planning-sheet target names a KPI that is not in the KPI registry (dbt_project.yml vars.kpis): revenue",
        ),
    ],
)
def test_a_target_naming_an_unknown_kpi_fails_the_build_naming_it(
    full_warehouse, tmp_path, table, update, message
):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(full_warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(update)
    with pytest.raises(AssertionError) as failed:
        run_dbt(
            ["run", "--select", "stg_reference__kpi_targets+", "--exclude", "resource_type:exposure"],
            warehouse=warehouse,
            target_path=tmp_path / "target",
        )
    assert message in str(failed.value)


def test_a_threshold_naming_an_unknown_kpi_fails_the_build_naming_it(full_warehouse, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(full_warehouse, warehouse)
    project = tmp_path / "project"
    shutil.copytree(DBT_PROJECT, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    seed = project / "seeds" / "kpi_thresholds.csv"
    seed.write_text(seed.read_text() + "cac,company,,at_most,100.0\n")
    with pytest.raises(AssertionError) as failed:
        run_dbt(
            ["build", "--select", "kpi_thresholds+", "--exclude", "test_type:unit"],
            warehouse=warehouse,
            target_path=tmp_path / "target",
            project_dir=project,
        )
    assert (
        "a kpi_thresholds row names a KPI that is not in the KPI registry (dbt_project.yml vars.kpis): cac"
        in str(failed.value)
    )
