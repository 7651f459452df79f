"""Superset serving figures: chart-data API latency against the same query straight on DuckDB, and each dashboard's
full render time in headless Chromium."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import requests
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "superset"))

from tests.superset.bundle_eval import expected_rows
from tests.superset.client import SupersetClient
from tests.superset.conftest import _free_port
from tests.superset.serving_fixture import build_serving

SUPERSET_DIR = REPO / "superset"


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="1", help="accepted for run_all; the serving file decides the size")
    parser.add_argument("--serving", type=Path, help="serving snapshot to serve (default: build the test fixture)")
    parser.add_argument("--manifest", type=Path, help="dbt manifest of that snapshot")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_superset_"))
    if args.serving:
        serving, manifest = args.serving.resolve(), (args.manifest or REPO / "dbt_project/target/manifest.json")
    else:
        build_serving(work)
        serving, manifest = work / "serving.duckdb", work / "target" / "manifest.json"
    port = _free_port()
    env = {**os.environ, "SUPERSET_HOME": str(work / "home"), "KPI_SECRETS_DIR": str(work / "secrets"),
           "KPI_SERVING_PATH": str(serving), "KPI_DBT_MANIFEST_PATH": str(manifest), "SUPERSET_PORT": str(port)}
    for var in ("SUPERSET_DATABASE_URI", "SUPERSET_ADMIN_PASSWORD", "SUPERSET_SECRET_KEY"):
        env.pop(var, None)
    started = time.monotonic()
    subprocess.run([str(SUPERSET_DIR / "bin/provision"), "--quiet"], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"provision (cold, SQLite metadata): {time.monotonic() - started:.1f} s")
    web = subprocess.Popen([str(SUPERSET_DIR / "bin/web")], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        while True:
            try:
                if requests.get(f"{url}/health", timeout=10).ok:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        client = SupersetClient(url, "admin", (work / "secrets/superset_admin_password").read_text().strip())
        os.environ.update({k: env[k] for k in ("KPI_SERVING_PATH", "KPI_DBT_MANIFEST_PATH")})
        from kpi_bi import bundle
        from kpi_bi import env as kenv

        contents = {n: yaml.safe_load(t) for n, t in bundle.render(kenv.settings()).items()}
        datasets = {c["uuid"]: c for n, c in contents.items() if n.startswith("datasets/")}
        ids = {c["slice_name"]: c["id"] for c in client.list_all("chart")}
        api, direct = [], []
        for chart in (c for n, c in contents.items() if n.startswith("charts/")):
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                assert client.chart_data(ids[chart["slice_name"]]).status_code == 200
                api.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                expected_rows(serving, datasets[chart["dataset_uuid"]], chart["query_context"])
                direct.append((time.perf_counter() - t0) * 1000)
        print(f"chart data API   ({len(api)} calls, {len(ids)} charts): median {statistics.median(api):.1f} ms, "
              f"p95 {_pct(api, 0.95):.1f} ms")
        print(f"same query DuckDB ({len(direct)} runs, new read-only connection each): median "
              f"{statistics.median(direct):.1f} ms, p95 {_pct(direct, 0.95):.1f} ms")
        slugs = [yaml.safe_load(p.read_text())["slug"] for p in sorted((SUPERSET_DIR / "assets/dashboards").glob("*.yaml"))]
        out = subprocess.run(
            [str(SUPERSET_DIR / ".venv/bin/python"), "-m", "kpi_bi.render_check", "--base-url", url,
             "--username", "admin", "--password-file", str(work / "secrets/superset_admin_password"),
             "--out", str(work / "shots"), *slugs, *slugs],
            cwd=SUPERSET_DIR, capture_output=True, text=True, check=True)
        pages = json.loads(out.stdout.strip().splitlines()[-1])
        # Each dashboard is rendered twice; the second (warm browser cache) is the steady-state figure.
        for first, second in zip(pages[: len(slugs)], pages[len(slugs):]):
            print(f"render {first['slug']:<26} {first['charts']:>2} charts: cold {first['seconds']:.2f} s, "
                  f"warm {second['seconds']:.2f} s, errors {len(first['errors']) + len(second['errors'])}")
        with duckdb.connect(str(serving), read_only=True) as con:
            rows = con.execute("select sum(estimated_size) from duckdb_tables()").fetchone()[0]
        print(f"serving snapshot: {serving.stat().st_size / 1e6:.1f} MB, ~{rows} rows")
    finally:
        web.terminate()
        web.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
