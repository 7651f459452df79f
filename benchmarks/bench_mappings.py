"""Time loading one day's bring-your-own exports through the library's mapping files (lookup, query, summing)."""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

from dagster_project.defs.ingest.load import load_tables

REPO = Path(__file__).resolve().parent.parent
DAY = date(2024, 12, 2)


def _write(path: Path, header: list[str], rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _sources(root: Path, rows: int) -> None:
    """A Salesforce full snapshot of `rows` opportunities and a Meta ad-level report of `rows` ads, for one day."""
    rnd = random.Random(7)
    (root / "reference").mkdir(parents=True)
    (root / "reference" / "fx_rates.csv").write_text(f"date,currency,rate_to_usd\n{DAY},EUR,1.05\n")
    owners = [f"Owner {i}" for i in range(200)]
    _write(
        root / "byo" / "salesforce" / "users.csv",
        ["User ID", "Full Name"],
        ([f"usr_{i:04d}", name] for i, name in enumerate(owners)),
    )
    stages = [
        "Prospecting",
        "Qualification",
        "Proposal/Price Quote",
        "Negotiation/Review",
        "Closed Won",
        "Closed Lost",
    ]
    _write(
        root / "byo" / "salesforce" / f"opportunities_{DAY}.csv",
        [
            "Opportunity ID",
            "Opportunity Name",
            "Account ID",
            "Opportunity Owner",
            "Stage",
            "Amount",
            "Opportunity Currency",
            "Created Date",
            "Close Date",
            "Last Modified Date",
        ],
        (
            [
                f"006{i:015d}",
                f"Deal {i}",
                f"acc_{i % 5000:06d}",
                rnd.choice(owners),
                rnd.choice(stages),
                f"{rnd.randint(1, 900) * 50}.00",
                rnd.choice(["USD", "EUR"]),
                "11/3/2024",
                "1/15/2025",
                "12/2/2024",
            ]
            for i in range(rows)
        ),
    )
    _write(
        root / "byo" / "meta_ads" / f"ads_{DAY}.csv",
        [
            "Reporting starts",
            "Campaign ID",
            "Campaign name",
            "Ad name",
            "Impressions",
            "Link clicks",
            "Amount spent (USD)",
        ],
        (
            [
                str(DAY),
                f"1202{i % 500:06d}",
                f"social_c{i % 500}",
                f"ad {i}",
                str(rnd.randint(10, 9000)),
                str(rnd.randint(0, 50)),
                f"{rnd.randint(1, 9000) / 100:.2f}",
            ]
            for i in range(rows)
        ),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="100 000 rows per export at scale 1")
    args = parser.parse_args()
    rows = max(1000, int(100_000 * args.scale))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _sources(root / "sources", rows)
        print(f"{'mapping':<32} {'rows':>9} {'loaded':>9} {'seconds':>8} {'rows/s':>9}")
        for mapping, table in [
            ("salesforce_opportunities.yaml", "crm_deals"),
            ("meta_ads_ads.yaml", "ads_meta_ads"),
        ]:
            folder = root / f"mappings-{table}"
            folder.mkdir()
            shutil.copy(REPO / "mappings" / mapping, folder)
            with duckdb.connect(str(root / f"{table}.duckdb")) as con:
                started = time.perf_counter()
                counts = load_tables(con, [table], (DAY, DAY), "bench", root / "sources", folder)[table]
                seconds = time.perf_counter() - started
            print(
                f"{mapping:<32} {counts.read:>9} {counts.loaded:>9} {seconds:>8.2f} {counts.read / seconds:>9.0f}"
            )
            if counts.quarantined:
                print(f"  unexpected: {counts.quarantined} rows quarantined")
                return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
