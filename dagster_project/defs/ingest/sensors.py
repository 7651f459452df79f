"""File-drop sensor: a run for the days whose landing files arrived or changed, keyed by their content hash."""

import hashlib
import json
from datetime import date, timedelta
from pathlib import Path

import dagster as dg

from dagster_project.defs.ingest.assets import SOURCES, landing_key
from dagster_project.defs.ingest.spec import DAY_IN_PATH, builtin_specs, mapping_specs
from dagster_project.environment import settings
from dagster_project.partitions import daily_partitions
from dagster_project.runs import BUILD_JOB, RANGE_END_TAG, RANGE_START_TAG


def _watched_patterns(mappings_dir: Path) -> list[str]:
    specs = [*builtin_specs().values(), *mapping_specs(mappings_dir)]
    return sorted({s.files.replace("{day}", "*") for s in specs if s.files and "{day}" in s.files})


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def scan(sources_dir: Path, mappings_dir: Path, known: dict[str, list]) -> dict[str, list]:
    """Fingerprint every landing file as [mtime_ns, size, sha256]; unchanged stats reuse the known hash."""
    files: dict[str, list] = {}
    for pattern in _watched_patterns(mappings_dir):
        for path in sources_dir.glob(pattern):
            relative = str(path.relative_to(sources_dir))
            stat = path.stat()
            previous = known.get(relative)
            if previous and previous[0] == stat.st_mtime_ns and previous[1] == stat.st_size:
                files[relative] = previous
            else:
                files[relative] = [stat.st_mtime_ns, stat.st_size, _sha256(path)]
    return files


def day_hashes(files: dict[str, list]) -> dict[str, str]:
    """One hash per day over the names and contents of that day's files."""
    by_day: dict[str, list[str]] = {}
    for relative, (_, _, sha) in files.items():
        match = DAY_IN_PATH.search(relative)
        if match:
            by_day.setdefault(match.group(1), []).append(f"{relative}:{sha}")
    return {
        day: hashlib.sha256("\n".join(sorted(items)).encode()).hexdigest() for day, items in by_day.items()
    }


def loaded_days(
    instance: dg.DagsterInstance, files: dict[str, list], asset_keys: list[dg.AssetKey]
) -> set[str]:
    """Days whose files every partitioned raw asset has loaded since they last changed (by modification time).

    On its first tick the sensor counts these as seen: after `kpi build` has loaded the history, starting the
    daemon must not queue that history again.
    """
    if not asset_keys:
        return set()
    loaded: set[str] | None = None
    loaded_at = float("inf")
    for key in asset_keys:
        event = instance.get_latest_materialization_event(key)
        if event is None:
            return set()
        loaded_at = min(loaded_at, event.timestamp)
        days = set(instance.get_materialized_partitions(key))
        loaded = days if loaded is None else loaded & days
    newest: dict[str, int] = {}
    for relative, (mtime_ns, _, _) in files.items():
        match = DAY_IN_PATH.search(relative)
        if match:
            newest[match.group(1)] = max(newest.get(match.group(1), 0), mtime_ns)
    return {day for day in loaded or set() if newest.get(day, 0) / 1e9 < loaded_at}


def landing_observations(files: dict[str, list], previous: dict[str, list]) -> list[dg.AssetObservation]:
    """One observation per source whose landing files arrived, changed or went since the last tick."""
    changed = {name for name in files.keys() | previous.keys() if files.get(name) != previous.get(name)}
    by_source: dict[str, list[str]] = {}
    for name in changed:
        source = Path(name).parts[0]
        if source in SOURCES:
            by_source.setdefault(source, []).append(name)
    return [
        dg.AssetObservation(
            asset_key=landing_key(source),
            metadata={
                "files_changed": len(names),
                "files_watched": sum(1 for n in files if Path(n).parts[0] == source),
                "days": ", ".join(sorted({m.group(1) for n in names if (m := DAY_IN_PATH.search(n))}))
                or "none",
            },
        )
        for source, names in sorted(by_source.items())
    ]


def contiguous_ranges(days: list[str]) -> list[tuple[str, str]]:
    """Sorted ISO days grouped into runs of consecutive days: one run per range, not per day."""
    ranges: list[tuple[str, str]] = []
    for day in sorted(days):
        if ranges and date.fromisoformat(day) == date.fromisoformat(ranges[-1][1]) + timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def build_file_drop_sensor(watched_assets: list[dg.AssetKey] | None = None) -> dg.SensorDefinition:
    """`watched_assets`: the partitioned raw assets whose materializations tell which days are already loaded."""
    watched = list(watched_assets or [])

    @dg.sensor(
        name="landing_files_sensor",
        job_name=BUILD_JOB,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Requests one build per range of consecutive days whose landing files arrived or changed.",
    )
    def landing_files_sensor(context: dg.SensorEvaluationContext):
        config = settings()
        first_tick = not context.cursor
        cursor = json.loads(context.cursor) if context.cursor else {"files": {}, "days": {}}
        previous_files = cursor["files"]
        files = scan(config.sources_dir, config.mappings_dir, previous_files)
        valid = set(daily_partitions().get_partition_keys())
        hashes = day_hashes(files)
        if first_tick:
            for day in loaded_days(context.instance, files, watched) & hashes.keys():
                cursor["days"][day] = hashes[day]
        # a day still in progress (or before the first partition) waits for its partition
        changed = [d for d, digest in hashes.items() if d in valid and cursor["days"].get(d) != digest]
        requests = []
        for first, last in contiguous_ranges(changed):
            days = [d for d in sorted(changed) if first <= d <= last]
            digest = hashlib.sha256("".join(hashes[d] for d in days).encode()).hexdigest()
            run_key = f"{first}:{digest[:16]}" if first == last else f"{first}..{last}:{digest[:16]}"
            if first == last:
                requests.append(dg.RunRequest(run_key=run_key, partition_key=first))
            else:
                requests.append(
                    dg.RunRequest(run_key=run_key, tags={RANGE_START_TAG: first, RANGE_END_TAG: last})
                )
            for day in days:
                cursor["days"][day] = hashes[day]
        context.update_cursor(json.dumps({"files": files, "days": cursor["days"]}, sort_keys=True))
        observations = landing_observations(files, previous_files)
        if not requests:
            return dg.SensorResult(
                asset_events=observations,
                skip_reason=f"no new or changed landing files ({len(files)} files watched)",
            )
        return dg.SensorResult(run_requests=requests, asset_events=observations)

    return landing_files_sensor
