"""Suggestions to each rep: the rules of suggestions.yaml applied to the rep analysis, with the records to act on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

RULES_FILE = Path(__file__).with_name("suggestions.yaml")
MAX_RECORDS = 10
COLUMNS = [
    "suggestion_id",
    "rep_id",
    "period_start",
    "period_end",
    "rule_id",
    "step",
    "material",
    "suggestion_rank",
    "suggestion",
    "evidence",
    "revenue_at_stake_usd",
    "record_count",
    "records",
]


@dataclass(frozen=True)
class Rule:
    """One rule: the metric it reads, how much worse than the median fires it, and what it says."""

    id: str
    metric: str
    ratio: float
    min_sample: int
    min_revenue_usd: float
    text: str
    evidence: str
    act_on: str
    min_z: float | None = None

    def fires(self, row: pd.Series) -> bool:
        rep, median = row["rep_value"], row["team_median"]
        if pd.isna(rep) or pd.isna(median) or row["sample_size"] < self.min_sample:
            return False
        if row["revenue_at_stake_usd"] < self.min_revenue_usd:
            return False
        worse = rep >= self.ratio * median if row["better"] == "lower" else rep <= self.ratio * median
        if self.min_z is not None and shortfall_z(row) < self.min_z:
            return False
        return bool(worse and rep != median)


def shortfall_z(row: pd.Series) -> float:
    """How many standard errors a rep's share lies below the median share, over the rep's cases (binomial):
    a small sample's chance shortfall is not a weakness."""
    median, n = float(row["team_median"]), float(row["sample_size"])
    spread = (median * (1 - median) / n) ** 0.5 if 0 < median < 1 and n > 0 else 0.0
    return (median - float(row["rep_value"])) / spread if spread else 0.0


def load_rules(path: Path = RULES_FILE) -> tuple[list[Rule], dict]:
    """The rules and the call-first settings, read from the one rules file."""
    data = yaml.safe_load(path.read_text())
    return [Rule(**r) for r in data["rules"]], data["call_first"]


def _fields(row: pd.Series) -> dict:
    out = row.to_dict()
    out["rep_pct"] = 100 * (row["rep_value"] or 0)
    out["team_pct"] = 100 * (row["team_median"] or 0)
    return out


def records(rule: Rule, row: pd.Series, leads: pd.DataFrame, deals: pd.DataFrame) -> list[str]:
    """The rep's current records a suggestion asks to act on, most urgent first."""
    rep, step = row["rep_id"], row["step"]
    mine = deals[deals["rep_id"] == rep]
    if rule.act_on == "untouched_leads":
        waiting = leads[(leads["rep_id"] == rep) & ~leads["is_touched"].astype(bool)]
        return waiting.sort_values(["age_days", "lead_id"], ascending=[False, True])["lead_id"].tolist()
    if rule.act_on == "stuck_deals":
        in_stage = deals[deals["stage"] == step]
        typical = in_stage["days_in_stage"].median()
        in_mine = mine[mine["stage"] == step].sort_values(
            ["days_in_stage", "deal_id"], ascending=[False, True]
        )
        stuck = in_mine[in_mine["days_in_stage"] > 2 * typical]
        # the ones stuck longer than twice the usual time first; without any, every deal of the rep in that stage
        return (stuck if len(stuck) else in_mine)["deal_id"].tolist()
    if rule.act_on == "quiet_deals":
        quiet = mine[mine["activities_30d"] == 0]
        return quiet.sort_values(["amount_usd", "deal_id"], ascending=[False, True])["deal_id"].tolist()
    if rule.act_on == "channel_deals":
        in_channel = mine[mine["channel"] == step]
        return in_channel.sort_values(["amount_usd", "deal_id"], ascending=[False, True])["deal_id"].tolist()
    raise ValueError(f"rule {rule.id}: unknown act_on {rule.act_on}")


def suggest(
    analysis: pd.DataFrame,
    leads: pd.DataFrame,
    deals: pd.DataFrame,
    accounts: pd.DataFrame,
    rules: list[Rule],
    call_first: dict,
) -> pd.DataFrame:
    """Every rep's suggestions, material ones ranked by revenue at stake, then where to start (informational)."""
    by_metric = {r.metric: r for r in rules}
    rows = []
    for _, row in analysis.iterrows():
        rule = by_metric.get(row["metric"])
        if rule is None or not rule.fires(row):
            continue
        fields = _fields(row)
        found = records(rule, row, leads, deals)
        rows.append(
            {
                "suggestion_id": f"{rule.id}:{row['rep_id']}:{row['step']}".rstrip(":"),
                "rep_id": row["rep_id"],
                "rule_id": rule.id,
                "step": row["step"],
                "material": True,
                "suggestion": rule.text.format(**fields),
                "evidence": rule.evidence.format(**fields),
                "revenue_at_stake_usd": float(row["revenue_at_stake_usd"]),
                "record_count": len(found),
                "records": ", ".join(found[:MAX_RECORDS]),
            }
        )
    for rep, top in accounts.sort_values(["expected_value", "account_id"], ascending=[False, True]).groupby(
        "rep_id", sort=True
    ):
        ids = top["account_id"].head(int(call_first["top"])).tolist()
        rows.append(
            {
                "suggestion_id": f"{call_first['id']}:{rep}",
                "rep_id": rep,
                "rule_id": call_first["id"],
                "step": "",
                "material": False,
                "suggestion": call_first["text"].format(count=len(ids)),
                "evidence": "highest expected value in the priority list",
                "revenue_at_stake_usd": float(top["expected_value"].head(len(ids)).sum()),
                "record_count": len(ids),
                "records": ", ".join(ids),
            }
        )
    out = pd.DataFrame(
        rows, columns=[c for c in COLUMNS if c not in ("period_start", "period_end", "suggestion_rank")]
    )
    if out.empty:
        return out.assign(period_start=None, period_end=None, suggestion_rank=None)[COLUMNS]
    # the id breaks ties so that the same data always ranks the same way, whatever order the rows were read in
    out = out.sort_values(
        ["rep_id", "material", "revenue_at_stake_usd", "suggestion_id"], ascending=[True, False, False, True]
    )
    out["suggestion_rank"] = out.groupby("rep_id").cumcount() + 1
    out["period_start"] = analysis["period_start"].iloc[0]
    out["period_end"] = analysis["period_end"].iloc[0]
    return out[COLUMNS].reset_index(drop=True)
