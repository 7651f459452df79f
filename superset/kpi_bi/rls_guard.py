"""Row-level security that no ad-hoc SQL in a chart-data query can get around (a patch of Superset 6.1's query builder).

Superset 6.1 pastes ad-hoc SQL (filter columns, columns, metrics, order-by, group-by, `extras.where/having`)
into the query it builds as text and ANDs the RLS predicate beside it. A filter column `1=1 OR rep_id` then reads
`WHERE 1=1 OR rep_id IS NOT NULL AND (rep_id = 'me')` and returns every rep's rows; a column
`rep_id FROM marts.x UNION ALL SELECT rep_id` turns the query into a union over the unfiltered table (the parser
sees no sub-query in a union). Upstream fixed parts of this family (apache/superset #39733 / PR #39793, #38183);
6.1.0 has neither. Two changes, both made here and nowhere else:

1. every ad-hoc fragment must be ONE scalar expression — no FROM, WHERE, UNION, sub-query, table or table
   function, and no second projection or sort key — and is re-emitted by sqlglot without comments, in parentheses,
   so it cannot change the precedence of what surrounds it;
2. a dataset with RLS rules is read through `(SELECT * FROM <dataset> WHERE <rules>)`, so nothing in the outer
   query (filters, HAVING, window functions, series limits, samples, filter values) sees a row the rules drop.

Remove this module (and FLASK_APP_MUTATOR in superset_config.py) only when the pinned Superset release both groups
ad-hoc filter columns and rejects multi-statement/union fragments, and tests/superset/test_rls_attacks.py still
passes without it; docs/security.md keeps the same note.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("kpi_bi.rls_guard")

# Nodes an ad-hoc fragment may not contain: anything that reads a relation or starts a query of its own.
_FORBIDDEN = ("Query", "Subquery", "Table", "Union", "From", "Join", "With", "Lateral", "Unnest", "Values")
# Atoms that need no parentheses (and whose text Superset compares with its quoted column names).
_ATOMS = ("Column", "Literal", "Null", "Boolean", "Identifier")

_installed = False


class AdhocSqlRejected(ValueError):
    """An ad-hoc SQL fragment that is not a single scalar expression."""


def _dialect(engine: str) -> Any:
    from superset.sql.parse import SQLGLOT_DIALECTS

    return SQLGLOT_DIALECTS.get(engine)


def single_expression(fragment: str, engine: str, order_by: bool = False) -> str:
    """The fragment as one parenthesised scalar expression, or AdhocSqlRejected; `order_by` for a sort key."""
    import sqlglot
    from sqlglot import exp

    dialect = _dialect(engine)
    sql = f"SELECT 1 ORDER BY {fragment}" if order_by else f"SELECT {fragment}"
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        raise AdhocSqlRejected(f"not a valid SQL expression: {exc}") from exc
    if len(statements) != 1 or not isinstance(statements[0], exp.Select):
        raise AdhocSqlRejected("custom SQL must be a single expression")
    select = statements[0]
    allowed_args = {"expressions", "order"} if order_by else {"expressions"}
    extra = sorted(k for k, v in select.args.items() if v and k not in allowed_args)
    if extra:
        raise AdhocSqlRejected(f"custom SQL must be a single expression (found {', '.join(extra)})")
    if order_by:
        keys = select.args["order"].expressions if select.args.get("order") else []
        if len(select.expressions) != 1 or len(keys) != 1:
            raise AdhocSqlRejected("a custom sort must be a single expression")
        # Superset adds the direction itself; one the fragment carries is dropped with the rest of the key.
        expression = keys[0].this
    else:
        if len(select.expressions) != 1:
            raise AdhocSqlRejected("custom SQL must be a single expression (one column)")
        expression = select.expressions[0]
        if isinstance(expression, exp.Alias):
            raise AdhocSqlRejected("custom SQL may not carry its own alias")
    if isinstance(expression, exp.Star):
        raise AdhocSqlRejected("custom SQL may not select *")
    forbidden = tuple(getattr(exp, name) for name in _FORBIDDEN if hasattr(exp, name))
    for node in expression.walk():
        if isinstance(node, forbidden):
            raise AdhocSqlRejected("custom SQL may not read a table or contain a query")
    text = expression.sql(dialect=dialect, comments=False)
    if isinstance(expression, tuple(getattr(exp, name) for name in _ATOMS)):
        return text
    return f"({text})"


def _rejecting(exc: AdhocSqlRejected) -> Exception:
    from superset.exceptions import QueryObjectValidationError

    return QueryObjectValidationError(str(exc))


def install() -> None:
    """Patch Superset's query builder once per process (called from FLASK_APP_MUTATOR, web and Celery alike)."""
    global _installed
    if _installed:
        return
    import sqlalchemy as sa
    from superset.connectors.sqla.models import SqlaTable
    from superset.models.helpers import ExploreMixin

    select_expression = ExploreMixin._process_select_expression
    orderby_expression = ExploreMixin._process_orderby_expression
    from_clause = SqlaTable.get_from_clause

    def _process_select_expression(self, expression, database_id, engine, schema, template_processor):
        processed = select_expression(self, expression, database_id, engine, schema, template_processor)
        if processed is None:
            return None
        try:
            return single_expression(processed, engine)
        except AdhocSqlRejected as exc:
            raise _rejecting(exc) from exc

    def _process_orderby_expression(self, expression, database_id, engine, schema, template_processor):
        processed = orderby_expression(self, expression, database_id, engine, schema, template_processor)
        if processed is None:
            return None
        try:
            return single_expression(processed, engine, order_by=True)
        except AdhocSqlRejected as exc:
            raise _rejecting(exc) from exc

    def get_from_clause(self, template_processor=None):
        source, cte = from_clause(self, template_processor)
        rules = self.get_sqla_row_level_filters(template_processor)
        if not rules:
            return source, cte
        # The alias keeps the dataset's own name, so table-qualified column expressions still resolve.
        alias = getattr(source, "name", None) or self.table_name
        inner = sa.select([sa.literal_column("*")]).select_from(source).where(sa.and_(*rules))
        return inner.alias(alias), cte

    ExploreMixin._process_select_expression = _process_select_expression
    ExploreMixin._process_orderby_expression = _process_orderby_expression
    SqlaTable.get_from_clause = get_from_clause
    _installed = True
    log.info("RLS guard installed: ad-hoc SQL is one grouped expression, RLS applies under every query")


def flask_app_mutator(app) -> None:
    """FLASK_APP_MUTATOR: install the guard when Superset's app is created."""
    install()
