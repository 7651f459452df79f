"""The warehouse's Superset roles (Leadership, Analyst, Rep), their data access and the reps' row-level security."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger("kpi_bi.roles")

SERVING_DATABASE = "KPI serving"
REP_COLUMN = "rep_id"
RLS_RULE_NAME = "rep_sees_own_rows"
# Rep usernames ARE the CRM user ids (usr_0001): the one rule below then needs no lookup table.
RLS_CLAUSE = f"{REP_COLUMN} = '{{{{ current_username() }}}}'"

# Superset's maintained viewer set (Gamma) is the base of every custom role; Analyst adds Superset's sql_lab role.
ROLE_BASES = {
    "Leadership": ("Gamma",),
    "Analyst": ("Gamma", "sql_lab"),
    "Rep": ("Gamma",),
}


def ensure_roles() -> None:
    """Create the custom roles (or reset them) to their base permissions; data access is granted separately."""
    from superset import db, security_manager

    for name, bases in ROLE_BASES.items():
        role = security_manager.find_role(name) or security_manager.add_role(name)
        permissions = []
        for base in bases:
            base_role = security_manager.find_role(base)
            if base_role is None:
                raise RuntimeError(f"Superset role {base!r} missing: `superset init` did not run")
            permissions.extend(p for p in base_role.permissions if p not in permissions)
        role.permissions = permissions
    db.session.commit()


def _serving_database():
    from superset.models.core import Database

    from superset import db

    database = db.session.query(Database).filter_by(database_name=SERVING_DATABASE).one_or_none()
    if database is None:
        raise RuntimeError(f"database {SERVING_DATABASE!r} missing: the asset bundle was not imported")
    return database


def rep_scoped_datasets() -> list:
    """Datasets of the serving database that carry a rep column: the ones a Rep may see, filtered by RLS."""
    from superset.connectors.sqla.models import SqlaTable

    from superset import db

    database = _serving_database()
    datasets = db.session.query(SqlaTable).filter_by(database_id=database.id).all()
    return [ds for ds in datasets if any(c.column_name == REP_COLUMN for c in ds.columns)]


def grant_data_access() -> None:
    """Leadership reads every serving dataset, Analyst the whole database (SQL Lab too), Rep the rep-scoped ones."""
    from superset.connectors.sqla.models import SqlaTable

    from superset import db, security_manager

    database = _serving_database()
    datasets = db.session.query(SqlaTable).filter_by(database_id=database.id).all()

    def grant(role_name: str, permission: str, view: str) -> None:
        pv = security_manager.add_permission_view_menu(permission, view)
        security_manager.add_permission_role(security_manager.find_role(role_name), pv)

    for ds in datasets:
        grant("Leadership", "datasource_access", ds.perm)
    grant("Analyst", "database_access", database.perm)
    for ds in rep_scoped_datasets():
        grant("Rep", "datasource_access", ds.perm)
    db.session.commit()


def ensure_rls() -> int:
    """One regular RLS rule for the Rep role on every rep-scoped dataset; returns how many datasets it covers."""
    from superset.connectors.sqla.models import RowLevelSecurityFilter

    from superset import db, security_manager

    rule = db.session.query(RowLevelSecurityFilter).filter_by(name=RLS_RULE_NAME).one_or_none()
    if rule is None:
        rule = RowLevelSecurityFilter(name=RLS_RULE_NAME)
        db.session.add(rule)
    rule.description = "A rep sees only rows whose rep_id is their username (the CRM user id)."
    rule.filter_type = "Regular"
    rule.clause = RLS_CLAUSE
    rule.group_key = None
    rule.roles = [security_manager.find_role("Rep")]
    rule.tables = rep_scoped_datasets()
    db.session.commit()
    return len(rule.tables)


def demo_rep(serving_path: Path) -> dict[str, str] | None:
    """The active rep with the most won deals in the snapshot, as the demo Rep user (None without a snapshot)."""
    if not serving_path.exists():
        return None
    import duckdb

    con = duckdb.connect(str(serving_path), read_only=True, config={"enable_external_access": False})
    try:
        row = con.execute(
            """
            select r.rep_id, r.full_name, r.email
            from marts.dim_reps as r
            left join marts.kpi_sales_daily as s on s.rep_id = r.rep_id
            where r.role = 'rep' and r.is_active
            group by all
            order by coalesce(sum(s.won_count), 0) desc, r.rep_id
            limit 1
            """
        ).fetchone()
    finally:
        con.close()
    if row is None:
        return None
    rep_id, full_name, email = row
    first, _, last = (full_name or rep_id).partition(" ")
    return {"rep_id": rep_id, "first": first, "last": last or "-", "email": email or f"{rep_id}@localhost"}
