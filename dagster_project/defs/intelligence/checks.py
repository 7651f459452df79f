"""The publishing gate of every model: it must beat its named baseline on the last backtest window."""

from __future__ import annotations

import dagster as dg

GATE = "beats_baseline"


def gate_spec(key: dg.AssetKey) -> dg.AssetCheckSpec:
    """Blocking: a model that fails it is not published, its score mart keeps the previous model's scores."""
    return dg.AssetCheckSpec(
        GATE,
        asset=key,
        blocking=True,
        description="The model beats its baseline on the last backtest window (higher ROC-AUC and PR-AUC, no worse "
        "Brier score); otherwise it is not published.",
    )


def gate_result(card: dict, metadata: dict) -> dg.AssetCheckResult:
    """The gate's verdict on a trained model's card."""
    last = card["last_window"]
    return dg.AssetCheckResult(
        check_name=GATE,
        passed=bool(card["beats_baseline"]),
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            f"last window ROC-AUC {last['model']['roc_auc']:.3f} vs baseline {last['baseline']['roc_auc']:.3f}, "
            f"PR-AUC {last['model']['pr_auc']:.3f} vs {last['baseline']['pr_auc']:.3f}, "
            f"Brier {last['model']['brier']:.4f} vs {last['baseline']['brier']:.4f}"
        ),
        metadata=metadata,
    )


def not_trained_result(reason: str) -> dg.AssetCheckResult:
    """Nothing was trained (too little history or one class): a warning, since nothing would be published."""
    return dg.AssetCheckResult(
        check_name=GATE,
        passed=False,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"not enough data to train, nothing published: {reason}",
    )
