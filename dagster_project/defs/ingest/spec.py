"""Source specifications: how one source file or table maps onto a raw table (built-in formats and mapping files)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

# libyaml's parser when the wheel has it: the same documents, parsed several times faster
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

FORMATS_DIR = Path(__file__).resolve().parent / "formats"
TYPES = {"varchar", "bigint", "double", "date", "timestamp", "boolean"}
DAY_IN_PATH = re.compile(r"(\d{4}-\d{2}-\d{2})")


class SpecError(ValueError):
    """A specification or mapping file that cannot be used."""


@dataclass(frozen=True)
class ColumnSpec:
    """One canonical column: where it comes from in the source and what it must satisfy."""

    name: str
    source: str
    type: str = "varchar"
    required: bool = False
    accepted: tuple[str, ...] = ()
    # a list of the company profile (dagster_project/contract.py fills `accepted` from it), e.g. deal_stages
    accepted_from: str | None = None
    min: float | None = None
    currency: bool = False
    date_format: str | None = None


@dataclass(frozen=True)
class SourceSpec:
    """How the files (or database table) of one source land in one raw table."""

    name: str
    target_table: str
    format: str  # ndjson, csv or sql
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...] = ()
    files: str | None = None  # glob relative to the sources folder; `{day}` stands for YYYY-MM-DD
    table: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8"
    decimal_comma: bool = False
    constants: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    origin: str = "built-in"

    @property
    def partitioned(self) -> bool:
        return self.format == "sql" or (self.files is not None and "{day}" in self.files)

    def glob_for(self, day: str | None) -> str:
        assert self.files is not None
        return self.files.replace("{day}", day) if day else self.files

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)


def parse_spec(data: dict, name: str, origin: str, base: SourceSpec | None = None) -> SourceSpec:
    """Build a spec from YAML data; a mapping file inherits types and rules from the built-in spec of its table."""
    try:
        columns_data = data["columns"]
        target = data["target_table"]
    except KeyError as missing:
        raise SpecError(f"{origin}: missing key {missing}") from None
    date_format = data.get("date_format")
    columns = []
    if base is not None:
        # Mapping file: `columns` maps source header → canonical column; the canonical rules come from the base.
        by_name = {c.name: c for c in base.columns}
        for source, canonical in columns_data.items():
            if canonical not in by_name:
                raise SpecError(f"{origin}: '{canonical}' is not a column of raw.{target}")
            rules = by_name[canonical]
            fmt = date_format if rules.type in ("date", "timestamp") and date_format else rules.date_format
            columns.append(ColumnSpec(**{**rules.__dict__, "source": str(source), "date_format": fmt}))
        mapped = {c.name for c in columns} | set(data.get("constants", {}))
        missing_required = [c.name for c in base.columns if c.required and c.name not in mapped]
        if missing_required:
            raise SpecError(f"{origin}: required columns not mapped: {', '.join(missing_required)}")
    else:
        for canonical, rules in columns_data.items():
            rules = dict(rules or {})
            if rules.get("type", "varchar") not in TYPES:
                raise SpecError(f"{origin}: column {canonical} has unknown type {rules.get('type')}")
            columns.append(
                ColumnSpec(
                    name=canonical,
                    source=str(rules.pop("source", canonical)),
                    accepted=tuple(rules.pop("accepted", ())),
                    **rules,
                )
            )
    return SourceSpec(
        name=name,
        target_table=target,
        format=data.get("format", base.format if base else "csv"),
        columns=tuple(columns),
        key=tuple(data.get("key", base.key if base else ())),
        files=data.get("files"),
        table=data.get("table"),
        delimiter=data.get("delimiter", ","),
        encoding=data.get("encoding", "utf-8"),
        decimal_comma=bool(data.get("decimal_comma", False)),
        constants={k: str(v) for k, v in (data.get("constants") or {}).items()},
        values={k: {str(a): str(b) for a, b in v.items()} for k, v in (data.get("values") or {}).items()},
        origin=origin,
    )


def builtin_specs() -> dict[str, SourceSpec]:
    """The built-in source formats, keyed by raw table."""
    return dict(_builtin_specs())


@functools.cache
def _builtin_specs() -> dict[str, SourceSpec]:
    # They ship with the package, so a process parses them once (a one-day load asked for them six times).
    specs = {}
    for path in sorted(FORMATS_DIR.glob("*.yaml")):
        spec = parse_spec(yaml.load(path.read_text(), Loader=SafeLoader), path.stem, f"formats/{path.name}")
        specs[spec.target_table] = spec
    return specs


def mapping_specs(mappings_dir: Path) -> list[SourceSpec]:
    """Bring-your-own exports: every mapping file in the mappings folder, validated against its raw table."""
    if not mappings_dir.is_dir():
        return []
    builtin = builtin_specs()
    specs = []
    for path in sorted(mappings_dir.glob("*.y*ml")):
        data = yaml.safe_load(path.read_text()) or {}
        target = data.get("target_table")
        if target not in builtin:
            raise SpecError(f"{path}: target_table must be one of {', '.join(sorted(builtin))}")
        if "files" not in data:
            raise SpecError(f"{path}: missing key 'files' (a glob under the sources folder)")
        if builtin[target].partitioned and "{day}" not in str(data["files"]):
            raise SpecError(f"{path}: 'files' must contain {{day}} (YYYY-MM-DD), as raw.{target} loads by day")
        specs.append(parse_spec(data, path.stem, str(path), base=builtin[target]))
    return specs
