"""What a landing folder holds for one source: the one file of each day, and every other file with the reason it
is not loaded; an expected input that is absent, unreadable or empty is an error naming the file and the setting."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath

from dagster_project.defs.ingest.spec import SourceSpec

SOURCES_SETTING = "KPI_SOURCES_DIR"


class InputError(RuntimeError):
    """An input that is expected and absent, unreadable, empty or ambiguous; the message names file and setting."""


def expected(table: str) -> bool:
    """Whether the company uses the source feeding `table` (the one place that asks the company profile)."""
    from dagster_project.profile import table_enabled

    return table_enabled(table)


@dataclass(frozen=True)
class Ignored:
    """A file in a source's landing folder that is not loaded, and why."""

    path: str
    reason: str


@dataclass
class Survey:
    """A source's landing folder for a window: the files to load (day, path) and the files left out."""

    files: list[tuple[str | None, Path]] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)
    present: bool = False  # the landing folder (or the file of an unpartitioned source) exists


def _root(pattern: str) -> str:
    """The fixed folder a pattern starts with (no wildcard, no `{day}`): the source's landing folder."""
    parts = []
    for part in PurePosixPath(pattern).parts[:-1]:
        if "{day}" in part or any(ch in part for ch in "*?["):
            break
        parts.append(part)
    return "/".join(parts)


def pattern_regex(pattern: str) -> re.Pattern:
    """A full-match regex of a `files` pattern, `{day}` captured as `day`; `*` never crosses a folder."""
    pieces = []
    for i, piece in enumerate(pattern.split("{day}")):
        if i:
            pieces.append(r"(?P<day>\d{4}-\d{2}-\d{2})" if i == 1 else r"(?P=day)")
        # fnmatch's translation lets `*` match `/`; a day's file lies at exactly the pattern's depth
        translated = fnmatch.translate(piece).removeprefix("(?s:").removesuffix(r")\Z")
        pieces.append(translated.replace(".*", "[^/]*"))
    return re.compile("".join(pieces))


def _where(spec: SourceSpec, sources_dir: Path) -> str:
    return f"(setting {SOURCES_SETTING}={sources_dir}; files: {spec.files} in {spec.origin})"


def _walk(folder: Path) -> Iterable[Path]:
    """Every file under `folder`; a folder that cannot be listed is an error naming it."""

    def fail(exc: OSError) -> None:
        raise InputError(f"{exc.filename}: cannot read this folder ({exc.strerror})")

    for parent, _, names in os.walk(folder, onerror=fail, followlinks=True):
        for name in names:
            yield Path(parent) / name


def survey(
    sources_dir: Path,
    spec: SourceSpec,
    window: tuple[date, date] | None,
    required: bool,
    others: Iterable[SourceSpec] = (),
) -> Survey:
    """The files of `spec` to load for the window (exactly one per day) and every other file of its folder.

    `required`: the source is expected, so a missing or empty landing folder, or a missing or empty file of an
    unpartitioned source, is an InputError. Files that another spec loads from the same folder are not listed.
    """
    assert spec.files is not None
    table = spec.target_table
    result = Survey()
    if "{day}" not in spec.files:
        path = sources_dir / spec.files
        if not path.is_file():
            if required:
                raise InputError(f"{path}: file of raw.{table} not found {_where(spec, sources_dir)}")
            return result
        if path.stat().st_size == 0 and required:
            raise InputError(f"{path}: file of raw.{table} is empty {_where(spec, sources_dir)}")
        result.files.append((None, path))
        result.present = True
        root = path.parent
    else:
        root = sources_dir / _root(spec.files)
        if not root.is_dir():
            if required:
                raise InputError(
                    f"{root}: landing folder of raw.{table} not found {_where(spec, sources_dir)}"
                )
            return result
        result.present = True
    mine = pattern_regex(spec.files)
    theirs = [pattern_regex(o.files) for o in others if o.files and o is not spec]
    days = None if window is None else (window[0].isoformat(), window[1].isoformat())
    by_day: dict[str, list[Path]] = {}
    matched = 0
    for path in _walk(root):
        relative = path.relative_to(sources_dir).as_posix()
        if not path.is_file():
            raise InputError(
                f"{path}: cannot be read (a broken link or not a regular file) {_where(spec, sources_dir)}"
            )
        match = mine.fullmatch(relative)
        if match is None:
            if not any(r.fullmatch(relative) for r in theirs):
                result.ignored.append(Ignored(relative, f"name does not match {spec.files} ({spec.origin})"))
            continue
        if "{day}" not in spec.files:
            continue
        day = match.group("day")
        try:
            date.fromisoformat(day)
        except ValueError:
            result.ignored.append(Ignored(relative, f"{day} is not a calendar day"))
            continue
        matched += 1
        if days is None or days[0] <= day <= days[1]:
            by_day.setdefault(day, []).append(path)
    if "{day}" in spec.files and matched == 0 and required:
        raise InputError(f"{root}: no file of raw.{table} in its landing folder {_where(spec, sources_dir)}")
    for day, paths in sorted(by_day.items()):
        if len(paths) > 1:
            names = ", ".join(sorted(p.relative_to(sources_dir).as_posix() for p in paths))
            raise InputError(
                f"{len(paths)} files of raw.{table} for {day}: {names} — exactly one file per source and day is "
                f"loaded; move the others out of the landing folder {_where(spec, sources_dir)}"
            )
        result.files.append((day, paths[0]))
    result.ignored.sort(key=lambda i: i.path)
    return result
