"""The route marts: next working day's plan for every rep, and past days' visits re-sequenced."""

from datetime import UTC, date, datetime, timedelta

import dagster as dg
import duckdb
import pandas as pd

from dagster_project.defs.routes.compare import RESEQUENCED_SCHEMA, resequence_days
from dagster_project.defs.routes.config import RouteConfig, load_config
from dagster_project.defs.routes.plan import (
    DAY_SCHEMA,
    DROPPED_SCHEMA,
    NO_SCORES,
    PLAN_SCHEMA,
    candidates_for_day,
    plan_all,
    travel_matrix,
)
from dagster_project.environment import Settings, settings
from dagster_project.warehouse import WRITER_POOL, WarehouseResource

INPUTS = [
    dg.AssetKey(["marts", name])
    for name in ("route_accounts", "route_reps", "route_field_visits", "score_accounts")
]
PLANS = dg.AssetKey(["marts", "route_plans"])
DAYS = dg.AssetKey(["marts", "route_plan_days"])
DROPPED = dg.AssetKey(["marts", "route_plan_dropped"])
RESEQUENCED = dg.AssetKey(["marts", "route_resequenced_days"])
# The opportunity scores of the sales-intelligence models, found by name in whichever schema holds them.
SCORES_TABLE = "score_accounts"
# How many past days the daily build re-sequences (the benchmark does the whole history).
RESEQUENCE_DAYS = 28


def read_scores(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """The newest expected value per account, or None while no scores table exists."""
    found = con.execute(
        "select table_schema from information_schema.tables where table_name = ? order by table_schema = 'marts' desc",
        [SCORES_TABLE],
    ).fetchall()
    if not found:
        return None
    return con.execute(
        f"""
        select account_id, expected_value, cast(model_version as varchar) as model_version, scored_at
        from "{found[0][0]}".{SCORES_TABLE}
        where expected_value is not null
        qualify row_number() over (partition by account_id order by scored_at desc) = 1
        """
    ).df()


def replace_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    schema: dict[str, str],
    frame: pd.DataFrame,
    where: str,
    params: list,
) -> None:
    """Create the typed table if needed, then replace the rows `where` selects in one transaction (idempotent)."""
    columns = ", ".join(f'"{name}" {kind}' for name, kind in schema.items())
    casts = ", ".join(f'cast("{name}" as {kind}) as "{name}"' for name, kind in schema.items())
    con.execute("create schema if not exists marts")
    con.execute(f"create table if not exists marts.{table} ({columns})")
    for name, kind in schema.items():  # a column added in a newer release joins the existing table
        con.execute(f'alter table marts.{table} add column if not exists "{name}" {kind}')
    con.register("incoming", frame)
    try:
        con.execute("begin")
        con.execute(f"delete from marts.{table} where {where}", params)
        con.execute(f"insert into marts.{table} by name select {casts} from incoming")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister("incoming")


def plan_day(
    con: duckdb.DuckDBPyConnection,
    day: date,
    cfg: RouteConfig,
    config: Settings,
    rep_ids: list[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Plan `day` for every rep (or the given ones) from the route marts and the scores, and store the result."""
    reps = con.execute("select * from marts.route_reps").df()
    if rep_ids is not None:
        unknown = sorted(set(rep_ids) - set(reps["rep_id"]))
        if unknown:
            raise ValueError(f"no rep with accounts has the id {', '.join(unknown)}")
        reps = reps[reps["rep_id"].isin(rep_ids)]
    accounts = con.execute("select * from marts.route_accounts").df()
    scores = read_scores(con)
    jobs = candidates_for_day(day, reps, accounts, scores, cfg)
    stops, days, dropped = plan_all(
        jobs, cfg, config.routing_url, config.routes_time_limit_s, 1 if rep_ids else config.routes_workers
    )
    for table, schema, frame in (
        ("route_plans", PLAN_SCHEMA, stops),
        ("route_plan_days", DAY_SCHEMA, days[list(DAY_SCHEMA)]),
        ("route_plan_dropped", DROPPED_SCHEMA, dropped),
    ):
        # one plan per rep and day: re-planning a rep replaces exactly that rep's rows of that day
        replace_rows(
            con,
            table,
            schema,
            frame,
            "plan_date = ? and rep_id in (select unnest(?))",
            [day, list(reps["rep_id"])],
        )
        if "is_latest" not in schema:
            continue
        # dashboards show each rep's newest plan through this flag (Superset refuses sub-queries in filters)
        con.execute(f"""
            update marts.{table} as t set is_latest = t.plan_date = newest.plan_date
            from (select rep_id, max(plan_date) as plan_date from marts.{table} group by rep_id) as newest
            where t.rep_id = newest.rep_id
        """)
    return stops, days, dropped


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            PLANS, deps=INPUTS, description="Each rep's route for the next working day, stop by stop."
        ),
        dg.AssetSpec(
            DAYS,
            deps=INPUTS,
            description="One row per rep and planned day: visits, km, hours, value per "
            "hour against the greedy baseline, and why a rep has no plan.",
        ),
        dg.AssetSpec(
            DROPPED, deps=INPUTS, description="Due visits left out of a plan, each with the reason."
        ),
        dg.AssetSpec(
            RESEQUENCED,
            deps=INPUTS,
            description="Past days' field visits as driven and re-sequenced: km and hours saved.",
        ),
    ],
    group_name="routes",
    pool=WRITER_POOL,
    can_subset=False,
)
def route_plans(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Plan the next working day for every rep and re-sequence the recent past days' visits."""
    config = settings()
    cfg = load_config(config.routes_config_path)
    today = datetime.now(UTC).date()
    day = cfg.next_working_day(today)
    with warehouse.connect() as con:
        stops, days, dropped = plan_day(con, day, cfg, config)
        visits = con.execute(
            "select * from marts.route_field_visits where visit_date >= ?",
            [today - timedelta(RESEQUENCE_DAYS)],
        ).df()
        reps = con.execute("select * from marts.route_reps").df()
        travel = lambda lat, lon: travel_matrix(lat, lon, cfg, config.routing_url)
        resequenced = resequence_days(visits, reps, cfg, travel, config.routes_time_limit_s)
        replace_rows(
            con,
            "route_resequenced_days",
            RESEQUENCED_SCHEMA,
            resequenced,
            "visit_date >= ?",
            [today - timedelta(RESEQUENCE_DAYS)],
        )
    basis = days["value_basis"].iloc[0] if len(days) else NO_SCORES
    context.log.info(f"planned {day} for {len(days)} reps ({basis}); {len(dropped)} due visits dropped")
    yield dg.MaterializeResult(
        asset_key=PLANS,
        metadata={"plan_date": day.isoformat(), "value_basis": basis, "dagster/row_count": len(stops)},
    )
    yield dg.MaterializeResult(
        asset_key=DAYS,
        metadata={
            "reps": len(days),
            "reps_without_plan": int(days["status"].str.startswith("no plan").sum()),
            "km_total": float(days["km_total"].sum()),
            "dagster/row_count": len(days),
        },
    )
    yield dg.MaterializeResult(asset_key=DROPPED, metadata={"dagster/row_count": len(dropped)})
    yield dg.MaterializeResult(
        asset_key=RESEQUENCED,
        metadata={
            "days": len(resequenced),
            "km_saved_pct": float(100 * resequenced["km_saved"].sum() / resequenced["actual_km"].sum())
            if len(resequenced) and resequenced["actual_km"].sum()
            else 0.0,
            "dagster/row_count": len(resequenced),
        },
    )
