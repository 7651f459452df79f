"""Which roles see which dashboard, and where each role lands after login: stated once in the dashboards' YAML
(`roles`, `landing_for`) and applied with Superset's DASHBOARD_RBAC."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kpi_bi.env import SUPERSET_DIR

DASHBOARDS_DIR = SUPERSET_DIR / "assets" / "dashboards"
# Roles whose start page is not a dashboard: an analyst starts from the list of datasets.
OTHER_LANDING = {"Analyst": "/tablemodelview/list/"}
# Superset's own pages a signed-in user is sent to after login (the index redirects to the welcome page).
HOME_PATHS = ("/", "/superset/welcome/")


def dashboard_configs(dashboards_dir: Path = DASHBOARDS_DIR) -> list[dict[str, Any]]:
    return [yaml.safe_load(p.read_text()) for p in sorted(dashboards_dir.glob("*.yaml"))]


def dashboard_roles(dashboards_dir: Path = DASHBOARDS_DIR) -> dict[str, list[str]]:
    """Dashboard slug → the roles that may open it (every dashboard must name at least one)."""
    out = {}
    for config in dashboard_configs(dashboards_dir):
        roles = config.get("roles") or []
        if not roles:
            raise ValueError(f"dashboard {config['slug']}: `roles` (who may open it) is missing")
        out[config["slug"]] = list(roles)
    return out


def landing_pages(dashboards_dir: Path = DASHBOARDS_DIR) -> dict[str, str]:
    """Role → the path it lands on after login."""
    out = dict(OTHER_LANDING)
    for config in dashboard_configs(dashboards_dir):
        for role in config.get("landing_for") or []:
            if role in out:
                raise ValueError(
                    f"role {role}: two landing pages ({out[role]} and dashboard {config['slug']})"
                )
            if role not in config.get("roles", []):
                raise ValueError(f"dashboard {config['slug']}: landing page of {role}, who may not open it")
            out[role] = f"/superset/dashboard/{config['slug']}/"
    return out


def apply_dashboard_roles() -> dict[str, list[str]]:
    """Give every imported dashboard exactly the roles its YAML names (run inside a Superset app context)."""
    from superset.models.dashboard import Dashboard

    from superset import db, security_manager

    wanted = dashboard_roles()
    for slug, role_names in wanted.items():
        dashboard = db.session.query(Dashboard).filter_by(slug=slug).one_or_none()
        if dashboard is None:
            raise RuntimeError(f"dashboard {slug!r} missing: the asset bundle was not imported")
        roles = []
        for name in role_names:
            role = security_manager.find_role(name)
            if role is None:
                raise RuntimeError(f"dashboard {slug!r}: role {name!r} does not exist")
            roles.append(role)
        dashboard.roles = roles
    db.session.commit()
    return wanted


def install_landing_redirect(app) -> None:
    """After login, a user whose roles have a landing page goes there instead of Superset's generic home."""
    from flask import redirect, request
    from flask_login import current_user

    pages = landing_pages()
    # the first role in this order wins when a user holds several
    order = ["Leadership", "Manager", "Rep", "Analyst"]

    @app.before_request
    def _landing():
        if request.method != "GET" or request.path not in HOME_PATHS:
            return None
        if not getattr(current_user, "is_authenticated", False):
            return None
        names = {role.name for role in getattr(current_user, "roles", [])}
        if "Admin" in names:
            return None
        for role in sorted(names & set(pages), key=lambda n: order.index(n) if n in order else len(order)):
            return redirect(pages[role])
        return None
