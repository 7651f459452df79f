"""The warehouse's Superset roles, each built from explicit permission groups (least privilege), and their RLS rules.

ROLES is the one statement of who may do what: a role lists permission groups, says whether it sees every rep's
rows, and which serving data it reads. Provisioning makes Superset's roles exactly these (nothing copied from
Gamma), so a permission Superset adds in an upgrade reaches no custom role until it is named here.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kpi_bi import rls_rules

log = logging.getLogger("kpi_bi.roles")

SERVING_DATABASE = "KPI serving"
# Superset's own role for administrators: sees every rep, is never rebuilt here.
ADMIN_ROLE = "Admin"
# Rules provisioned before the declared-metadata rules existed; removed when found.
LEGACY_RULES = ("rep_sees_own_rows",)

# (permission, view) pairs by purpose; a role is the union of its groups.
PERMISSION_GROUPS: dict[str, frozenset[tuple[str, str]]] = {
    # Open dashboards and their charts, use native filters, drill, download the data of a chart (CSV) and change
    # one's own password. No saving, sharing (permalinks), tagging, theme editing or user administration.
    "view_dashboards": frozenset(
        {
            ("can_read", "Dashboard"),
            ("can_drill", "Dashboard"),
            ("can_view_chart_as_table", "Dashboard"),
            ("can_view_query", "Dashboard"),
            ("can_cache_dashboard_screenshot", "Dashboard"),
            ("can_read", "Chart"),
            ("can_read", "Dataset"),
            ("can_get_drill_info", "Dataset"),
            ("can_dashboard", "Superset"),
            ("can_dashboard_permalink", "Superset"),
            ("can_explore_json", "Superset"),
            ("can_slice", "Superset"),
            ("can_log", "Superset"),
            ("can_language_pack", "Superset"),
            ("can_fetch_datasource_metadata", "Superset"),
            ("can_csv", "Superset"),
            ("can_query", "Api"),
            ("can_query_form_data", "Api"),
            ("can_time_range", "Api"),
            ("can_read", "DashboardFilterStateRestApi"),
            ("can_write", "DashboardFilterStateRestApi"),
            ("can_read", "DashboardPermalinkRestApi"),
            ("can_read", "CurrentUserRestApi"),
            ("can_read", "SecurityRestApi"),
            ("can_get", "MenuApi"),
            ("can_read", "AvailableDomains"),
            ("can_list", "DynamicPlugin"),
            ("can_show", "DynamicPlugin"),
            ("can_list", "AsyncEventsRestApi"),
            ("can_recent_activity", "Log"),
            ("can_read", "Theme"),
            ("can_userinfo", "UserDBModelView"),
            ("resetmypassword", "UserDBModelView"),
            ("can_this_form_get", "ResetMyPasswordView"),
            ("can_this_form_post", "ResetMyPasswordView"),
            ("menu_access", "Home"),
            ("menu_access", "Dashboards"),
        }
    ),
    # Build charts in Explore from the datasets the role reads, without saving or sharing them.
    "explore": frozenset(
        {
            ("can_read", "Explore"),
            ("can_explore", "Superset"),
            ("can_read", "ExploreFormDataRestApi"),
            ("can_write", "ExploreFormDataRestApi"),
            ("can_read", "ExplorePermalinkRestApi"),
            ("can_get", "Datasource"),
            ("can_external_metadata", "Datasource"),
            ("can_external_metadata_by_name", "Datasource"),
            ("menu_access", "Charts"),
            ("menu_access", "Datasets"),
            ("menu_access", "Data"),
        }
    ),
    # SQL Lab on the read-only serving database (DML, CTAS and uploads are off on the database itself).
    "sql_lab": frozenset(
        {
            ("can_read", "Database"),
            ("can_read", "Query"),
            ("menu_access", "Query Search"),
            ("menu_access", "SQL Editor"),
            ("menu_access", "SQL Lab"),
            ("menu_access", "Saved Queries"),
            ("can_estimate_query_cost", "SQLLab"),
            ("can_execute_sql_query", "SQLLab"),
            ("can_export_csv", "SQLLab"),
            ("can_format_sql", "SQLLab"),
            ("can_get_results", "SQLLab"),
            ("can_read", "SQLLab"),
            ("can_export_streaming_csv", "SQLLab"),
            ("can_export", "SavedQuery"),
            ("can_read", "SavedQuery"),
            ("can_write", "SavedQuery"),
            ("can_read", "SqlLabPermalinkRestApi"),
            ("can_write", "SqlLabPermalinkRestApi"),
            ("can_sqllab", "Superset"),
            ("can_sqllab_history", "Superset"),
            ("can_activate", "TabStateView"),
            ("can_delete", "TabStateView"),
            ("can_delete_query", "TabStateView"),
            ("can_get", "TabStateView"),
            ("can_migrate_query", "TabStateView"),
            ("can_post", "TabStateView"),
            ("can_put", "TabStateView"),
            ("can_delete", "TableSchemaView"),
            ("can_expanded", "TableSchemaView"),
            ("can_post", "TableSchemaView"),
        }
    ),
}

DataAccess = Literal["all_datasets", "database", "rep_datasets"]


@dataclass(frozen=True)
class RoleSpec:
    """One custom role: its permission groups, whether it sees every rep's rows, and what serving data it reads."""

    groups: tuple[str, ...]
    sees_all_reps: bool
    # all_datasets: datasource access to every serving dataset; database: the whole database (SQL Lab too);
    # rep_datasets: only the datasets with an RLS rule (their rows narrowed to the user's own).
    data: DataAccess

    def permissions(self) -> frozenset[tuple[str, str]]:
        return frozenset().union(*(PERMISSION_GROUPS[g] for g in self.groups))


ROLES: dict[str, RoleSpec] = {
    "Leadership": RoleSpec(("view_dashboards", "explore"), sees_all_reps=True, data="all_datasets"),
    "Analyst": RoleSpec(("view_dashboards", "explore", "sql_lab"), sees_all_reps=True, data="database"),
    "Rep": RoleSpec(("view_dashboards",), sees_all_reps=False, data="rep_datasets"),
    # A Rep's access with the team view as start page: whose rows it sees comes from the user directory
    # (marts.rep_visibility, the manager chain), so the role never lists a team.
    "Manager": RoleSpec(("view_dashboards",), sees_all_reps=False, data="rep_datasets"),
}


def roles_seeing_all_reps() -> list[str]:
    """The roles the RLS rules exempt; every other role (Gamma, Public, a new one) is narrowed to its own rows."""
    return [ADMIN_ROLE, *(name for name, spec in ROLES.items() if spec.sees_all_reps)]


def ensure_roles() -> None:
    """Make each custom role hold exactly its groups' permissions; data access is granted by grant_data_access."""
    from superset import db, security_manager

    for name, spec in ROLES.items():
        role = security_manager.find_role(name) or security_manager.add_role(name)
        permissions = []
        for permission, view in sorted(spec.permissions()):
            pv = security_manager.find_permission_view_menu(permission, view)
            if pv is None:
                raise RuntimeError(f"role {name}: Superset has no permission {permission} on {view}")
            permissions.append(pv)
        role.permissions = permissions
    db.session.commit()


def _serving_database():
    from superset.models.core import Database

    from superset import db

    database = db.session.query(Database).filter_by(database_name=SERVING_DATABASE).one_or_none()
    if database is None:
        raise RuntimeError(f"database {SERVING_DATABASE!r} missing: the asset bundle was not imported")
    return database


def _serving_datasets() -> list:
    from superset.connectors.sqla.models import SqlaTable

    from superset import db

    return db.session.query(SqlaTable).filter_by(database_id=_serving_database().id).all()


def rep_scoped_datasets() -> list:
    """Datasets of the serving database that declare a rep column (rls_rules): the ones RLS narrows."""
    return [ds for ds in _serving_datasets() if rls_rules.of_dataset(ds)]


def grant_data_access() -> None:
    """Give each custom role the serving data its RoleSpec names."""
    from superset import db, security_manager

    database = _serving_database()
    datasets = _serving_datasets()
    scoped = rep_scoped_datasets()

    for name, spec in ROLES.items():
        role = security_manager.find_role(name)
        if spec.data == "database":
            perms = [("database_access", database.perm)]
        else:
            perms = [
                ("datasource_access", ds.perm) for ds in (datasets if spec.data == "all_datasets" else scoped)
            ]
        for permission, view in perms:
            security_manager.add_permission_role(
                role, security_manager.add_permission_view_menu(permission, view)
            )
    db.session.commit()


def ensure_rls() -> int:
    """One Base RLS rule per declared rep column, exempting the roles that see all reps; returns datasets covered."""
    from superset.connectors.sqla.models import RowLevelSecurityFilter

    from superset import db, security_manager

    by_name: dict[str, tuple[dict, list]] = {}
    tables: dict[str, list] = defaultdict(list)
    for ds in rep_scoped_datasets():
        rule = rls_rules.of_dataset(ds)
        name = rls_rules.rule_name(rule)
        by_name[name] = (rule, tables[name])
        tables[name].append(ds)
    exempt = [security_manager.find_role(name) for name in roles_seeing_all_reps()]
    managed = (
        db.session.query(RowLevelSecurityFilter)
        .filter(
            RowLevelSecurityFilter.name.like(f"{rls_rules.RULE_PREFIX}%")
            | RowLevelSecurityFilter.name.in_(LEGACY_RULES)
        )
        .all()
    )
    for stale in [r for r in managed if r.name not in by_name]:
        db.session.delete(stale)
    existing = {r.name: r for r in managed}
    for name, (rule, datasets) in by_name.items():
        filt = existing.get(name)
        if filt is None:
            filt = RowLevelSecurityFilter(name=name)
            db.session.add(filt)
        filt.description = (
            f"Rows whose {rule['rep_column']} is the user's name (a CRM user id) or someone below them in the "
            f"manager chain (marts.rep_visibility); every role but {', '.join(roles_seeing_all_reps())} sees "
            "only those. Declared in dbt meta.rls."
        )
        # Base: applies to everyone except the listed roles, so a role added later is narrowed by default.
        filt.filter_type = "Base"
        filt.clause = rls_rules.clause(rule)
        filt.group_key = None
        filt.roles = exempt
        filt.tables = datasets
    db.session.commit()
    return sum(len(t) for t in tables.values())


def _user(row) -> dict[str, str] | None:
    if row is None:
        return None
    rep_id, full_name, email = row
    first, _, last = (full_name or rep_id).partition(" ")
    return {"rep_id": rep_id, "first": first, "last": last or "-", "email": email or f"{rep_id}@localhost"}


def demo_manager(serving_path: Path) -> dict[str, str] | None:
    """The active first-line manager with the most reports (every report manages nobody), as the demo Manager user.

    Read from the user directory: who manages whom is dim_reps.manager_id, whatever the CRM calls the roles.
    """
    if not serving_path.exists():
        return None
    import duckdb

    from kpi_bi.connections import serving_duckdb_config

    con = duckdb.connect(str(serving_path), read_only=True, config=serving_duckdb_config())
    try:
        row = con.execute(
            """
            select m.rep_id, m.full_name, m.email
            from marts.dim_reps as m
            inner join marts.dim_reps as r on r.manager_id = m.rep_id
            where m.is_active
            group by all
            having not bool_or(exists (select 1 from marts.dim_reps as x where x.manager_id = r.rep_id))
            order by count(*) desc, m.rep_id
            limit 1
            """
        ).fetchone()
    finally:
        con.close()
    return _user(row)


def demo_rep(serving_path: Path) -> dict[str, str] | None:
    """The active rep with the most won deals in the snapshot, as the demo Rep user (None without a snapshot)."""
    if not serving_path.exists():
        return None
    import duckdb

    from kpi_bi.connections import serving_duckdb_config

    con = duckdb.connect(str(serving_path), read_only=True, config=serving_duckdb_config())
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
    return _user(row)
