"""Sales-intelligence figures at a scale factor: feature marts, training with backtest, scoring, peak RSS, the
backtest table of every score against its baseline, recovery of the demo's planted reorder propensity, and how
often the rep analysis names each rep's planted weakness."""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import duckdb
import pandas as pd

from benchmarks.bench_dbt import dbt_cmd, measured, prepare_raw
from dagster_project.defs.intelligence.models import train
from dagster_project.defs.intelligence.scoring import score
from dagster_project.defs.intelligence.specs import SPECS
from dagster_project.defs.intelligence.suggestions import load_rules, suggest
from dagster_project.demo.model import Config
from tests.intelligence.recovery import planted_recovery, weakness_recovery

SEED = 42  # prepare_raw's seed


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="1")
    parser.add_argument("--days", type=int, default=420, help="history to generate (training needs months)")
    parser.add_argument("--start", default="2024-12-02")
    parser.add_argument("--workdir", default="/tmp/bench-intel")
    args = parser.parse_args()
    start = date.fromisoformat(args.start)
    workdir = Path(args.workdir) / f"sf{args.scale}-{args.days}d"
    workdir.mkdir(parents=True, exist_ok=True)
    warehouse = prepare_raw(args.scale, args.days, start, workdir)
    env = {**os.environ, "KPI_WAREHOUSE_PATH": str(warehouse)}
    env.pop("KPI_WINDOW_START", None), env.pop("KPI_WINDOW_END", None)
    measured(dbt_cmd(["seed"], "duckdb", workdir / "target"), env)
    feat_s, feat_rss = measured(
        dbt_cmd(
            ["run", "--select", "+feat_accounts", "+feat_deals", "+feat_leads", "+rep_analysis"],
            "duckdb",
            workdir / "target",
        ),
        env,
    )
    print(f"scale {args.scale}, {args.days} days")
    print(
        f"feature marts and rep_analysis (dbt, with everything upstream): {feat_s:7.1f} s   "
        f"peak RSS {feat_rss:6.0f} MB"
    )
    tables, account_rows, current_rows = [], None, {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for spec in SPECS:
            rows = con.execute(f"select * from features.{spec.features_table}").df()
            if spec.name == "accounts":
                account_rows = rows[rows["label_complete"] & ~rows["is_current"]]
            current_rows[spec.name] = rows[rows["is_current"]]
            started = time.monotonic()
            model = train(spec, rows)
            train_s = time.monotonic() - started
            current = rows[rows["is_current"]].reset_index(drop=True)
            started = time.monotonic()
            scored = score(model, current, datetime.now(UTC).replace(tzinfo=None))
            score_s = time.monotonic() - started
            print(
                f"{spec.name:8s}: {len(rows):8d} feature rows, train+backtest {train_s:6.1f} s, "
                f"scoring {len(scored):6d} open items {score_s:5.2f} s, "
                f"beats baseline ({spec.baseline}) on the last window: {model.card['beats_baseline']}"
            )
            tables.append((spec, model.card))
    for spec, card in tables:
        print(f"\nbacktest {spec.name} (model / baseline {spec.baseline})")
        print(
            f"{'test window':25s} {'rows':>7s} {'pos':>6s} {'ROC-AUC':>15s} {'PR-AUC':>15s} {'lift@10%':>15s} "
            f"{'Brier':>15s}"
        )
        for w in card["backtest"]:
            m, b = w["model"], w["baseline"]
            cells = [f"{m[k]:.3f} / {b[k]:.3f}" for k in ("roc_auc", "pr_auc", "top_decile_lift", "brier")]
            print(
                f"{w['test_from']}…{w['test_to'][5:]:13s} {m['rows']:7d} {m['positives']:6d} "
                + " ".join(f"{c:>15s}" for c in cells)
            )
        print(
            "reliability, last window (predicted → observed, rows): "
            + "; ".join(
                f"{r['predicted']:.2f}→{r['observed']:.2f} ({r['rows']})"
                for r in card["backtest"][-1]["reliability"]
            )
        )
    cfg = Config(scale=float(args.scale), seed=SEED, start=start, days=args.days)
    found = planted_recovery(cfg, account_rows)
    print(
        f"\nplanted reorder propensity, last window: rank correlation {found['rank_correlation']:.3f}; ROC-AUC "
        f"model {found['roc_auc_model']:.3f} vs planted truth {found['roc_auc_truth']:.3f} ({found['rows']} rows)"
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        analysis = con.execute("select * from marts.rep_analysis").df()
    rules, call_first = load_rules()
    suggestions = suggest(
        analysis,
        current_rows["leads"],
        current_rows["deals"],
        pd.DataFrame({"account_id": [], "rep_id": [], "expected_value": []}),
        rules,
        call_first,
    )
    weak = weakness_recovery(cfg, suggestions)
    print(
        f"planted rep weaknesses: top suggestion names it for {weak['named_as_top']:.0%} of "
        f"{weak['reps_with_weakness']} reps; nothing material for {weak['nothing_material']:.0%} of "
        f"{weak['reps_without']} reps without one (the organisation's low-skill reps are left out)"
    )
    print(f"peak RSS of training and scoring: {_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
