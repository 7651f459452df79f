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
SCHEMA_LINEAGE = [("_source", pa.string()), ("_source_line", pa.int64()), ("_raw", pa.string()),
                  ("_parse_error", pa.string())]
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
        return line.decode(encoding, errors="backslashreplace"), f"not valid {encoding}: {exc.reason} at byte {exc.start}"


def _csv_records(text: str, delimiter: str, encoding: str) -> Iterator[tuple[int, str, list[str] | None, str | None]]:
    """(first line, raw text, fields, error) per CSV record: RFC 4180 quoting (a quoted field may span lines), any
    of CRLF, LF or CR as line end, fields of any size; undecodable bytes (kept as surrogates) fail their record."""
    pending: list[str] = []

    def lines() -> Iterator[str]:
        for line in io.StringIO(text, newline=""):
            pending.append(line)
            yield line

    reader = csv.reader(lines(), delimiter=delimiter, strict=True)
    first = 1
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
        first = reader.line_num + 1


def read_file(path: Path, relative: str, spec: SourceSpec) -> FileRead:
    """Parse one file of `spec`'s format; a line that cannot be parsed keeps its text and a parse error."""
    names = [c.name for c in spec.columns]
    rows: dict[str, list] = {name: [] for name in names + LINEAGE}
    if spec.format == "ndjson":
        data = path.read_bytes()
        if spec.encoding.replace("-", "").lower().startswith("utf8"):
            data = data.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark is not part of the data
        lines = _split_lines(data)
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
        text = path.read_bytes().decode(spec.encoding.replace("-sig", ""), errors="surrogateescape")
        records = _csv_records(text.removeprefix("\ufeff"), spec.delimiter, spec.encoding)
        head = next(records, None)
        if head is None:
            return FileRead(pa.table({n: pa.array([], pa.string()) for n in names} | {
                n: pa.array([], t) for n, t in SCHEMA_LINEAGE}), 0)
        _, _, header, error = head
        header = [h.strip() for h in header or []]
        missing = [c.source for c in spec.columns if c.source not in header]
        if error or missing:
            raise HeaderError(
                f"{relative}: header cannot be mapped onto raw.{spec.target_table}; "
                f"missing columns: {', '.join(missing) if missing and not error else '(undecodable header)'}"
            )
        positions = [header.index(c.source) for c in spec.columns]
        data_lines = 0
        for number, raw, fields, error in records:
            if fields is not None and len(fields) != len(header):
                error = f"malformed line: expected {len(header)} fields, found {len(fields)}"
                fields = None
            for column, position in zip(spec.columns, positions):
                rows[column.name].append(fields[position] if fields else None)
            rows["_source_line"].append(number)
            rows["_raw"].append(raw)
            rows["_parse_error"].append(error)
            data_lines += 1
    else:
        raise ValueError(f"{spec.name}: format {spec.format} is not a file format")
    rows["_source"] = [relative] * data_lines
    schema = pa.schema([(n, pa.string()) for n in names] + SCHEMA_LINEAGE)
    return FileRead(pa.table(rows, schema=schema), data_lines)
