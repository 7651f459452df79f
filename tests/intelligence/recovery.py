"""How well the account model recovers the planted reorder propensity of a demo run (shared by test and benchmark)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from dagster_project.defs.intelligence.models import fit, windows
from dagster_project.defs.intelligence.specs import ACCOUNTS
from dagster_project.demo import planted, writer
from dagster_project.demo.model import Config


def planted_recovery(cfg: Config, rows: pd.DataFrame) -> dict:
    """Train on the past, score the last backtest window; rank correlation and ROC-AUC against the planted truth."""
    customers = writer.World(cfg).plan.customers
    ids, days = customers.pool_account
    account_of = dict(zip(customers.columns["id"], customers.columns["external_crm_id"], strict=True))
    accounts = np.array([account_of[i] for i in ids], dtype=object)
    rows = rows.assign(scoring_date=pd.to_datetime(rows["scoring_date"]))
    horizon = int(rows["horizon_days"].iloc[0])
    train_until, test_from, test_to = windows(rows, horizon)[-1]
    model = fit(ACCOUNTS, rows[rows["scoring_date"] <= train_until])
    test = rows[rows["scoring_date"].between(test_from, test_to)].copy()
    test["model"] = model.predict(test)
    parts = []
    for day, group in test.groupby("scoring_date"):
        p = planted.order_propensity(cfg, ids, days, (day.date() - cfg.start).days, horizon)
        parts.append(group.merge(pd.DataFrame({"account_id": accounts, "truth": p}), on="account_id"))
    scored = pd.concat(parts)
    return {
        "rows": len(scored),
        "positives": int(scored["label"].sum()),
        "rank_correlation": float(spearmanr(scored["model"], scored["truth"]).statistic),
        "roc_auc_model": float(roc_auc_score(scored["label"], scored["model"])),
        "roc_auc_truth": float(roc_auc_score(scored["label"], scored["truth"])),
    }


# which finding names each planted weakness (the demo's own stage and activity names, known to the generator)
EXPECTED = {
    "slow_first_contact": ("slow_first_contact", ""),
    "weak_at_proposal": ("weak_stage", "proposal"),
    "few_meetings": ("few_activities_of_a_kind", "meeting"),
}


def weakness_recovery(cfg: Config, suggestions: pd.DataFrame) -> dict:
    """Share of reps with a planted weakness whose top suggestion names it, and of reps without one who get none."""
    world = writer.World(cfg)
    planted_by_rep = dict(zip(world.org.user_ids, planted.rep_weaknesses(world.org), strict=False))
    weak_skill = {world.org.user_ids[i] for i in world.org.weak_reps}
    material = suggestions[suggestions["material"]].sort_values(["rep_id", "suggestion_rank"])
    top = material.groupby("rep_id").head(1).set_index("rep_id")
    hits, with_weakness, quiet, without = [], 0, [], 0
    for rep, weakness in planted_by_rep.items():
        if rep in weak_skill:
            continue  # low overall skill is the org's own planted trait, not one of these weaknesses
        if weakness is None:
            without += 1
            quiet.append(rep not in top.index)
            continue
        with_weakness += 1
        rule, step = EXPECTED[weakness]
        hits.append(
            rep in top.index
            and top.loc[rep, "rule_id"] == rule
            and (not step or top.loc[rep, "step"] == step)
        )
    return {
        "reps_with_weakness": with_weakness,
        "named_as_top": float(np.mean(hits)) if hits else float("nan"),
        "reps_without": without,
        "nothing_material": float(np.mean(quiet)) if quiet else float("nan"),
        "top_by_rep": {
            rep: (top.loc[rep, "rule_id"], top.loc[rep, "step"]) if rep in top.index else None
            for rep in planted_by_rep
        },
        "planted": planted_by_rep,
    }
