"""Time the source-file readers on generated files: the RFC-4180 CSV reader and the NDJSON reader, rows per second."""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from dagster_project.defs.ingest.readers import read_file
from dagster_project.defs.ingest.spec import builtin_specs


def _csv(path: Path, rows: int) -> None:
    lines = ["Day,Campaign ID,Campaign,Impressions,Clicks,Cost (micros),Conversions,Currency"]
    lines += [
        f'2025-01-01,c{i},"search, campaign {i}",{i * 3},{i},{i * 1000},{i % 7}.5,USD' for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n")


def _ndjson(path: Path, rows: int) -> None:
    record = {
        "id": "",
        "created_at": "2025-01-01T10:00:00Z",
        "email": "a@b.c",
        "company_name": "X",
        "source_channel": "organic",
        "utm_source": None,
        "utm_campaign": None,
        "status": "new",
        "owner_id": "usr_0001",
        "account_id": None,
        "updated_at": "2025-01-01T10:00:00Z",
    }
    path.write_text("".join(json.dumps({**record, "id": f"lead_{i}"}) + "\n" for i in range(rows)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="rows = 300,000 × scale (as run_all passes it)"
    )
    parser.add_argument("--rows", type=int, help="rows per file (overrides --scale)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    args.rows = args.rows or max(1, int(300_000 * args.scale))
    specs = builtin_specs()
    with tempfile.TemporaryDirectory() as tmp:
        cases = {
            "csv (ads_google_ads)": (Path(tmp) / "a.csv", _csv, specs["ads_google_ads"]),
            "ndjson (crm_leads)": (Path(tmp) / "a.jsonl", _ndjson, specs["crm_leads"]),
        }
        print(f"{'reader':<22} {'rows':>9} {'median s':>9} {'rows/s':>10}")
        for name, (path, write, spec) in cases.items():
            write(path, args.rows)
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                read = read_file(path, path.name, spec)
                times.append(time.perf_counter() - started)
            median = statistics.median(times)
            print(f"{name:<22} {read.table.num_rows:>9} {median:>9.2f} {read.table.num_rows / median:>10.0f}")


if __name__ == "__main__":
    main()
