"""`kpi mappings check`: how a mapping file maps an export, and what the build would quarantine and why."""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.defs.ingest.load import stage_files
from dagster_project.defs.ingest.loader import LookupFileError, TableLoad, known_currencies
from dagster_project.defs.ingest.readers import HeaderError
from dagster_project.defs.ingest.spec import DAY_IN_PATH, SpecError, read_mapping
from dagster_project.warehouse import duckdb_config

SAMPLE_LINES = 5


def newest_export(spec, sources_dir: Path) -> Path | None:
    """The last file (by name, so by day) under the sources folder that the mapping's `files` glob matches."""
    found = sorted(sources_dir.glob(spec.glob_for("*")))
    return found[-1] if found else None


def sources_root(spec, export: Path, sources_dir: Path) -> Path:
    """The folder the export's path is relative to: the sources folder, or the one above the export in which
    its path matches the mapping's `files` glob (a sample kept elsewhere, with its lookup files beside it)."""
    export = export.resolve()
    if export.is_relative_to(sources_dir.resolve()):
        return sources_dir.resolve()
    depth = len(Path(spec.glob_for("*")).parts)
    if len(export.parents) >= depth:
        root = export.parents[depth - 1]
        if export.relative_to(root).match(spec.glob_for("*")):
            return root
    return sources_dir.resolve()


def dry_run(mapping: Path, export: Path | None, sources_dir: Path, rows: int = 5) -> tuple[bool, str]:
    """Map one export with the build's own code path, in memory; returns (nothing quarantined, the report)."""
    try:
        spec = read_mapping(mapping)
    except SpecError as exc:
        return False, str(exc)
    export = export or newest_export(spec, sources_dir)
    if export is None:
        return False, f"{mapping}: no file under {sources_dir} matches files: {spec.files} (name an EXPORT)"
    # the rules of the data contract: the format spec with the company profile's vocabulary (its stages, …)
    from dagster_project.contract import raw_contract
    from dagster_project.profile import load_profile

    canonical = raw_contract(load_profile())[spec.target_table]
    day = DAY_IN_PATH.search(export.name)
    out = [f"{mapping} → raw.{spec.target_table}, reading {export}"]
    with duckdb.connect(config=duckdb_config()) as con:
        con.execute("set TimeZone = 'UTC'")
        load = TableLoad(con, canonical, known_currencies(con, sources_dir / "reference" / "fx_rates.csv"))
        try:
            stage_files(
                con,
                load,
                spec,
                [(day.group(1) if day else None, export.resolve())],
                sources_root(spec, export, sources_dir),
            )
        except (SpecError, HeaderError, LookupFileError) as exc:
            return False, str(exc)
        checked = load.check()
        names = [c.name for c in canonical.columns]
        origin = {c.name: f"← {c.source}" for c in spec.columns} | {k: "(constant)" for k in spec.constants}
        labels = [f"{n} {origin.get(n, '(not mapped)')}" for n in names]
        width = max(map(len, labels))
        sample = con.execute(
            f"select _source_line, {', '.join(chr(34) + n + chr(34) for n in names)} from {checked} "
            f"where _reason is null order by _source_line limit {int(rows)}"
        ).fetchall()
        for line, *values in sample:
            out.append(f"\nline {line}:")
            out += [
                f"  {label:<{width}} = {'' if value is None else value}"
                for label, value in zip(labels, values)
            ]
        reasons = con.execute(
            f"select _reason, count(*), list(_source_line order by _source_line)[:{SAMPLE_LINES}] "
            f"from {checked} where _reason is not null group by 1 order by 2 desc, 1"
        ).fetchall()
        loaded, quarantined = con.execute(
            f"select count(*) filter (where _reason is null), count(*) filter (where _reason is not null) "
            f"from {checked}"
        ).fetchone()
    if reasons:
        out.append(f"\nwould quarantine {quarantined} row(s):")
        for reason, count, lines in reasons:
            out.append(
                f"  {count} × {reason}  (line {', '.join(map(str, lines))}{', …' if count > len(lines) else ''})"
            )
            out += [f"      {hint}" for hint in _hints(reason, canonical)]
    aggregated = f" + aggregated {load.counts.aggregated}" if load.counts.aggregated else ""
    out.append(f"\nread {load.counts.read} = would load {loaded} + quarantine {quarantined}{aggregated}")
    return quarantined == 0, "\n".join(out)


def _hints(reason: str, canonical) -> list[str]:
    """What to change in the mapping for the commonest reasons."""
    for column in canonical.columns:
        if reason.startswith(f"value not accepted for {column.name}: "):
            return [
                f"accepted: {', '.join(column.accepted)} — recode it under `values: {column.name}:`"
                + (" or add it to the profile's deal_stages" if column.accepted_from == "deal_stages" else "")
            ]
        if reason.startswith(f"wrong type for {column.name} ({column.type})") and column.type in (
            "date",
            "timestamp",
        ):
            return [
                "give the column's strptime format: `Header: {to: " + column.name + ", date_format: ...}`"
            ]
        if reason == f"missing required field: {column.name}":
            return [f'blank {column.name} can be recoded: `values: {column.name}: {{"": ...}}`']
    return []


def register(group) -> None:
    """Add `kpi mappings check` to the `kpi` command group."""
    import click

    from dagster_project.environment import settings

    @group.group("mappings")
    def mappings() -> None:
        """Mapping files for exports in another shape."""

    @mappings.command("check")
    @click.argument("mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.argument("export", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--rows", default=5, show_default=True, help="mapped rows to print")
    def check(mapping: Path, export: Path | None, rows: int) -> None:
        """Print how the first rows of EXPORT (default: the newest matching file) map, and what is quarantined."""
        clean, report = dry_run(mapping, export, settings().sources_dir, rows)
        click.echo(report)
        raise SystemExit(0 if clean else 1)
