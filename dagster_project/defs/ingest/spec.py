"""Source specifications: how one source file or table maps onto a raw table (built-in formats and mapping files)."""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
    date_format: str | tuple[str, ...] | None = None


@dataclass(frozen=True)
class Lookup:
    """A canonical column whose export value is replaced by the value found for it in another file."""

    file: str  # glob under the sources folder; the last match in name order is read
    key: str
    value: str
    delimiter: str = ","
    encoding: str = "utf-8"
    default: str | None = None  # used when the key is not found; without it such a row is quarantined


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
    # canonical column → {source value → canonical value}; the key "" recodes blanks
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    timezone: str | None = None  # zone of the export's timestamps without an offset; stored as UTC
    aggregate: tuple[str, ...] = ()  # columns summed over rows that agree on every other column
    lookups: dict[str, Lookup] = field(default_factory=dict)
    query: str | None = None  # a DuckDB SELECT over the relation `export` (every export column as text)
    skip_lines: int = 0  # lines above the header (a report's title and date range)
    footer_lines: int = 0  # lines below the rows (a report's summary line)
    origin: str = "built-in"

    @property
    def partitioned(self) -> bool:
        return self.format == "sql" or (self.files is not None and "{day}" in self.files)

    def glob_for(self, day: str | None) -> str:
        assert self.files is not None
        return self.files.replace("{day}", day) if day else self.files

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)


MAPPING_KEYS = {
    "target_table",
    "format",
    "files",
    "delimiter",
    "encoding",
    "decimal_comma",
    "date_format",
    "timezone",
    "constants",
    "values",
    "columns",
    "aggregate",
    "lookups",
    "query",
    "skip_lines",
    "footer_lines",
}
COLUMN_KEYS = {"to", "date_format"}
LOOKUP_KEYS = {"file", "key", "value", "delimiter", "encoding", "default"}
# DuckDB's CSV reader decodes these without the encodings extension (which cannot be installed here)
LOOKUP_ENCODINGS = {"utf-8", "utf-16", "latin-1"}


def _date_format(value, where: str) -> str | tuple[str, ...] | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise SpecError(f"{where}: date_format must be a strptime format or a list of them")


def _count(data: dict, key: str, origin: str) -> int:
    value = data.get(key, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise SpecError(f"{origin}: {key} must be a whole number of lines")
    return value


def _value_key(value) -> str:
    # YAML reads an empty key (`"":` or `~:`) as "" or None: both stand for a blank cell
    return "" if value is None else str(value)


def parse_mapping(data, name: str, origin: str, base: SourceSpec) -> SourceSpec:
    """Build the spec of a mapping file; types and rules come from the built-in spec of its raw table."""
    if not isinstance(data, dict):
        raise SpecError(f"{origin}: not a YAML mapping of keys to values")
    unknown = sorted(set(map(str, data)) - MAPPING_KEYS)
    if unknown:
        raise SpecError(
            f"{origin}: unknown key {', '.join(unknown)} (known: {', '.join(sorted(MAPPING_KEYS))})"
        )
    target = base.target_table
    by_name = {c.name: c for c in base.columns}

    def canonical_column(column, where: str) -> ColumnSpec:
        if column not in by_name:
            raise SpecError(
                f"{origin}: {where}: '{column}' is not a column of raw.{target} "
                f"(columns: {', '.join(by_name)})"
            )
        return by_name[column]

    if not isinstance(data.get("columns"), dict) or not data["columns"]:
        raise SpecError(f"{origin}: 'columns' must map export headers to columns of raw.{target}")
    default_format = _date_format(data.get("date_format"), f"{origin}: date_format")
    columns: list[ColumnSpec] = []
    for source, target_def in data["columns"].items():
        date_format = default_format
        if isinstance(target_def, dict):
            extra = sorted(set(target_def) - COLUMN_KEYS)
            if extra or "to" not in target_def:
                raise SpecError(f"{origin}: column '{source}' needs 'to' and may have 'date_format' only")
            date_format = _date_format(target_def.get("date_format", default_format), f"{origin}: '{source}'")
            target_def = target_def["to"]
        # one export column may feed several canonical columns
        for canonical in target_def if isinstance(target_def, list) else [target_def]:
            rules = canonical_column(canonical, f"column '{source}'")
            if any(c.name == canonical for c in columns):
                raise SpecError(f"{origin}: '{canonical}' is fed by two export columns")
            fmt = date_format if rules.type in ("date", "timestamp") and date_format else rules.date_format
            columns.append(ColumnSpec(**{**rules.__dict__, "source": str(source), "date_format": fmt}))
    constants = {str(k): str(v) for k, v in (data.get("constants") or {}).items()}
    for canonical in constants:
        canonical_column(canonical, "constants")
    both = sorted({c.name for c in columns} & set(constants))
    if both:
        raise SpecError(f"{origin}: {', '.join(both)} is both mapped and a constant")
    mapped = {c.name for c in columns} | set(constants)
    missing_required = [c.name for c in base.columns if c.required and c.name not in mapped]
    if missing_required:
        raise SpecError(f"{origin}: required columns not mapped: {', '.join(missing_required)}")
    values = {}
    for canonical, recode in (data.get("values") or {}).items():
        canonical_column(canonical, "values (keyed by the canonical column)")
        if canonical not in mapped:
            raise SpecError(
                f"{origin}: values: '{canonical}' is neither mapped from an export column nor a constant"
            )
        if not isinstance(recode, dict):
            raise SpecError(f"{origin}: values of '{canonical}' must map export values to canonical values")
        values[str(canonical)] = {_value_key(a): str(b) for a, b in recode.items()}
    lookups = {}
    for canonical, spec in (data.get("lookups") or {}).items():
        canonical_column(canonical, "lookups")
        if canonical not in {c.name for c in columns}:
            raise SpecError(f"{origin}: lookups: '{canonical}' must also be mapped from an export column")
        if not isinstance(spec, dict) or not {"file", "key", "value"} <= set(spec) or set(spec) - LOOKUP_KEYS:
            raise SpecError(
                f"{origin}: lookups: '{canonical}' needs file, key, value "
                f"(optional: delimiter, encoding, default)"
            )
        lookup = Lookup(**{k: str(v) for k, v in spec.items()})
        if lookup.encoding.lower() not in LOOKUP_ENCODINGS:
            raise SpecError(
                f"{origin}: lookups: '{canonical}' encoding must be one of "
                f"{', '.join(sorted(LOOKUP_ENCODINGS))}"
            )
        lookups[str(canonical)] = lookup
    aggregate = data.get("aggregate") or {}
    if aggregate and (not isinstance(aggregate, dict) or set(aggregate) != {"sum"}):
        raise SpecError(f"{origin}: aggregate must be {{sum: [columns]}}")
    summed = tuple(aggregate.get("sum") or ())
    for canonical in summed:
        if canonical_column(canonical, "aggregate").type not in ("bigint", "double"):
            raise SpecError(f"{origin}: aggregate: '{canonical}' is not numeric")
    timezone = data.get("timezone")
    if timezone is not None:
        try:
            ZoneInfo(str(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise SpecError(
                f"{origin}: timezone '{timezone}' is not an IANA time zone (e.g. Europe/Berlin)"
            ) from None
    query = data.get("query")
    if query is not None and not re.match(r"\s*(with|select|from)\b", str(query), re.IGNORECASE):
        raise SpecError(f"{origin}: query must be a DuckDB SELECT over the relation `export`")
    if "files" not in data:
        raise SpecError(f"{origin}: missing key 'files' (a glob under the sources folder)")
    if base.partitioned and "{day}" not in str(data["files"]):
        raise SpecError(f"{origin}: 'files' must contain {{day}} (YYYY-MM-DD), as raw.{target} loads by day")
    file_format = data.get("format", "csv")
    if file_format not in ("csv", "ndjson"):
        raise SpecError(f"{origin}: format must be csv or ndjson")
    try:
        "".encode(str(data.get("encoding", "utf-8")))
    except LookupError:
        raise SpecError(f"{origin}: unknown encoding '{data.get('encoding')}'") from None
    return SourceSpec(
        name=name,
        target_table=target,
        format=file_format,
        columns=tuple(columns),
        key=base.key,
        files=str(data["files"]),
        delimiter=str(data.get("delimiter", ",")),
        encoding=str(data.get("encoding", "utf-8")),
        decimal_comma=bool(data.get("decimal_comma", False)),
        constants=constants,
        values=values,
        timezone=str(timezone) if timezone else None,
        aggregate=summed,
        lookups=lookups,
        query=str(query) if query else None,
        skip_lines=_count(data, "skip_lines", origin),
        footer_lines=_count(data, "footer_lines", origin),
        origin=origin,
    )


def parse_spec(data: dict, name: str, origin: str) -> SourceSpec:
    """Build a built-in format's spec from its YAML data."""
    try:
        columns_data = data["columns"]
        target = data["target_table"]
    except KeyError as missing:
        raise SpecError(f"{origin}: missing key {missing}") from None
    columns = []
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
        format=data.get("format", "csv"),
        columns=tuple(columns),
        key=tuple(data.get("key", ())),
        files=data.get("files"),
        table=data.get("table"),
        delimiter=data.get("delimiter", ","),
        encoding=data.get("encoding", "utf-8"),
        decimal_comma=bool(data.get("decimal_comma", False)),
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


@dataclass(frozen=True)
class MappingProblem:
    """A mapping file that cannot be used, charged to the raw table whose load it fails."""

    path: Path
    table: str
    message: str


def _owner_table(text: str, builtin: dict[str, SourceSpec]) -> str:
    """The raw table a (possibly unreadable) mapping file meant to feed, so that only that source fails."""
    match = re.search(r"^target_table\s*:\s*['\"]?([\w-]+)", text, re.MULTILINE)
    target = match.group(1) if match else ""
    if target in builtin:
        return target
    # a misspelt table is charged to the nearest name, else to its source's prefix (crm_, ads_, …), else the CRM
    close = difflib.get_close_matches(target, list(builtin), n=1)
    family = sorted(t for t in builtin if t.startswith(target.split("_")[0] + "_"))
    return (close or family or ["crm_deals"])[0]


def read_mapping(path: Path) -> SourceSpec:
    """One mapping file's spec, or SpecError naming the file and what is wrong with it."""
    builtin = builtin_specs()
    try:
        data = yaml.load(path.read_text(errors="replace"), Loader=SafeLoader) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise SpecError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from None
    target = data.get("target_table") if isinstance(data, dict) else None
    if target not in builtin:
        raise SpecError(
            f"{path}: target_table '{target}' is not a raw table (one of {', '.join(sorted(builtin))})"
        )
    return parse_mapping(data, path.stem, str(path), builtin[target])


def load_mappings(mappings_dir: Path) -> tuple[list[SourceSpec], list[MappingProblem]]:
    """Every mapping file of the folder: the usable specs, and one problem line for each file that is not."""
    if not mappings_dir.is_dir():
        return [], []
    specs, problems = [], []
    for path in sorted(mappings_dir.glob("*.y*ml")):
        try:
            specs.append(read_mapping(path))
        except SpecError as exc:
            problems.append(
                MappingProblem(
                    path, _owner_table(path.read_text(errors="replace"), builtin_specs()), str(exc)
                )
            )
    return specs, problems


def mapping_specs(mappings_dir: Path) -> list[SourceSpec]:
    """Bring-your-own exports: the usable mapping files of the folder (the others fail their own source's load)."""
    return load_mappings(mappings_dir)[0]
