"""Intelligence assets: a training asset per score (model card, backtest, gate) and the score marts it feeds."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pandas as pd

from dagster_project.defs.intelligence import registry
from dagster_project.defs.intelligence.checks import gate_result, gate_spec, not_trained_result
from dagster_project.defs.intelligence.models import NotEnoughData, train
from dagster_project.defs.intelligence.scoring import score
from dagster_project.defs.intelligence.specs import SPECS, ScoreSpec
from dagster_project.warehouse import WRITER_POOL, WarehouseResource

# the score marts' columns: the promised interface (score_accounts' names are relied on by other domains)
PROBABILITY = {"accounts": "p_order_30d", "deals": "p_won", "leads": "p_deal"}


def model_key(spec: ScoreSpec) -> dg.AssetKey:
    return dg.AssetKey(["intelligence", f"{spec.name}_model"])


def score_key(spec: ScoreSpec) -> dg.AssetKey:
    return dg.AssetKey(["marts", f"score_{spec.name}"])


def features_key(spec: ScoreSpec) -> dg.AssetKey:
    return dg.AssetKey(["features", spec.features_table])


def score_columns(spec: ScoreSpec) -> dict[str, str]:
    """The score mart's columns and types, the same whether or not a model exists yet."""
    cols = {
        spec.id_column: "varchar",
        "rep_id": "varchar",
        "scoring_date": "date",
        PROBABILITY[spec.name]: "double",
        "horizon_days": "integer",
        "value_usd": "double",
        "expected_value": "double",
    }
    if spec.name == "deals":
        cols["expected_close_date"] = "date"
    cols |= {
        "reason_1": "varchar",
        "reason_2": "varchar",
        "reason_3": "varchar",
        "model_version": "varchar",
        "scored_at": "timestamp",
    }
    return cols


def backtest_markdown(card: dict) -> str:
    """The backtest as a table: every window, model against baseline."""
    lines = [
        (
            "| test window | rows | pos | ROC-AUC model / base | PR-AUC model / base | top-decile lift model / base "
            "| Brier model / base |"
        ),
        "|---|---|---|---|---|---|---|",
    ]

    def pair(w: dict, k: str) -> str:
        m, b = w["model"][k], w["baseline"][k]
        return f"{m:.3f} / {b:.3f}" if m is not None and b is not None else "–"

    for w in card["backtest"]:
        lines.append(
            f"| {w['test_from']} … {w['test_to']} | {w['model']['rows']} | {w['model']['positives']} "
            f"| {pair(w, 'roc_auc')} | {pair(w, 'pr_auc')} | {pair(w, 'top_decile_lift')} | {pair(w, 'brier')} |"
        )
    return "\n".join(lines)


def card_metadata(card: dict, folder: Path) -> dict:
    last = card["last_window"]
    return {
        "state": registry.APPROVED if card["beats_baseline"] else registry.REJECTED,
        "model_version": card["version"],
        "model_card": dg.MetadataValue.path(str(folder / "card.json")),
        "predicts": card["predicts"],
        "baseline": card["baseline"],
        "data_window": dg.MetadataValue.json(card["data_window"]),
        "features": dg.MetadataValue.json(card["features"]),
        "roc_auc": last["model"]["roc_auc"],
        "baseline_roc_auc": last["baseline"]["roc_auc"],
        "brier": last["model"]["brier"],
        "baseline_brier": last["baseline"]["brier"],
        "backtest": dg.MetadataValue.md(backtest_markdown(card)),
        "reliability_last_window": dg.MetadataValue.json(card["backtest"][-1]["reliability"]),
    }


def _training_run(con, spec: ScoreSpec, state: str, reason: str | None, version: str | None) -> None:
    registry.ensure(con)
    con.execute(
        "create table if not exists intelligence.training_runs (score varchar, state varchar, reason varchar, "
        "version varchar, finished_at timestamp)"
    )
    con.execute(
        "insert into intelligence.training_runs values (?, ?, ?, ?, ?)",
        [spec.name, state, reason, version, datetime.now(UTC).replace(tzinfo=None)],
    )


def build_model_asset(spec: ScoreSpec, models_dir: Path) -> dg.AssetsDefinition:
    key = model_key(spec)

    @dg.asset(
        key=key,
        deps=[features_key(spec)],
        group_name="intelligence",
        kinds={"lightgbm"},
        pool=WRITER_POOL,
        owners=["team:data-engineering"],
        check_specs=[gate_spec(key)],
        description=f"The {spec.name} score's model: P(item {spec.label_meaning}), trained and backtested on "
        f"features.{spec.features_table}, with its model card.",
    )
    def _model(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Iterator:
        with warehouse.connect() as con:
            rows = con.execute(f"select * from features.{spec.features_table}").df()
            try:
                model = train(spec, rows)
            except NotEnoughData as exc:
                _training_run(con, spec, "not_enough_data", str(exc), None)
                context.log.warning(f"not enough data to train: {exc}")
                yield dg.MaterializeResult(metadata={"state": "not_enough_data", "reason": str(exc)})
                yield not_trained_result(str(exc))
                return
            folder = registry.save(model, models_dir)
            passed = bool(model.card["beats_baseline"])
            registry.register(con, model, folder, registry.APPROVED if passed else registry.REJECTED)
            _training_run(
                con, spec, registry.APPROVED if passed else registry.REJECTED, None, model.card["version"]
            )
        metadata = card_metadata(model.card, folder)
        yield dg.MaterializeResult(metadata=metadata)
        yield gate_result(
            model.card,
            {
                k: metadata[k]
                for k in ("model_version", "roc_auc", "baseline_roc_auc", "brier", "baseline_brier")
            },
        )

    return _model


def expected_close(spec: ScoreSpec, rows: pd.DataFrame, current: pd.DataFrame) -> pd.Series:
    """Scoring date + the median days a won deal of the same stage still took, from the labelled history."""
    won = rows[rows["label_complete"] & rows["label"] & rows["label_days_to_close"].notna()]
    by_stage = won.groupby("stage")["label_days_to_close"].median()
    overall = won["label_days_to_close"].median() if len(won) else float("nan")
    days = current["stage"].map(by_stage).fillna(overall)
    return (pd.to_datetime(current["scoring_date"]) + pd.to_timedelta(days.round(), unit="D")).dt.date


def write_scores(con, spec: ScoreSpec, frame: pd.DataFrame) -> None:
    """Replace the score mart with `frame` (possibly empty), typed as score_columns says."""
    cols = score_columns(spec)
    con.execute("create schema if not exists marts")
    con.execute(
        f"create or replace table marts.score_{spec.name} ("
        + ", ".join(f"{c} {t}" for c, t in cols.items())
        + ")"
    )
    if len(frame):
        frame = frame[list(cols)]
        con.execute(f"insert into marts.score_{spec.name} select * from frame")


def build_score_asset(spec: ScoreSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=score_key(spec),
        deps=[features_key(spec), model_key(spec)],
        group_name="intelligence",
        kinds={"duckdb"},
        pool=WRITER_POOL,
        owners=["team:data-engineering"],
        description=f"Current {spec.name} scored by the newest approved model: probability the item "
        f"{spec.label_meaning}, value and expected value in USD, top three reasons, model_version.",
    )
    def _score(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        scored_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        with warehouse.connect() as con:
            found = registry.latest(con, spec.name)
            if found is None:
                # no model ever passed: no scores from nowhere
                write_scores(con, spec, pd.DataFrame())
                context.log.warning(f"{spec.name}: no approved model yet, the score mart is empty")
                return dg.MaterializeResult(metadata={"state": "no_model", "rows": 0})
            version, folder = found
            model = registry.load(spec, folder)
            rows = con.execute(f"select * from features.{spec.features_table}").df()
            current = rows[rows["is_current"]].reset_index(drop=True)
            frame = score(model, current, scored_at) if len(current) else pd.DataFrame()
            if len(frame):
                frame = frame.rename(columns={"probability": PROBABILITY[spec.name]})
                frame["horizon_days"] = current["horizon_days"].astype(int).to_numpy()
                if spec.name == "deals":
                    frame["expected_close_date"] = expected_close(spec, rows, current).to_numpy()
            write_scores(con, spec, frame)
        return dg.MaterializeResult(
            metadata={
                "state": "scored",
                "model_version": version,
                "rows": len(frame),
                "expected_value_total": float(frame["expected_value"].sum()) if len(frame) else 0.0,
            }
        )

    return _score


PRIORITY_SQL = """
create or replace table marts.rep_priority_list as
with items as (
    select rep_id, 'account' as item_type, account_id as item_id, p_order_30d as probability, value_usd,
        expected_value, reason_1, reason_2, reason_3, model_version, scored_at from marts.score_accounts
    union all
    select rep_id, 'deal', deal_id, p_won, value_usd, expected_value, reason_1, reason_2, reason_3, model_version,
        scored_at from marts.score_deals
    union all
    select rep_id, 'lead', lead_id, p_deal, value_usd, expected_value, reason_1, reason_2, reason_3, model_version,
        scored_at from marts.score_leads
)
select
    cast(row_number() over (partition by rep_id order by expected_value desc, item_type, item_id) as integer)
        as priority_rank,
    *
from items
where expected_value is not null
"""


def build_priority_assets() -> dg.AssetsDefinition:
    specs = [
        dg.AssetSpec(
            ["marts", "rep_priority_list"],
            description="Each rep's leads, deals and accounts ranked "
            "by expected value (probability × value, USD), with the reasons of each score.",
        ),
        dg.AssetSpec(
            ["marts", "score_status"],
            description="Per score: whether a model is published, the "
            "newest training's state (e.g. not enough data to train) and its reason.",
        ),
    ]

    @dg.multi_asset(
        specs=[s.replace_attributes(deps=[score_key(x) for x in SPECS]) for s in specs],
        group_name="intelligence",
        pool=WRITER_POOL,
    )
    def priority_list(warehouse: WarehouseResource) -> Iterator[dg.MaterializeResult]:
        with warehouse.connect() as con:
            registry.ensure(con)
            con.execute(PRIORITY_SQL)
            status = []
            for spec in SPECS:
                run = (
                    con.execute(
                        "select state, reason, version, finished_at from intelligence.training_runs "
                        "where score = ? order by finished_at desc limit 1",
                        [spec.name],
                    ).fetchone()
                    if _has_table(con, "intelligence", "training_runs")
                    else None
                )
                published = registry.latest(con, spec.name)
                rows, scored_at = con.execute(
                    f"select count(*), max(scored_at) from marts.score_{spec.name}"
                ).fetchone()
                state = (
                    "scored"
                    if published
                    else ("not_enough_data" if run and run[0] == "not_enough_data" else "no_model")
                )
                status.append(
                    {
                        "score": spec.name,
                        "published_model": published[0] if published else None,
                        "last_training_state": run[0] if run else None,
                        "last_training_reason": run[1] if run else None,
                        "last_training_at": run[3] if run else None,
                        "scored_items": int(rows),
                        "scored_at": scored_at,
                        "state": state,
                        "status_message": status_message(
                            spec, state, published[0] if published else None, int(rows), run
                        ),
                    }
                )
            frame = pd.DataFrame(status)  # noqa: F841
            con.execute("create or replace table marts.score_status as select * from frame")
            ranked = con.execute("select count(*) from marts.rep_priority_list").fetchone()[0]
        yield dg.MaterializeResult(asset_key=["marts", "rep_priority_list"], metadata={"rows": ranked})
        yield dg.MaterializeResult(
            asset_key=["marts", "score_status"],
            metadata={
                "scores": dg.MetadataValue.json(
                    json.loads(pd.DataFrame(status).to_json(orient="records", date_format="iso"))
                )
            },
        )

    return priority_list


def status_message(spec: ScoreSpec, state: str, model: str | None, rows: int, run) -> str:
    """What a dashboard says about a score in words: which model ranked how many items, or why none are ranked."""
    if state == "scored":
        return f"{rows} open {spec.name} scored by model {model}"
    if state == "not_enough_data":
        return (
            f"Not enough data to train the {spec.name} model yet ({run[1]}): "
            f"no {spec.name} are ranked until it can be trained"
        )
    return f"No {spec.name} model has been published yet (none has beaten its baseline): no {spec.name} are ranked"


def _has_table(con, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


SUGGESTIONS_DDL = """
create or replace table marts.rep_suggestions (
    suggestion_id varchar, rep_id varchar, period_start date, period_end date, rule_id varchar, step varchar,
    material boolean, suggestion_rank integer, suggestion varchar, evidence varchar, revenue_at_stake_usd double,
    record_count integer, records varchar, built_at timestamp)
"""


def build_suggestions_asset() -> dg.AssetsDefinition:
    @dg.asset(
        key=["marts", "rep_suggestions"],
        deps=[
            dg.AssetKey(["marts", "rep_analysis"]),
            dg.AssetKey(["features", "feat_leads"]),
            dg.AssetKey(["features", "feat_deals"]),
            score_key(SPECS[0]),
        ],
        group_name="intelligence",
        kinds={"duckdb"},
        pool=WRITER_POOL,
        owners=["team:data-engineering"],
        description="Each rep's suggestions (rules in intelligence/suggestions.yaml): the gaps to the median rep "
        "ranked by revenue at stake, with evidence and the records to act on, then the accounts to call first.",
    )
    def rep_suggestions(warehouse: WarehouseResource) -> dg.MaterializeResult:
        from dagster_project.defs.intelligence.suggestions import load_rules, suggest

        rules, call_first = load_rules()
        built_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        with warehouse.connect() as con:
            analysis = con.execute("select * from marts.rep_analysis").df()
            leads = con.execute("select * from features.feat_leads where is_current").df()
            deals = con.execute("select * from features.feat_deals where is_current").df()
            accounts = con.execute("select * from marts.score_accounts").df()
            frame = suggest(analysis, leads, deals, accounts, rules, call_first).assign(built_at=built_at)
            con.execute(SUGGESTIONS_DDL)
            if len(frame):
                con.execute("insert into marts.rep_suggestions select * from frame")
        material = frame[frame["material"]] if len(frame) else frame
        return dg.MaterializeResult(
            metadata={
                "suggestions": len(frame),
                "material": len(material),
                "reps_with_material": int(material["rep_id"].nunique()) if len(material) else 0,
            }
        )

    return rep_suggestions
