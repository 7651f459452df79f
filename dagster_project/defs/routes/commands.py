"""`kpi routes …`: re-plan one rep's day on demand and export it."""

from __future__ import annotations

from datetime import date

import click


def register(group: click.Group) -> None:
    group.add_command(routes)


@click.group("routes")
def routes() -> None:
    """Route plans for field reps."""


@routes.command("plan")
@click.option("--rep", "rep_ids", multiple=True, required=True, help="rep id (repeatable)")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), required=True, help="day to plan, YYYY-MM-DD")
def plan(rep_ids: tuple[str, ...], day) -> None:
    """Re-plan the given reps' day from the warehouse and store it in the route marts (replacing their plan)."""
    from dagster_project.defs.routes.assets import plan_day
    from dagster_project.defs.routes.config import RouteConfigError, load_config
    from dagster_project.environment import settings
    from dagster_project.warehouse import WarehouseResource

    config = settings()
    try:
        cfg = load_config(config.routes_config_path)
    except RouteConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    the_day: date = day.date()
    if the_day.weekday() not in cfg.working_days:
        click.echo(f"note: {the_day} is not a working day in {config.routes_config_path}", err=True)
    try:
        with WarehouseResource(path=str(config.warehouse_path)).connect() as con:
            stops, days, dropped = plan_day(con, the_day, cfg, config, list(rep_ids))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    for summary in days.itertuples(index=False):
        click.echo(f"{summary.rep_id} {summary.full_name} {summary.plan_date}: {summary.status}; "
                   f"{summary.visits} visits, {summary.km_total or 0:.1f} km; value basis: {summary.value_basis}")
        mine = stops[stops["rep_id"] == summary.rep_id]
        for s in mine.itertuples(index=False):
            when = (s.departure_at if s.stop_type == "start" else s.arrival_at).strftime("%H:%M")
            click.echo(f"  {s.stop_order:>2} {when} {s.account_name:<32} {s.km_from_previous:7.1f} km  "
                       f"{s.reason if isinstance(s.reason, str) else ''}")
        for d in dropped[dropped["rep_id"] == summary.rep_id].itertuples(index=False):
            click.echo(f"  dropped {d.account_id} {d.account_name}: {d.reason}")
        if summary.directions_url:
            click.echo(f"  directions: {summary.directions_url}")
