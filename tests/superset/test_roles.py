"""Each custom role holds exactly its intended permissions, and what a Rep may not do is refused by the API."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from kpi_bi import roles

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("superset", ["sqlite"], indirect=True)]

_ROLE_PERMISSIONS = sa.text("""
    select p.name, v.name
    from ab_role as r
    join ab_permission_view_role as pr on pr.role_id = r.id
    join ab_permission_view as pv on pv.id = pr.permission_view_id
    join ab_permission as p on p.id = pv.permission_id
    join ab_view_menu as v on v.id = pv.view_menu_id
    where r.name = :role
""")


def _permissions(server, role: str) -> set[tuple[str, str]]:
    engine = sa.create_engine(f"sqlite:///{server.env['SUPERSET_HOME']}/superset.db")
    try:
        with engine.connect() as con:
            return {tuple(row) for row in con.execute(_ROLE_PERMISSIONS, {"role": role})}
    finally:
        engine.dispose()


@pytest.mark.parametrize("role", sorted(roles.ROLES))
def test_role_holds_exactly_its_intended_permissions(superset, role):
    spec = roles.ROLES[role]
    held = _permissions(superset, role)
    functional = {p for p in held if p[0] not in ("datasource_access", "database_access")}
    assert functional == spec.permissions(), (
        f"{role}: extra {sorted(functional - spec.permissions())}, missing {sorted(spec.permissions() - functional)}"
    )
    data = {p for p in held if p not in functional}
    kinds = {p[0] for p in data}
    assert kinds == ({"database_access"} if spec.data == "database" else {"datasource_access"}), data
    print(
        f"\n{role}: {len(functional)} permissions + {len(data)} data grants: "
        + ", ".join(f"{p}.{v}" for v, p in sorted((v, p) for p, v in functional))
    )


def test_no_custom_role_can_save_share_theme_or_administer(superset):
    forbidden = {
        ("can_write", "Chart"),
        ("can_write", "Dashboard"),
        ("can_share_chart", "Superset"),
        ("can_share_dashboard", "Superset"),
        ("can_write", "Theme"),
        ("can_write", "DashboardPermalinkRestApi"),
        ("can_write", "ExplorePermalinkRestApi"),
        ("can_read", "RowLevelSecurity"),
    }
    for role in roles.ROLES:
        held = _permissions(superset, role)
        assert not held & forbidden, (role, held & forbidden)
        assert not {p for p in held if p[1].startswith("UserRegistrations")}, role


def test_rep_is_refused_saving_sharing_themes_and_registrations(superset):
    admin = superset.client()
    rep_name = next(
        u["username"]
        for u in admin.get("/api/v1/security/users/?q=(page_size:100)").json()["result"]
        if any(r["name"] == "Rep" for r in u["roles"])
    )
    rep = superset.client(rep_name, "superset_rep_password")
    # a dashboard the Rep may open (DASHBOARD_RBAC): refusals below are then about the action, not the dashboard
    dashboards = rep.list_all("dashboard")
    assert dashboards
    dataset = next(d for d in admin.list_all("dataset") if d["table_name"] == "kpi_sales_daily")
    attempts = {
        "save a chart": rep.post(
            "/api/v1/chart/",
            json={
                "slice_name": "mine",
                "viz_type": "table",
                "datasource_id": dataset["id"],
                "datasource_type": "table",
            },
        ),
        "share a dashboard": rep.post(
            f"/api/v1/dashboard/{dashboards[0]['id']}/permalink", json={"dataMask": {}}
        ),
        "edit a theme": rep.post("/api/v1/theme/", json={"theme_name": "mine", "json_data": "{}"}),
        "list user registrations": rep.get("/api/v1/security/user_registrations/"),
        "read the RLS rules": rep.get("/api/v1/rowlevelsecurity/"),
    }
    allowed = {
        what: r.status_code for what, r in attempts.items() if r.status_code not in (401, 403, 404, 405)
    }
    assert not allowed, allowed
    # What the role is for still works: a dashboard and its charts' data.
    assert rep.get(f"/api/v1/dashboard/{dashboards[0]['id']}").status_code == 200
