"""File-drop sensor: a run for every day whose landing files arrived or changed, keyed by their content hash."""

import hashlib
import json
from pathlib import Path

import dagster as dg

from dagster_project.build import BUILD_JOB
from dagster_project.defs.ingest.spec import DAY_IN_PATH, builtin_specs, mapping_specs
from dagster_project.environment import settings
from dagster_project.partitions import daily_partitions


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
    return {day: hashlib.sha256("\n".join(sorted(items)).encode()).hexdigest() for day, items in by_day.items()}


def build_file_drop_sensor() -> dg.SensorDefinition:
    @dg.sensor(
        name="landing_files_sensor",
        job_name=BUILD_JOB,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Requests a build of every day whose landing files arrived or changed.",
    )
    def landing_files_sensor(context: dg.SensorEvaluationContext):
        config = settings()
        cursor = json.loads(context.cursor) if context.cursor else {"files": {}, "days": {}}
        files = scan(config.sources_dir, config.mappings_dir, cursor["files"])
        valid = set(daily_partitions().get_partition_keys())
        hashes = day_hashes(files)
        requests = []
        for day, digest in sorted(hashes.items()):
            if day not in valid:
                continue  # a day still in progress (or before the first partition) waits for its partition
            if cursor["days"].get(day) != digest:
                requests.append(dg.RunRequest(run_key=f"{day}:{digest[:16]}", partition_key=day))
                cursor["days"][day] = digest
        context.update_cursor(json.dumps({"files": files, "days": cursor["days"]}, sort_keys=True))
        if not requests:
            return dg.SkipReason(f"no new or changed landing files ({len(files)} files watched)")
        return requests

    return landing_files_sensor
