"""The `kpi` command line: one click group that each part of the project adds its sub-commands to."""

from __future__ import annotations

import importlib
import json
import os
import sys
from datetime import date
from pathlib import Path

import click

# Sub-commands registered by other modules through their `register(group)`, imported only when used so that
# `kpi demo-data` does not pay for importing Dagster.
LAZY = {
    "build": "dagster_project.build",
    "backfill": "dagster_project.build",
    "check": "dagster_project.build",
    "mappings": "dagster_project.defs.ingest.dry_run",
    "routes": "dagster_project.defs.routes.commands",
}


class KpiGroup(click.Group):
    """A click group that also lists and loads the lazily registered sub-commands."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(LAZY))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in LAZY:
            importlib.import_module(LAZY[name]).register(self)
        return super().get_command(ctx, name)


@click.group(cls=KpiGroup)
def main() -> None:
    """Sales-KPI warehouse commands."""
    # The warehouse, the serving snapshot, quality docs and logs the commands write are readable by the owner only.
    os.umask(0o077)


@main.command("demo-data")
@click.option(
    "--scale", type=float, default=1.0, show_default=True, help="scale factor (1 ≈ 50 reps, 300k orders/2y)"
)
@click.option("--seed", type=click.IntRange(min=0), default=42, show_default=True)
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), required=True, help="first day, YYYY-MM-DD")
@click.option("--days", type=click.IntRange(min=1), default=730, show_default=True, help="number of days")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="sources folder")
@click.option("--append-day", is_flag=True, help="write only the day after the last one present in --out")
def demo_data(scale: float, seed: int, start, days: int, out: Path, append_day: bool) -> None:
    """Generate deterministic demo sources (CRM NDJSON, ad CSVs, orders SQLite, reference CSVs)."""
    from dagster_project.demo import writer
    from dagster_project.demo.model import Config, DemoDataError

    first: date = start.date()
    progress = sys.stderr.isatty()
    try:
        if append_day:
            written = writer.append_day(out, scale, seed, first, progress=progress)
        else:
            written = writer.generate(
                out, Config(scale=scale, seed=seed, start=first, days=days), progress=progress
            )
    except DemoDataError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(written.as_dict(), indent=1))


if __name__ == "__main__":
    main()
