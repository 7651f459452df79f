"""Every relation and dataset holding rep-level rows declares its rep column; the data, not names, says which hold them.

A column holds rep-level rows when its values include several reps' ids (the ids in marts.dim_reps). Such a
relation must carry a declared RLS rule (dbt `meta.rls` for a mart or bi model, `extra.rls` for a dataset that is
not one model or a mart a Dagster asset writes) naming one of those columns — so a new mart, bi model, alert or
dataset with rep rows and no rule fails here before a Rep could read it unfiltered.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import yaml
from kpi_bi import alerts, bundle, rls_rules
from kpi_bi.connections import serving_duckdb_config
from kpi_bi.env import settings

from tests.support import superset as _superset_paths  # noqa: F401 - puts superset/ on sys.path for kpi_bi

DATASET_RULES = {
    config["table_name"]: config["extra"]["rls"]
    for config in map(
        yaml.safe_load, (p.read_text() for p in sorted(bundle.ASSETS_DIR.glob("datasets/*/*.yaml")))
    )
    if config.get("schema") == "marts" and (config.get("extra") or {}).get("rls")
}


def _rep_columns(con, source: str, reps: list[str]) -> set[str]:
    """The varchar columns of a relation (or a query) whose values include at least two reps' ids."""
    described = con.execute(f"describe select * from {source}").fetchall()
    found = set()
    for name, duck_type, *_ in described:
        if duck_type != "VARCHAR":
            continue
        n = con.execute(
            f'select count(distinct "{name}") from {source} where "{name}" in (select unnest($reps))',
            {"reps": reps},
        ).fetchone()[0]
        if n >= 2:
            found.add(name)
    return found


@pytest.fixture(scope="module")
def snapshot(serving_build: Path):
    serving = serving_build / "serving.duckdb"
    manifest = json.loads((serving_build / "target" / "manifest.json").read_text())
    # The same configuration as kpi_bi opens it with: DuckDB refuses a second, different one in one process.
    con = duckdb.connect(str(serving), read_only=True, config=serving_duckdb_config())
    reps = [r[0] for r in con.execute("select rep_id from marts.dim_reps").fetchall()]
    assert len(reps) > 2
    yield con, manifest, reps, serving_build
    con.close()


def test_every_mart_and_bi_model_with_rep_rows_declares_its_rep_column_in_dbt_meta(snapshot):
    con, manifest, reps, _ = snapshot
    relations = con.execute(
        "select schema_name, table_name from duckdb_tables() where schema_name in ('marts', 'bi') "
        "union all select schema_name, view_name from duckdb_views() where schema_name in ('marts', 'bi')"
    ).fetchall()
    assert {schema for schema, _ in relations} == {"marts", "bi"}
    missing, wrong, declared = [], [], 0
    for schema, name in sorted(relations):
        columns = _rep_columns(con, f'{schema}."{name}"', reps)
        # A mart that is not a dbt model (written by a Dagster asset) declares it on its Superset dataset.
        rule = rls_rules.model_meta(manifest, name).get("rls") or DATASET_RULES.get(name)
        if columns and not rule:
            missing.append(f"{schema}.{name} ({', '.join(sorted(columns))})")
        elif rule:
            declared += 1
            names = {row[0] for row in con.execute(f'describe {schema}."{name}"').fetchall()}
            # Rep ids found elsewhere than the declared column, or a column the relation does not have.
            if (columns and rule["rep_column"] not in columns) or rule["rep_column"] not in names:
                wrong.append(
                    f"{schema}.{name}: declares {rule['rep_column']}, rep ids are in {sorted(columns)}"
                )
    assert not missing, f"relations with rep-level rows and no meta.rls: {missing}"
    assert not wrong, wrong
    assert declared >= 13


def test_every_superset_dataset_with_rep_rows_carries_its_rule(snapshot, monkeypatch):
    con, _, reps, build = snapshot
    monkeypatch.setenv("KPI_SERVING_PATH", str(build / "serving.duckdb"))
    monkeypatch.setenv("KPI_DBT_MANIFEST_PATH", str(build / "target" / "manifest.json"))
    cfg = settings()
    rendered = {**bundle.render(cfg), **alerts.render_assets(cfg, alerts.load())}
    checked, missing = 0, []
    for name, text in rendered.items():
        if not name.startswith("datasets/"):
            continue
        dataset = yaml.safe_load(text)
        source = (
            f"({dataset['sql']})"
            if dataset.get("sql")
            else f'"{dataset["schema"]}"."{dataset["table_name"]}"'
        )
        columns = _rep_columns(con, source, reps)
        rule = (dataset.get("extra") or {}).get("rls")
        checked += 1
        if columns and (not rule or rule["rep_column"] not in columns):
            missing.append(f"{dataset['table_name']}: rep ids in {sorted(columns)}, rule {rule}")
    assert not missing, missing
    assert checked >= 20
    by_table = {
        yaml.safe_load(t)["table_name"]: yaml.safe_load(t)
        for n, t in rendered.items()
        if n.startswith("datasets/")
    }
    # Named in the issue: the account owner and the rep-level alert listing.
    assert by_table["dim_accounts"]["extra"]["rls"] == {"rep_column": "owner_id"}
    assert by_table["alert__rep_revenue_pace"]["extra"]["rls"] == {"rep_column": "rep_id"}


def test_a_rule_naming_a_missing_column_is_refused():
    manifest = {
        "nodes": {
            "model.p.m": {
                "resource_type": "model",
                "name": "m",
                "config": {"meta": {"rls": {"rep_column": "owner"}}},
            }
        }
    }
    with pytest.raises(rls_rules.RlsDeclarationError, match="not a column"):
        rls_rules.declared({"table_name": "m", "extra": None}, manifest, {"rep_id"})
    with pytest.raises(rls_rules.RlsDeclarationError, match="together"):
        rls_rules.validate({"rep_column": "a", "level": "rep"}, "x")


def test_clause_narrows_to_the_rows_of_the_user_and_those_they_manage_and_the_level():
    assert rls_rules.clause({"rep_column": "owner_id", "level_column": "owner_level", "level": "rep"}) == (
        "\"owner_id\" IN (SELECT rep_id FROM marts.rep_visibility WHERE viewer_id = '{{ current_username() }}')"
        " AND \"owner_level\" = 'rep'"
    )


def test_visibility_is_the_user_and_everyone_below_them_in_the_directory(snapshot):
    """A rep sees themself only; a first-line manager their reports; the director everyone below, at any depth."""
    from tests.superset.serving_fixture import LINE_MANAGER, LINE_MANAGER_TEAM

    con, _, reps, _ = snapshot

    def visible(viewer: str) -> set[str]:
        rows = con.execute("select rep_id from marts.rep_visibility where viewer_id = ?", [viewer]).fetchall()
        return {r[0] for r in rows}

    directors = [
        r[0] for r in con.execute("select rep_id from marts.dim_reps where manager_id is null").fetchall()
    ]
    assert visible(LINE_MANAGER) == {LINE_MANAGER, *LINE_MANAGER_TEAM}
    for rep in LINE_MANAGER_TEAM:
        assert visible(rep) == {rep}
    top = [d for d in directors if d != "unassigned"]
    assert top and visible(top[0]) == set(reps) - {"unassigned"}
