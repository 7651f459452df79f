"""Reading source files line by line into string columns, keeping line numbers and the raw text of every line."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from dagster_project.defs.ingest.spec import SourceSpec

LINEAGE = ["_source", "_source_line", "_raw", "_parse_error"]
SCHEMA_LINEAGE = [
    ("_source", pa.string()),
    ("_source_line", pa.int64()),
    ("_raw", pa.string()),
    ("_parse_error", pa.string()),
]
_SURROGATE = re.compile("[\udc80-\udcff]")
# a report may carry a long free-text field; the csv module's default limit is 128 KiB
csv.field_size_limit(sys.maxsize)


class HeaderError(ValueError):
    """A file whose header cannot be mapped onto its raw table."""


@dataclass
class FileRead:
    """The rows of one file as strings, ready for typing in DuckDB."""

    table: pa.Table
    lines: int


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _split_lines(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


def _decode(line: bytes, encoding: str) -> tuple[str, str | None]:
    try:
        return line.decode(encoding), None
    except UnicodeDecodeError as exc:
        return line.decode(
            encoding, errors="backslashreplace"
        ), f"not valid {encoding}: {exc.reason} at byte {exc.start}"


def _csv_records(
    lines: list[str], delimiter: str, encoding: str, first_line: int = 1
) -> Iterator[tuple[int, str, list[str] | None, str | None]]:
    """(first line, raw text, fields, error) per CSV record: RFC 4180 quoting (a quoted field may span lines), any
    of CRLF, LF or CR as line end, fields of any size; undecodable bytes (kept as surrogates) fail their record."""
    pending: list[str] = []

    def feed() -> Iterator[str]:
        for line in lines:
            pending.append(line)
            yield line

    reader = csv.reader(feed(), delimiter=delimiter, strict=True)
    first = first_line
    while True:
        error = None
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            fields, error = None, f"malformed line: {exc}"
        raw = "".join(pending).removesuffix("\n").removesuffix("\r")
        pending.clear()
        if _SURROGATE.search(raw):
            data = raw.encode(encoding, errors="surrogateescape")
            raw, error = _decode(data, encoding)
            fields = None
        yield first, raw, fields, error
        first = first_line + reader.line_num


def read_file(path: Path, relative: str, spec: SourceSpec) -> FileRead:
    """Parse one file of `spec`'s format; a line that cannot be parsed keeps its text and a parse error.

    A spec with a `query` gets every column of the export under its own name, for the query to read.
    """
    pairs = [(c.name, c.source) for c in spec.columns]
    data = path.read_bytes()
    if spec.encoding.replace("-", "").lower().startswith("utf8"):
        data = data.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark is not part of the data
    first_line = spec.skip_lines + 1
    records_csv: Iterator | None = None
    header: list[str] | None = None
    if spec.format == "csv":
        # whole records, not lines: RFC 4180 lets a quoted field hold line ends, and CR alone ends a line too
        text = data.decode(spec.encoding.replace("-sig", ""), errors="surrogateescape").removeprefix("\ufeff")
        physical = list(io.StringIO(text, newline=""))
        physical = physical[spec.skip_lines : len(physical) - spec.footer_lines]
        records_csv = _csv_records(physical, spec.delimiter, spec.encoding, first_line)
        head = next(records_csv, None)
        if head is None:
            names = [name for name, _ in pairs] if not spec.query else []
            return FileRead(
                pa.table(
                    {n: pa.array([], pa.string()) for n in names}
                    | {n: pa.array([], t) for n, t in SCHEMA_LINEAGE}
                ),
                0,
            )
        _, _, fields, header_error = head
        header = [h.strip() for h in fields or []]
        if spec.query:
            pairs = [(h, h) for h in header]
        lines: list[bytes] = []
    else:
        lines = _split_lines(data)
        lines = lines[spec.skip_lines : len(lines) - spec.footer_lines]
    if spec.query and spec.format == "ndjson":
        keys: dict[str, None] = {}
        for raw in lines:
            try:
                record = json.loads(raw.decode(spec.encoding))
                keys.update(dict.fromkeys(record if isinstance(record, dict) else ()))
            except (UnicodeDecodeError, json.JSONDecodeError):
                pass
        pairs = [(k, k) for k in keys]
    names = [name for name, _ in pairs]
    rows: dict[str, list] = {name: [] for name in names + LINEAGE}
    if spec.format == "ndjson":
        records: list[dict] = []
        for number, raw in enumerate(lines, start=1):
            text, error = _decode(raw, spec.encoding)
            record: dict = {}
            if error is None:
                try:
                    record = json.loads(text)
                    if not isinstance(record, dict):
                        error, record = "malformed line: not a JSON object", {}
                except json.JSONDecodeError as exc:
                    error = f"malformed line: {exc.msg} at column {exc.colno}"
            records.append(record)
            rows["_raw"].append(text)
            rows["_parse_error"].append(error)
        rows["_source_line"] = list(range(1, len(lines) + 1))
        # Column by column: list comprehensions over millions of values are several times faster than appends.
        for column in spec.columns:
            values = [r.get(column.source) for r in records]
            rows[column.name] = [v if v is None or type(v) is str else _text(v) for v in values]
        data_lines = len(lines)
    elif spec.format == "csv":
        assert records_csv is not None and header is not None
        missing = [source for _, source in pairs if source not in header]
        if header_error or missing:
            raise HeaderError(
                f"{relative}: header cannot be mapped onto raw.{spec.target_table}; "
                f"missing columns: {', '.join(missing) if missing and not header_error else '(undecodable header)'}"
            )
        positions = [header.index(source) for _, source in pairs]
        data_lines = 0
        for number, raw, fields, error in records_csv:
            if fields is not None and len(fields) != len(header):
                error = f"malformed line: expected {len(header)} fields, found {len(fields)}"
                fields = None
            for (name, _), position in zip(pairs, positions):
                rows[name].append(fields[position] if fields else None)
            rows["_source_line"].append(number)
            rows["_raw"].append(raw)
            rows["_parse_error"].append(error)
            data_lines += 1
    else:
        raise ValueError(f"{spec.name}: format {spec.format} is not a file format")
    rows["_source"] = [relative] * data_lines
    schema = pa.schema([(n, pa.string()) for n in names] + SCHEMA_LINEAGE)
    return FileRead(pa.table(rows, schema=schema), data_lines)
