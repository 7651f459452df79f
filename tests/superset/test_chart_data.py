"""Every chart's data API returns the numbers of the marts, and the bundle imports idempotently."""

from __future__ import annotations

import os
import shutil

import duckdb
import pytest
import yaml

from tests.superset.bundle_eval import canonical, expected_rows

pytestmark = pytest.mark.e2e
# Charts the serving fixture leaves empty, and why.
EMPTY_IN_FIXTURE = [
    "Landing files not loaded, with the reason",  # every fixture file is loaded
    "Quarantined rows by table and reason",  # the fixture's sources are clean
    "Route stops in order",  # shows the next working day's plan only; the fixture's history has ended
]


def _rendered_bundle(server) -> dict[str, dict]:
    from kpi_bi import bundle, env

    saved = {k: os.environ.get(k) for k in ("KPI_SERVING_PATH", "KPI_DBT_MANIFEST_PATH")}
    os.environ.update({k: server.env[k] for k in saved})
    try:
        contents = bundle.render(env.settings())
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return contents


def test_bundle_import_twice_leaves_no_duplicates(superset):
    from kpi_bi.bundle import to_zip

    client = superset.client()

    # Alert charts and their datasets (alerts.yaml) are provisioned beside the bundle; count the bundle's own.
    def bundle_items(kind):
        return [
            i
            for i in client.list_all(kind)
            if not str(i.get("slice_name") or i.get("table_name") or "").startswith(("[alert]", "alert__"))
        ]

    before = {kind: len(bundle_items(kind)) for kind in ("chart", "dashboard", "dataset", "database")}
    contents = _rendered_bundle(superset)
    expected = {kind: sum(1 for n in contents if n.startswith(f"{kind}s/")) for kind in before}
    assert before == expected, "provisioning should have imported exactly the bundle"
    for _ in range(2):
        response = client.post(
            "/api/v1/assets/import/",
            files={"bundle": ("kpi_bundle.zip", to_zip(contents), "application/zip")},
            data={"overwrite": "true"},
        )
        assert response.status_code == 200, response.text
    after = {kind: len(bundle_items(kind)) for kind in before}
    assert after == before
    names = [c["slice_name"] for c in client.list_all("chart")]
    assert len(names) == len(set(names))


def test_every_chart_returns_the_marts_numbers(superset):
    contents = {name: yaml.safe_load(text) for name, text in _rendered_bundle(superset).items()}
    datasets = {c["uuid"]: c for n, c in contents.items() if n.startswith("datasets/")}
    charts = {c["uuid"]: c for n, c in contents.items() if n.startswith("charts/")}
    client = superset.client()
    installed = {c["slice_name"]: c["id"] for c in client.list_all("chart")}
    empty = []
    for chart in charts.values():
        response = client.chart_data(installed[chart["slice_name"]])
        assert response.status_code == 200, f"{chart['slice_name']}: {response.text[:300]}"
        got = response.json()["result"][0]["data"]
        want = expected_rows(superset.serving_path, datasets[chart["dataset_uuid"]], chart["query_context"])
        assert canonical(got) == canonical(want), chart["slice_name"]
        if not got:
            empty.append(chart["slice_name"])
    # The fixture has data for every chart but these (an empty result would make the comparison vacuous).
    assert sorted(empty) == sorted(EMPTY_IN_FIXTURE)


def test_headline_numbers_match_hand_written_sql(superset):
    client = superset.client()
    ids = {c["slice_name"]: c["id"] for c in client.list_all("chart")}
    with duckdb.connect(str(superset.serving_path), read_only=True) as con:
        spend = con.execute("select sum(spend_usd) from marts.fct_ad_spend").fetchone()[0]
        leads = con.execute("select count(*) from marts.fct_leads").fetchone()[0]
        # a check failed when it did not pass or did not finish; it blocks when it is a blocking check
        failed = "(passed = false or status in ('FAILED', 'EXECUTION_FAILED'))"
        blocking = con.execute(
            f"select count(*) from health.check_results where {failed} and coalesce(blocking, false)"
        ).fetchone()[0]
        warnings = con.execute(
            f"select count(*) from health.check_results where {failed} and not coalesce(blocking, false)"
        ).fetchone()[0]
    data = lambda name: client.chart_data(ids[name]).json()["result"][0]["data"]
    assert data("Ad spend (USD, net of VAT)")[0]["Ad spend"] == pytest.approx(spend)
    assert data("Leads")[0]["Leads"] == leads
    assert data("Blocking failures")[0]["Blocking failures"] == blocking
    assert data("Warnings")[0]["Warnings"] == warnings


def test_chart_data_is_cached_until_the_next_snapshot(superset):
    client = superset.client()
    chart = {c["slice_name"]: c["id"] for c in client.list_all("chart")}["Leads"]
    result = lambda response: response.json()["result"][0]
    fresh = result(client.get(f"/api/v1/chart/{chart}/data/?force=true"))
    assert not fresh["is_cached"]
    assert result(client.chart_data(chart))["is_cached"]
    # A publish swaps the file (same content here): the next request reads the new snapshot, not the cache.
    copy = superset.serving_path.with_name(".serving.duckdb.test.tmp")
    shutil.copyfile(superset.serving_path, copy)
    os.replace(copy, superset.serving_path)
    after = result(client.chart_data(chart))
    assert not after["is_cached"]
    assert after["data"] == fresh["data"]
