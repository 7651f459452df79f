"""`kpi routes …`: re-plan one rep's day on demand and export it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
import pandas as pd


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
        click.echo(
            f"{summary.rep_id} {summary.full_name} {summary.plan_date}: {summary.status}; "
            f"{summary.visits} visits, {summary.km_total or 0:.1f} km; value basis: {summary.value_basis}"
        )
        mine = stops[stops["rep_id"] == summary.rep_id]
        for s in mine.itertuples(index=False):
            when = (s.departure_at if s.stop_type == "start" else s.arrival_at).strftime("%H:%M")
            click.echo(
                f"  {s.stop_order:>2} {when} {s.account_name:<32} {s.km_from_previous:7.1f} km  "
                f"{s.reason if isinstance(s.reason, str) else ''}"
            )
        for d in dropped[dropped["rep_id"] == summary.rep_id].itertuples(index=False):
            click.echo(f"  dropped {d.account_id} {d.account_name}: {d.reason}")
        if summary.directions_url:
            click.echo(f"  directions: {summary.directions_url}")


def _read_day(day: date, rep_ids: tuple[str, ...]):
    from dagster_project.environment import settings
    from dagster_project.warehouse import WarehouseResource

    config = settings()
    rep_filter = "and rep_id in (select unnest(?))" if rep_ids else ""
    params = [day, list(rep_ids)] if rep_ids else [day]
    with WarehouseResource(path=str(config.warehouse_path)).connect(read_only=True) as con:
        frames = [
            con.execute(f"select * from marts.{table} where plan_date = ? {rep_filter}", params).df()
            for table in ("route_plan_days", "route_plans", "route_plan_dropped")
        ]
        emails = dict(con.execute("select rep_id, email from marts.route_reps").fetchall())
    if frames[0].empty:
        raise click.ClickException(f"no route plans for {day}: run the build or `kpi routes plan` first")
    return config, emails, *frames


@routes.command("export")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), required=True, help="planned day, YYYY-MM-DD")
@click.option("--rep", "rep_ids", multiple=True, help="rep id (repeatable; default every rep)")
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="folder to write"
)
def export(day, rep_ids: tuple[str, ...], out: Path) -> None:
    """Write each rep's route page (map, stop list, directions link) and .ics calendar for a planned day."""
    from dagster_project.defs.routes.render import route_html, route_ics

    config, _, days, stops, dropped = _read_day(day.date(), rep_ids)
    out.mkdir(parents=True, exist_ok=True)
    for summary in days.to_dict("records"):
        rep = summary["rep_id"]
        mine, gone = stops[stops["rep_id"] == rep], dropped[dropped["rep_id"] == rep]
        page = route_html(pd.Series(summary), mine, gone, config.map_tile_url)
        (out / f"{rep}.html").write_text(
            f"<!doctype html><html><head><meta charset='utf-8'><title>Route {rep}</title></head><body>{page}"
            "</body></html>"
        )
        if not mine.empty:
            (out / f"{rep}.ics").write_bytes(route_ics(pd.Series(summary), mine))
    click.echo(f"wrote {len(days)} route pages to {out}")


@routes.command("email")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), required=True, help="planned day, YYYY-MM-DD")
@click.option("--rep", "rep_ids", multiple=True, help="rep id (repeatable; default every rep)")
def email(day, rep_ids: tuple[str, ...]) -> None:
    """E-mail each rep their own route (stop list, map, directions link, .ics) over the configured SMTP server."""
    from dagster_project.defs.routes.render import route_email, send

    config, emails, days, stops, dropped = _read_day(day.date(), rep_ids)
    messages, skipped = [], []
    for summary in days.to_dict("records"):
        rep = summary["rep_id"]
        if not emails.get(rep):
            skipped.append(rep)
            continue
        messages.append(
            route_email(
                config,
                emails[rep],
                pd.Series(summary),
                stops[stops["rep_id"] == rep],
                dropped[dropped["rep_id"] == rep],
                config.map_tile_url,
            )
        )
    send(config, messages)
    click.echo(
        f"sent {len(messages)} route e-mails"
        + (f"; no e-mail address for {', '.join(skipped)}" if skipped else "")
    )
