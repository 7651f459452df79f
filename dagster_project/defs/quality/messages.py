"""A failed check said in words: the rule, the column, how many rows break it and up to five sample rows with
their source file and line, built from the batch the check validated."""

from __future__ import annotations

import re

import pandas as pd

SAMPLES = 5
LINEAGE = ("_source", "_source_line")


def _fmt(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "empty"
    return repr(value) if isinstance(value, str) else str(value)


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _rule(kwargs: dict, kind: str) -> tuple[str, str]:
    """(rule in words, the columns it reads) for one expectation type."""
    column = kwargs.get("column")
    if kind == "expect_column_values_to_not_be_null":
        return f"{column} must not be empty", column
    if kind == "expect_column_values_to_be_between":
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        if low is not None and high is not None:
            words = f"{column} must be between {_number(low)} and {_number(high)}"
        elif low is not None:
            words = f"{column} must be at least {_number(low)}"
        else:
            words = f"{column} must be at most {_number(high)}"
        return words, column
    if kind == "expect_column_values_to_be_in_set":
        values = list(kwargs.get("value_set") or [])
        shown = ", ".join(map(str, values[:12])) + (" …" if len(values) > 12 else "")
        return f"{column} must be one of: {shown}", column
    if kind == "expect_column_values_to_match_regex":
        return f"{column} must match {kwargs.get('regex')}", column
    if kind == "expect_column_values_to_be_unique":
        return f"{column} must be unique", column
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = kwargs.get("column_A"), kwargs.get("column_B")
        op = "≥" if kwargs.get("or_equal") else ">"
        return f"{a} must be {op} {b}", f"{a}, {b}"
    if kind == "expect_compound_columns_to_be_unique":
        cols = ", ".join(kwargs.get("column_list", []))
        return f"({cols}) must be unique", cols
    return kind.removeprefix("expect_").replace("_", " "), str(column or "")


def _breaking(frame: pd.DataFrame, kind: str, kwargs: dict) -> pd.Series | None:
    """Which rows of the batch break the expectation (None when it cannot be told row by row)."""
    column = kwargs.get("column")
    if column is not None and column not in frame.columns:
        return None
    if kind == "expect_column_values_to_not_be_null":
        mask = frame[column].isna()
        condition = kwargs.get("row_condition")
        if isinstance(condition, str) and condition:
            try:
                mask &= frame.eval(condition.replace('"', "'"))
            except Exception:  # noqa: BLE001, S110 — a condition pandas cannot evaluate leaves the mask unconditioned
                pass
        return mask
    present = frame[column].notna() if column is not None else pd.Series(True, index=frame.index)
    if kind == "expect_column_values_to_be_between":
        values = pd.to_numeric(frame[column], errors="coerce")
        mask = pd.Series(False, index=frame.index)
        if kwargs.get("min_value") is not None:
            mask |= values < kwargs["min_value"]
        if kwargs.get("max_value") is not None:
            mask |= values > kwargs["max_value"]
        return mask & present
    if kind == "expect_column_values_to_be_in_set":
        return present & ~frame[column].isin(list(kwargs.get("value_set") or []))
    if kind == "expect_column_values_to_match_regex":
        pattern = re.compile(kwargs["regex"])
        return present & ~frame[column].astype(str).map(lambda v: bool(pattern.search(v)))
    if kind == "expect_column_values_to_be_unique":
        return present & frame[column].duplicated(keep=False)
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = frame.get(kwargs.get("column_A")), frame.get(kwargs.get("column_B"))
        if a is None or b is None:
            return None
        both = a.notna() & b.notna()
        return both & ((a < b) if kwargs.get("or_equal") else (a <= b))
    if kind == "expect_compound_columns_to_be_unique":
        cols = [c for c in kwargs.get("column_list", []) if c in frame.columns]
        return frame.duplicated(subset=cols, keep=False) if cols else None
    return None


def _sample(frame: pd.DataFrame, mask: pd.Series, columns: list[str]) -> list[str]:
    rows = []
    for _, row in frame[mask].head(SAMPLES).iterrows():
        where = ""
        if "_source" in frame.columns and row.get("_source") is not None:
            line = row.get("_source_line")
            where = f"{row['_source']}" + (
                f" line {int(line)}" if line is not None and not pd.isna(line) else ""
            )
        # a database row has no line: its id says which it is
        shown = (["id"] if "id" in frame.columns and "id" not in columns else []) + columns
        values = ", ".join(f"{c}={_fmt(row[c])}" for c in shown if c in frame.columns)
        rows.append(f"{where} ({values})" if where else f"({values})")
    return rows


def expectation_failures(relation: str, frame: pd.DataFrame | None, results: list) -> list[str]:
    """One sentence per failed expectation of a row-level suite: the rule, the column, how many rows, samples."""
    messages = []
    for result in results:
        if result.success:
            continue
        config = result.expectation_config
        kind, kwargs = config.type, dict(config.kwargs)
        words, columns = _rule(kwargs, kind)
        column_list = [c.strip() for c in columns.split(",") if c.strip()]
        mask = _breaking(frame, kind, kwargs) if frame is not None else None
        if mask is None:
            count = (result.result or {}).get("unexpected_count")
            missing = [c for c in column_list if frame is not None and c not in frame.columns]
            detail = (
                f"column {', '.join(missing)} is missing"
                if missing
                else (f"{count} rows" if isinstance(count, int) else "the check could not run")
            )
            messages.append(f"{relation}: rule '{words}' broken ({detail})")
            continue
        count = int(mask.sum())
        samples = _sample(frame, mask, column_list)
        text = (
            f"{relation}: rule '{words}' broken by {count} row{'s' if count != 1 else ''} in column {columns}"
        )
        if samples:
            text += "; e.g. " + "; ".join(samples)
        messages.append(text)
    return messages
