"""An independent evaluation of a chart's saved query on the serving snapshot with DuckDB, for comparing numbers."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

GRAIN_UNITS = {"P1D": "day", "P1W": "week", "P1M": "month", "P3M": "quarter", "P1Y": "year"}
DEFAULT_ROW_LIMIT = 10000
OPS = {"==": "=", "!=": "<>", ">": ">", "<": "<", ">=": ">=", "<=": "<="}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


def expected_rows(serving: Path, dataset: dict[str, Any], query_context: str) -> list[dict[str, Any]]:
    """The rows the chart's query should return, computed straight from the snapshot (no Superset involved)."""
    query = json.loads(query_context)["queries"][0]
    metric_sql = {m["metric_name"]: m["expression"] for m in dataset["metrics"]}
    source = f"({dataset['sql']})" if dataset.get("sql") else f"{dataset['schema']}.{dataset['table_name']}"
    selects, groups = [], []
    for column in query["columns"]:
        if isinstance(column, dict) and column.get("timeGrain"):
            name = column["label"]
            unit = GRAIN_UNITS[column["timeGrain"]]
            expr = f"date_trunc('{unit}', {_quote(column['sqlExpression'])})"
        elif isinstance(column, dict):  # an SQL expression as a column (e.g. a readable name from a code)
            name, expr = column["label"], f"({column['sqlExpression']})"
        else:
            name, expr = column, _quote(column)
        selects.append(f"{expr} as {_quote(name)}")
        groups.append(expr)
    for metric in query["metrics"] or []:
        if isinstance(metric, str):
            selects.append(f"{metric_sql[metric]} as {_quote(metric)}")
        else:
            selects.append(f"{metric['sqlExpression']} as {_quote(metric['label'])}")
    where = []
    for flt in query["filters"]:
        if flt["op"] == "TEMPORAL_RANGE":
            assert flt["val"] == "No filter", "the evaluator only knows open time ranges"
            continue
        if flt["op"] == "IN":
            where.append(f"{_quote(flt['col'])} in ({', '.join(_literal(v) for v in flt['val'])})")
        else:
            where.append(f"{_quote(flt['col'])} {OPS[flt['op']]} {_literal(flt['val'])}")
    if query["extras"].get("where"):
        where.append(query["extras"]["where"])
    sql = f"select {', '.join(selects)} from {source} as t"
    if where:
        sql += " where " + " and ".join(where)
    if query["metrics"] and groups:
        sql += " group by " + ", ".join(groups)
    # a chart showing only its first N rows (a row_limit below the default) shows them in its order
    limit = int(query.get("row_limit") or DEFAULT_ROW_LIMIT)
    if limit < DEFAULT_ROW_LIMIT:
        order = []
        for by, ascending in query.get("orderby") or []:
            expr = by["sqlExpression"] if isinstance(by, dict) else metric_sql.get(by) or _quote(by)
            order.append(f"{expr} {'asc' if ascending else 'desc'}")
        if order:
            sql += " order by " + ", ".join(order)
        sql += f" limit {limit}"
    with duckdb.connect(str(serving), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def normal(value: Any) -> Any:
    """A cell as Superset's JSON shows it: dates as epoch milliseconds, floats rounded, NaN as None."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC).timestamp() * 1000
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp() * 1000
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    if hasattr(value, "__float__") and not isinstance(value, (bool, int)):
        return round(float(value), 6)
    return value


def canonical(rows: list[dict[str, Any]]) -> list[tuple]:
    """Rows as sorted tuples of normalised cells, so two results compare regardless of order."""
    out = [tuple(sorted((k, normal(v)) for k, v in row.items())) for row in rows]
    return sorted(out, key=repr)
