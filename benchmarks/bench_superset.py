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
from tests.superset.serving_fixture import build_serving
from tests.support.ports import free_port as _free_port

SUPERSET_DIR = REPO / "superset"


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--scale", default="1", help="accepted for run_all; the serving file decides the size"
    )
    parser.add_argument(
        "--serving", type=Path, help="serving snapshot to serve (default: build the test fixture)"
    )
    parser.add_argument("--manifest", type=Path, help="dbt manifest of that snapshot")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_superset_"))
    if args.serving:
        serving, manifest = (
            args.serving.resolve(),
            (args.manifest or REPO / "dbt_project/target/manifest.json"),
        )
    else:
        build_serving(work)
        serving, manifest = work / "serving.duckdb", work / "target" / "manifest.json"
    port = _free_port()
    env = {
        **os.environ,
        "SUPERSET_HOME": str(work / "home"),
        "KPI_SECRETS_DIR": str(work / "secrets"),
        "KPI_SERVING_PATH": str(serving),
        "KPI_DBT_MANIFEST_PATH": str(manifest),
        "SUPERSET_PORT": str(port),
        # Every measured visit logs in again: not the login limit's business.
        "SUPERSET_AUTH_RATE_LIMIT": "600 per minute",
    }
    for var in ("SUPERSET_DATABASE_URI", "SUPERSET_ADMIN_PASSWORD", "SUPERSET_SECRET_KEY"):
        env.pop(var, None)
    started = time.monotonic()
    subprocess.run(
        [str(SUPERSET_DIR / "bin/provision"), "--quiet"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    print(f"provision (cold, SQLite metadata): {time.monotonic() - started:.1f} s")
    web = subprocess.Popen(
        [str(SUPERSET_DIR / "bin/web")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        url = f"http://127.0.0.1:{port}"
        while True:
            try:
                if requests.get(f"{url}/health", timeout=10).ok:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        client = SupersetClient(url, "admin", (work / "secrets/superset_admin_password").read_text().strip())
        slugs = [
            yaml.safe_load(p.read_text())["slug"]
            for p in sorted((SUPERSET_DIR / "assets/dashboards").glob("*.yaml"))
        ]
        profile = work / "chromium-profile"

        def render_all(label: str) -> list[dict]:
            out = subprocess.run(
                [
                    str(SUPERSET_DIR / ".venv/bin/python"),
                    "-m",
                    "kpi_bi.render_check",
                    "--base-url",
                    url,
                    "--username",
                    "admin",
                    "--password-file",
                    str(work / "secrets/superset_admin_password"),
                    "--out",
                    str(work / "shots" / label),
                    "--profile",
                    str(profile),
                    *slugs,
                ],
                cwd=SUPERSET_DIR,
                capture_output=True,
                text=True,
                check=False,
            )
            if out.returncode != 0:
                raise SystemExit(
                    f"render_check failed ({label}):\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}"
                )
            return json.loads(out.stdout.strip().splitlines()[-1])

        data_cache = work / "home" / "cache" / "data"
        # Three passes with one browser profile: a first visit (browser and data cache empty), a returning user
        # (both warm), and a returning user right after a publish (browser warm, data cache empty).
        first = render_all("first")
        # a returning user's figure is the median of five visits: one render on a shared 2-core machine varies by
        # several tenths of a second
        warm_passes = [render_all(f"warm{i}") for i in range(5)]
        warm = [
            {
                **runs[0],
                "seconds": statistics.median(r["seconds"] for r in runs),
                "max": max(r["seconds"] for r in runs),
                "errors": [e for r in runs for e in r["errors"]],
            }
            for runs in zip(*warm_passes)
        ]
        # Empty the cache as a publish does (new keys); the folder itself must stay, the running cache writes there.
        for entry in data_cache.glob("*"):
            entry.unlink()
        after_publish = render_all("after_publish")
        for a, b, c in zip(first, warm, after_publish):
            errors = len(a["errors"]) + len(b["errors"]) + len(c["errors"])
            print(
                f"render {a['slug']:<24} {a['charts']:>2} charts: cold {a['seconds']:.2f} s (first visit), "
                f"{c['seconds']:.2f} s (browser warm, data cold); warm median {b['seconds']:.2f} s (max {b['max']:.2f}); "
                f"errors {errors}"
            )

        os.environ.update({k: env[k] for k in ("KPI_SERVING_PATH", "KPI_DBT_MANIFEST_PATH")})
        from kpi_bi import bundle
        from kpi_bi import env as kenv

        contents = {n: yaml.safe_load(t) for n, t in bundle.render(kenv.settings()).items()}
        datasets = {c["uuid"]: c for n, c in contents.items() if n.startswith("datasets/")}
        ids = {c["slice_name"]: c["id"] for c in client.list_all("chart")}
        charts = [c for n, c in sorted(contents.items()) if n.startswith("charts/")]
        cold, warm_api, direct = [], [], []
        for chart in charts:
            chart_id = ids[chart["slice_name"]]
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                # force=true runs the query and skips the data cache: the figure of a cache miss.
                assert client.get(f"/api/v1/chart/{chart_id}/data/?force=true").status_code == 200
                cold.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                assert client.chart_data(chart_id).status_code == 200
                warm_api.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                expected_rows(serving, datasets[chart["dataset_uuid"]], chart["query_context"])
                direct.append((time.perf_counter() - t0) * 1000)
        n = f"{len(cold)} calls, {len(charts)} charts"
        print(
            f"chart data API, cold ({n}): median {statistics.median(cold):.1f} ms, p95 {_pct(cold, 0.95):.1f} ms"
        )
        print(
            f"chart data API, warm ({n}): median {statistics.median(warm_api):.1f} ms, "
            f"p95 {_pct(warm_api, 0.95):.1f} ms"
        )
        print(
            f"same query DuckDB ({len(direct)} runs, new read-only connection each): median "
            f"{statistics.median(direct):.1f} ms, p95 {_pct(direct, 0.95):.1f} ms"
        )
        with duckdb.connect(str(serving), read_only=True) as con:
            rows = con.execute("select sum(estimated_size) from duckdb_tables()").fetchone()[0]
        print(f"serving snapshot: {serving.stat().st_size / 1e6:.1f} MB, ~{rows} rows")
    finally:
        web.terminate()
        web.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
