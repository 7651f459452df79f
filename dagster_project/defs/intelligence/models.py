"""Training, calibration and the rolling time-split backtest of one score, against its named baseline."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from dagster_project.defs.intelligence.specs import ScoreSpec

# Too little to learn from: fewer complete rows or fewer of either class than this, or fewer backtest windows.
MIN_ROWS = 200
MIN_PER_CLASS = 20
BACKTEST_WINDOWS = 4
WINDOW_DATES = 4  # scoring dates (weeks) per backtest window
CALIBRATION_SHARE = 0.25  # the newest share of the training dates fits the probability calibration
PARAMS = {
    "objective": "binary",
    "learning_rate": 0.03,
    "num_leaves": 4,
    "min_data_in_leaf": 200,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.9,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "num_threads": 1,
    "seed": 7,
    "verbose": -1,
}
ROUNDS = 150


class NotEnoughData(ValueError):
    """The history cannot support training or an honest backtest; the message says what is missing."""


@dataclass
class Model:
    """A LightGBM booster with Platt calibration of its margin, the categories it saw, and its card."""

    spec: ScoreSpec
    booster: lgb.Booster
    calibration: tuple[float, float]  # p = sigmoid(a * margin + b)
    categories: dict[str, list[str]]
    card: dict = field(default_factory=dict)

    def frame(self, rows: pd.DataFrame) -> pd.DataFrame:
        return design(self.spec, rows, self.categories)

    def margin(self, rows: pd.DataFrame) -> np.ndarray:
        return self.booster.predict(self.frame(rows), raw_score=True)

    def predict(self, rows: pd.DataFrame) -> np.ndarray:
        a, b = self.calibration
        return 1.0 / (1.0 + np.exp(-(a * self.margin(rows) + b)))

    def contributions(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Each feature's share of every row's margin (LightGBM's own SHAP values; the bias column dropped)."""
        contrib = self.booster.predict(self.frame(rows), pred_contrib=True)
        return pd.DataFrame(contrib[:, :-1], columns=feature_names(self.spec), index=rows.index)


def feature_names(spec: ScoreSpec) -> list[str]:
    return [*spec.numeric, *spec.categorical]


def design(spec: ScoreSpec, rows: pd.DataFrame, categories: dict[str, list[str]]) -> pd.DataFrame:
    """The model's input: numeric columns as floats, categorical ones with the categories seen in training."""
    out = pd.DataFrame(index=rows.index)
    for col in spec.numeric:
        out[col] = pd.to_numeric(rows[col], errors="coerce").astype("float64")
    for col in spec.categorical:
        out[col] = pd.Categorical(rows[col].astype("string").fillna("∅"), categories=categories[col])
    return out


def check_enough(spec: ScoreSpec, rows: pd.DataFrame) -> None:
    """Raise NotEnoughData unless the labelled rows allow a model and a backtest."""
    n, pos = len(rows), int(rows["label"].sum()) if len(rows) else 0
    if n < MIN_ROWS:
        raise NotEnoughData(f"{spec.name}: {n} labelled rows, at least {MIN_ROWS} needed")
    if pos < MIN_PER_CLASS or n - pos < MIN_PER_CLASS:
        raise NotEnoughData(
            f"{spec.name}: {pos} positive and {n - pos} negative labelled rows, at least {MIN_PER_CLASS} of each needed"
        )


def fit(spec: ScoreSpec, rows: pd.DataFrame) -> Model:
    """Train on labelled rows: the booster on the older dates, its calibration on the newest ones, then refit."""
    check_enough(spec, rows)
    categories = {
        col: sorted(rows[col].astype("string").fillna("∅").unique().tolist()) for col in spec.categorical
    }
    dates = np.sort(rows["scoring_date"].unique())
    cut = dates[max(1, int(len(dates) * (1 - CALIBRATION_SHARE)))] if len(dates) > 1 else dates[0]
    early, late = rows[rows["scoring_date"] < cut], rows[rows["scoring_date"] >= cut]
    if early["label"].nunique() < 2 or late["label"].nunique() < 2:
        early = late = rows  # too few dates to hold some out: calibrate in-sample
    probe = _booster(spec, early, categories)
    margin = probe.predict(design(spec, late, categories), raw_score=True)
    platt = LogisticRegression(C=1e6).fit(margin.reshape(-1, 1), late["label"].astype(int))
    booster = _booster(spec, rows, categories)
    return Model(spec, booster, (float(platt.coef_[0, 0]), float(platt.intercept_[0])), categories)


def _booster(spec: ScoreSpec, rows: pd.DataFrame, categories: dict[str, list[str]]) -> lgb.Booster:
    data = lgb.Dataset(
        design(spec, rows, categories),
        label=rows["label"].astype(int).to_numpy(),
        categorical_feature=list(spec.categorical) or "auto",
        free_raw_data=False,
    )
    return lgb.train(PARAMS, data, num_boost_round=ROUNDS)


# --- baselines: the rule each model must beat, fitted on the same training rows -------------------------------


def _rate_table(keys: pd.Series, labels: pd.Series) -> tuple[dict, float]:
    frame = pd.DataFrame({"k": keys.astype("string").fillna("∅"), "y": labels.astype(float)})
    prior = float(frame["y"].mean())
    grouped = frame.groupby("k")["y"].agg(["sum", "count"])
    # a few pseudo-rows of the overall rate keep rare groups from extreme rates
    return ((grouped["sum"] + 5 * prior) / (grouped["count"] + 5)).to_dict(), prior


def _rfm_keys(rows: pd.DataFrame) -> pd.Series:
    """RFM rule: recency, frequency and monetary value of the last year, each in three bands, as one cell."""
    recency = pd.cut(
        rows["days_since_last_order"].fillna(10_000), [-1, 30, 90, np.inf], labels=["3", "2", "1"]
    )
    frequency = pd.cut(rows["orders_365d"].fillna(0), [-1, 0, 3, np.inf], labels=["1", "2", "3"])
    monetary = pd.cut(
        rows["revenue_365d_usd"].fillna(0).rank(pct=True), [-0.01, 1 / 3, 2 / 3, 1.01], labels=["1", "2", "3"]
    )
    return recency.astype(str) + frequency.astype(str) + monetary.astype(str)


def baseline(spec: ScoreSpec, train: pd.DataFrame):
    """The named baseline fitted on training rows, as a function of rows to probabilities."""
    if spec.baseline == "channel_rate":
        # the channel's historical conversion rate, as known at each scoring date (computed in the features)
        prior = float(train["label"].mean())
        return lambda rows: rows["channel_rate"].astype(float).fillna(prior).to_numpy()
    if spec.baseline == "stage_rate":
        # the CRM's stage-weighted probability: each stage's historical win rate
        table, prior = _rate_table(train["stage"], train["label"])
        return lambda rows: (
            rows["stage"].astype("string").fillna("∅").map(table).fillna(prior).astype(float).to_numpy()
        )
    if spec.baseline == "rfm_rule":
        table, prior = _rate_table(_rfm_keys(train), train["label"])
        return lambda rows: _rfm_keys(rows).map(table).fillna(prior).astype(float).to_numpy()
    raise ValueError(f"unknown baseline {spec.baseline}")


# --- metrics and the backtest ------------------------------------------------------------------------------------


def metrics(labels: np.ndarray, p: np.ndarray) -> dict:
    """ROC-AUC, PR-AUC, top-decile lift and Brier score of probabilities against outcomes."""
    labels = np.asarray(labels, dtype=int)
    p = np.asarray(p, dtype=float)
    both = labels.min() != labels.max()
    top = np.argsort(-p, kind="stable")[: max(1, len(p) // 10)]
    base = labels.mean()
    return {
        "rows": len(labels),
        "positives": int(labels.sum()),
        "roc_auc": float(roc_auc_score(labels, p)) if both else None,
        "pr_auc": float(average_precision_score(labels, p)) if both else None,
        "top_decile_lift": float(labels[top].mean() / base) if base > 0 else None,
        "brier": float(brier_score_loss(labels, p)),
    }


def reliability(labels: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict]:
    """Mean predicted probability against the observed rate, per tenth of the probability range."""
    frame = pd.DataFrame({"y": np.asarray(labels, dtype=float), "p": np.asarray(p, dtype=float)})
    frame["bin"] = np.minimum((frame["p"] * bins).astype(int), bins - 1)
    out = frame.groupby("bin").agg(rows=("y", "size"), predicted=("p", "mean"), observed=("y", "mean"))
    return [
        {
            "bin": f"{b / bins:.1f}–{(b + 1) / bins:.1f}",
            "rows": int(r.rows),
            "predicted": round(float(r.predicted), 4),
            "observed": round(float(r.observed), 4),
        }
        for b, r in out.iterrows()
    ]


def windows(rows: pd.DataFrame, horizon_days: int) -> list[tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp]]:
    """Backtest windows (train_until, test_from, test_to): test on consecutive dates, train on dates whose label
    window closed before the test starts (no overlap of outcome periods)."""
    dates = sorted(pd.to_datetime(rows["scoring_date"].unique()))
    out = []
    for k in range(BACKTEST_WINDOWS, 0, -1):
        block = dates[len(dates) - k * WINDOW_DATES : len(dates) - (k - 1) * WINDOW_DATES]
        if len(block) < WINDOW_DATES or len(dates) < k * WINDOW_DATES:
            continue
        test_from, test_to = block[0], block[-1]
        train_until = test_from - pd.Timedelta(days=horizon_days)
        out.append((train_until, test_from, test_to))
    return out


def backtest(spec: ScoreSpec, rows: pd.DataFrame) -> list[dict]:
    """Train on the past and score the next window, for each window: model and baseline metrics side by side."""
    rows = rows.assign(scoring_date=pd.to_datetime(rows["scoring_date"]))
    horizon = int(rows["horizon_days"].iloc[0])
    results = []
    for train_until, test_from, test_to in windows(rows, horizon):
        train = rows[rows["scoring_date"] <= train_until]
        test = rows[(rows["scoring_date"] >= test_from) & (rows["scoring_date"] <= test_to)]
        try:
            model = fit(spec, train)
        except NotEnoughData:
            continue
        if test["label"].nunique() < 2:
            continue
        y = test["label"].astype(int).to_numpy()
        p_model, p_base = model.predict(test), baseline(spec, train)(test)
        results.append(
            {
                "train_until": train_until.date().isoformat(),
                "test_from": test_from.date().isoformat(),
                "test_to": test_to.date().isoformat(),
                "train_rows": len(train),
                "model": metrics(y, p_model),
                "baseline": metrics(y, p_base),
                "reliability": reliability(y, p_model),
                "baseline_reliability": reliability(y, p_base),
            }
        )
    if not results:
        raise NotEnoughData(
            f"{spec.name}: no backtest window had enough history to train and both outcomes to test"
        )
    return results


def beats_baseline(window: dict) -> bool:
    """The publishing rule: on the window, higher ROC-AUC and PR-AUC than the baseline, and no worse Brier score."""
    m, b = window["model"], window["baseline"]
    return (
        m["roc_auc"] is not None
        and m["roc_auc"] > (b["roc_auc"] or 0.0)
        and m["pr_auc"] > (b["pr_auc"] or 0.0)
        and m["brier"] <= b["brier"] + 1e-9
    )


def train(spec: ScoreSpec, rows: pd.DataFrame) -> Model:
    """Backtest, then fit on every labelled row; the model card records window, features, metrics and version."""
    labelled = rows[rows["label_complete"] & ~rows["is_current"]].copy()
    labelled["scoring_date"] = pd.to_datetime(labelled["scoring_date"])
    check_enough(spec, labelled)
    results = backtest(spec, labelled)
    model = fit(spec, labelled)
    digest = hashlib.sha256(
        json.dumps(
            [
                spec.name,
                PARAMS,
                ROUNDS,
                feature_names(spec),
                len(labelled),
                str(labelled["scoring_date"].max()),
                float(labelled["label"].mean()),
            ]
        ).encode()
    ).hexdigest()[:8]
    trained_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    last = results[-1]
    model.card = {
        "score": spec.name,
        # named by what it was trained on, not when: retraining on the same data gives the same version and scores
        "version": f"{spec.name}-{digest}",
        "trained_at": trained_at.isoformat(),
        "predicts": f"P(item {spec.label_meaning}), horizon {int(labelled['horizon_days'].iloc[0])} days",
        "library": f"lightgbm {lgb.__version__}, Platt calibration",
        "params": PARAMS | {"rounds": ROUNDS},
        "data_window": {
            "first_scoring_date": labelled["scoring_date"].min().date().isoformat(),
            "last_scoring_date": labelled["scoring_date"].max().date().isoformat(),
            "rows": len(labelled),
            "positives": int(labelled["label"].sum()),
        },
        "features": {"numeric": list(spec.numeric), "categorical": list(spec.categorical)},
        "baseline": spec.baseline,
        "backtest": results,
        "last_window": {"model": last["model"], "baseline": last["baseline"]},
        "beats_baseline": beats_baseline(last),
    }
    return model
