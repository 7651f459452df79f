"""Crafted chart-data requests from a Rep: every readable dataset × every place ad-hoc SQL can go × known tricks.

Each request either is refused or returns only the Rep's own rows (JSON and CSV); the module prints how many it
sent. The oracle is the data itself: no other rep's id may appear anywhere in a response, every returned row's
rep column is the Rep's id, and a payload that reads a table on its own must be refused.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import duckdb
import pytest
import requests

# One Superset (SQLite metadata) is enough: the query builder is the same whatever the metadata database.
pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("superset", ["sqlite"], indirect=True)]

# The rule's rep column: `"rep_id" IN (SELECT … marts.rep_visibility …)` (or an older `"rep_id" = …`).
_CLAUSE_COLUMN = re.compile(r'^\(?\s*"?(\w+)"?\s*(?:=|IN\b)', re.IGNORECASE)


@dataclass(frozen=True)
class Payload:
    """One crafted SQL fragment; `reads_table` ones must be refused wherever they go as SQL."""

    text: str
    reads_table: bool = False


PAYLOADS = (
    Payload("1=1 OR {c}"),
    Payload("{c} OR 1=1"),
    Payload("true) OR (1=1"),
    Payload("1=1 OR {c} --"),
    Payload("{c} /* */ OR 1=1"),
    Payload("{c} IS NULL OR {c} IS NOT NULL"),
    Payload("string_agg({c}, ',') OVER ()"),
    Payload("{{{{ '1=1 OR ' ~ '{c}' }}}}"),
    Payload("{c} FROM {t} UNION ALL SELECT {c}", reads_table=True),
    Payload("{c} FROM {t} --", reads_table=True),
    Payload("(SELECT string_agg({c}, ',') FROM {t})", reads_table=True),
    Payload("(FROM {t} SELECT string_agg({c}, ','))", reads_table=True),
    Payload("{c} IN (SELECT {c} FROM {t})", reads_table=True),
    Payload("(SELECT string_agg(column0, ',') FROM read_csv('/etc/passwd'))", reads_table=True),
    Payload("(SELECT string_agg({c}, ',') FROM query_table('{t}'))", reads_table=True),
    Payload("{c}; SELECT {c} FROM {t}", reads_table=True),
)

# The upstream bypass and the union that no sub-query check sees: sent to every dataset, the rest to one.
HEADLINE = (PAYLOADS[0], PAYLOADS[8])
MAIN_DATASET = "kpi_sales_daily"

COUNT = {"expressionType": "SQL", "sqlExpression": "COUNT(*)", "label": "n"}


def _adhoc(sql: str, label: str = "x") -> dict:
    return {"expressionType": "SQL", "sqlExpression": sql, "label": label}


# Every place a chart-data query takes SQL: name → the query with the fragment there.
PLACES = {
    "filter column IS NOT NULL": lambda c, e: {
        "columns": [c],
        "filters": [{"col": _adhoc(e), "op": "IS NOT NULL"}],
    },
    "filter column IS TRUE": lambda c, e: {
        "columns": [c],
        "metrics": [COUNT],
        "filters": [{"col": _adhoc(e), "op": "IS TRUE"}],
    },
    "column (raw)": lambda c, e: {"columns": [c, _adhoc(e)]},
    "group-by column": lambda c, e: {"columns": [c, _adhoc(e)], "metrics": [COUNT]},
    "group-by string": lambda c, e: {"columns": [c, e], "metrics": [COUNT]},
    "metric": lambda c, e: {"columns": [c], "metrics": [_adhoc(e, "m")]},
    "order-by": lambda c, e: {"columns": [c], "metrics": [COUNT], "orderby": [[_adhoc(e, "o"), False]]},
    "extras.where": lambda c, e: {"columns": [c], "extras": {"where": e}},
    "extras.having": lambda c, e: {"columns": [c], "metrics": [COUNT], "extras": {"having": e}},
    "series-limit metric": lambda c, e: {
        "columns": [c],
        "metrics": [COUNT],
        "series_columns": [c],
        "series_limit": 5,
        "series_limit_metric": _adhoc(e, "s"),
    },
    "time column": lambda c, e: {
        "columns": [c, {**_adhoc(e, "t"), "columnType": "BASE_AXIS", "timeGrain": "P1D"}],
        "metrics": [COUNT],
    },
    "samples": lambda c, e: {
        "columns": [c],
        "filters": [{"col": _adhoc(e), "op": "IS NOT NULL"}],
        "result_type": "samples",
    },
}
# Places where the fragment is a value, not SQL: it may return rows (none) but never a leak.
VALUE_PLACES = {
    "filter value": lambda c, e: {"columns": [c], "filters": [{"col": c, "op": "==", "val": e}]},
}


@dataclass
class Attempt:
    """One request sent and what came back."""

    dataset: str
    place: str
    payload: Payload
    fmt: str
    status: int
    text: str


@pytest.fixture(scope="module")
def rep_view(superset):
    """The Rep user, the datasets they can read with each one's rep column, and every other rep's id."""
    return read_rep_view(superset)


def read_rep_view(server):
    """What rep_view holds, from a running server."""
    admin = server.client()
    rep = next(
        u["username"]
        for u in admin.get("/api/v1/security/users/?q=(page_size:100)").json()["result"]
        if any(r["name"] == "Rep" for r in u["roles"])
    )
    rules = admin.get("/api/v1/rowlevelsecurity/?q=(page_size:100)").json()["result"]
    column_of = {}
    for rule in rules:
        match = _CLAUSE_COLUMN.match(rule["clause"])
        for table in rule["tables"]:
            column_of[table["id"]] = match.group(1) if match else None
    client = server.client(rep, "superset_rep_password")
    datasets = client.list_all("dataset")
    others = {}
    with duckdb.connect(str(server.serving_path), read_only=True) as con:
        reps = {r[0] for r in con.execute("select rep_id from marts.dim_reps").fetchall()}
        assert rep in reps and len(reps) > 2, (
            "the fixture must have several reps for these tests to mean anything"
        )
        # An id in the rep's own rows (their manager's, say) is theirs to see; every other rep id is a leak.
        for dataset in datasets:
            column = column_of.get(dataset["id"])
            if column is None or dataset.get("sql"):
                others[dataset["table_name"]] = reps - {rep}
                continue
            own = con.execute(
                f'select * from "{dataset["schema"]}"."{dataset["table_name"]}" where "{column}" = ?', [rep]
            ).fetchall()
            seen = {str(value) for row in own for value in row}
            others[dataset["table_name"]] = reps - {rep} - seen
    return server, rep, datasets, column_of, others


def _query(dataset_id: int, query: dict, fmt: str) -> dict:
    # force: past the chart cache, so every request is built and run (the cache is tested on its own).
    result_type = query.pop("result_type", "full")
    return {
        "datasource": {"id": dataset_id, "type": "table"},
        "queries": [{"row_limit": 10000, "metrics": [], **query}],
        "result_format": fmt,
        "result_type": result_type,
        "force": True,
    }


def _rows(attempt: Attempt) -> list[dict]:
    if attempt.fmt == "csv":
        return list(csv.DictReader(io.StringIO(attempt.text)))
    import json

    body = json.loads(attempt.text)
    return [row for result in body.get("result", []) for row in (result.get("data") or [])]


def _leaks(attempt: Attempt, rep: str, others: set[str], rep_column: str) -> list[str]:
    problems = []
    found = others & set(re.findall(r"[\w.\-@]+", attempt.text))
    if found:
        problems.append(f"other reps' ids in the response: {sorted(found)[:5]}")
    if attempt.status == 200:
        if attempt.payload.reads_table and attempt.place not in VALUE_PLACES:
            problems.append("a fragment reading a table was accepted")
        for row in _rows(attempt):
            if rep_column in row and row[rep_column] != rep:
                problems.append(f"row of {row[rep_column]!r}")
                break
    return problems


def test_crafted_chart_data_requests_return_only_the_reps_rows(rep_view):
    send_crafted_requests(*rep_view)


def send_crafted_requests(server, rep, datasets, column_of, others: dict[str, set[str]]) -> None:
    """Send every crafted request, print the count, fail listing the leaks."""
    readable = [d for d in datasets if d["id"] in column_of]
    unruled = sorted(d["table_name"] for d in datasets if d["id"] not in column_of)
    assert not unruled, f"the Rep can read datasets without an RLS rule: {unruled}"
    assert len(readable) >= 5, [d["table_name"] for d in datasets]

    # The full matrix on one dataset (the builder is the same for all), the headline tricks on every other one,
    # and every place × trick once more as CSV: a few hundred requests instead of thousands.
    main = next((d for d in readable if d["table_name"] == MAIN_DATASET), readable[0])
    jobs = []
    places = {**PLACES, **VALUE_PLACES}
    for place, build in places.items():
        for payload in PAYLOADS:
            for dataset in readable:
                if dataset is not main and payload not in HEADLINE:
                    continue
                c = column_of[dataset["id"]]
                fragment = payload.text.format(c=c, t=f"{dataset['schema']}.{dataset['table_name']}", me=rep)
                jobs.append((dataset, c, place, payload, build(c, fragment), "json"))
                if dataset is main:
                    jobs.append((dataset, c, place, payload, build(c, fragment), "csv"))

    def send(job, client):
        dataset, c, place, payload, query, fmt = job
        for attempt in range(3):
            try:
                response = client.post("/api/v1/chart/data", json=_query(dataset["id"], dict(query), fmt))
                break
            except requests.ConnectionError:
                # gunicorn closes an idle keep-alive connection just as the next request goes out on it.
                if attempt == 2:
                    raise
        return Attempt(dataset["table_name"], place, payload, fmt, response.status_code, response.text), c

    clients = [server.client(rep, "superset_rep_password") for _ in range(4)]
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        results = list(pool.map(lambda ij: send(ij[1], clients[ij[0] % len(clients)]), enumerate(jobs)))

    failures, holes = [], set()
    for attempt, c in results:
        for problem in _leaks(attempt, rep, others[attempt.dataset], c):
            holes.add(f"{attempt.place}: {attempt.payload.text}")
            failures.append(
                f"{attempt.dataset} / {attempt.place} / {attempt.fmt} / {attempt.payload.text!r}: "
                f"{problem} (HTTP {attempt.status})"
            )
    refused = sum(a.status != 200 for a, _ in results)
    csv_count = sum(a.fmt == "csv" for a, _ in results)
    print(
        f"\ncrafted chart-data requests: {len(results)} ({csv_count} CSV): {len(places)} places × {len(PAYLOADS)} "
        f"payloads on {main['table_name']}, {len(HEADLINE)} on each of {len(readable) - 1} more datasets; "
        f"refused {refused}, answered {len(results) - refused}"
    )
    # The answered ones must not be vacuous: the harmless tautologies return the Rep's rows.
    answered = [a for a, _ in results if a.status == 200 and _rows(a)]
    assert answered, "no crafted request returned rows: the oracle would pass on anything"
    assert not failures, (
        f"{len(failures)} leaks through {len(holes)} place × payload pairs:\n"
        + "\n".join(sorted(holes))
        + "\ne.g.:\n"
        + "\n".join(failures[:10])
    )


def test_filter_values_of_the_rep_column_are_the_reps_own(rep_view):
    server, rep, datasets, column_of, _ = rep_view
    client = server.client(rep, "superset_rep_password")
    for dataset in datasets:
        column = column_of.get(dataset["id"])
        response = client.get(f"/api/v1/datasource/table/{dataset['id']}/column/{column}/values/")
        # Refused (the Rep's role lacks the endpoint) or narrowed to the Rep: either way no one else's id.
        assert response.status_code in (200, 403), (dataset["table_name"], response.text)
        if response.status_code == 200:
            assert set(response.json()["result"]) <= {rep}, dataset["table_name"]


def test_a_result_cached_for_leadership_is_not_served_to_a_rep(rep_view):
    server, rep, datasets, column_of, _ = rep_view
    main = next(d for d in datasets if d["table_name"] == MAIN_DATASET)
    column = column_of[main["id"]]
    # A query nobody sent before (the marker), first as the leadership user, then the same as the Rep.
    query = {"columns": [column], "metrics": [COUNT], "extras": {"where": f"'{uuid.uuid4().hex}' <> ''"}}
    body = _query(main["id"], dict(query), "json")
    body["force"] = False
    everyone = server.client("leadership").post("/api/v1/chart/data", json=body).json()["result"][0]
    assert len({row[column] for row in everyone["data"]}) > 1
    mine = (
        server.client(rep, "superset_rep_password").post("/api/v1/chart/data", json=body).json()["result"][0]
    )
    assert {row[column] for row in mine["data"]} == {rep}
