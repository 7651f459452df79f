"""Idempotent provisioning of Superset in one process: schema, roles, users, serving database, bundle, RLS, alerts."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from kpi_bi import dashboard_access, roles
from kpi_bi.env import generated_secret, secret, secrets_dir, settings

log = logging.getLogger("kpi_bi.provision")

# Demo users, one per role; their passwords are generated into .secrets/ like the admin's.
DEMO_USERS = {
    "leadership": ("Leadership", "Lea", "Dership"),
    "analyst": ("Analyst", "Ana", "Lyst"),
}


def _upgrade_schema(app) -> None:
    from flask_migrate import upgrade

    import superset

    upgrade(directory=str(Path(superset.__file__).parent / "migrations"))


def _init_permissions() -> None:
    from superset import appbuilder, security_manager

    appbuilder.add_permissions(update_perms=True)
    security_manager.sync_role_definitions()


def ensure_user(username: str, first: str, last: str, email: str, role_names: list[str], password: str):
    """Create the user or bring its roles, e-mail and password back to the provisioned state."""
    from superset import db, security_manager

    role_objs = [security_manager.find_role(name) for name in role_names]
    user = security_manager.find_user(username=username)
    if user is None:
        user = security_manager.add_user(username, first, last, email, role_objs, password=password)
        if not user:
            raise RuntimeError(f"could not create Superset user {username!r}")
    else:
        user.roles = role_objs
        user.email = email
        user.active = True
        security_manager.reset_password(user.id, password)
    db.session.commit()
    return user


def provision(print_login: bool = False) -> dict[str, object]:
    """Run every provisioning step inside one Superset app context; returns a summary of what exists."""
    from flask import g
    from superset.app import create_app

    cfg = settings()
    app = create_app()
    summary: dict[str, object] = {}
    with app.app_context():
        _upgrade_schema(app)
        _init_permissions()
        admin_password = secret("SUPERSET_ADMIN_PASSWORD", "superset_admin_password")
        admin = ensure_user(
            cfg.admin_username,
            "Superset",
            "Admin",
            f"{cfg.admin_username}@localhost",
            ["Admin"],
            admin_password,
        )
        # Imported assets are owned by the admin (the importers add the current user as owner).
        g.user = admin
        roles.ensure_roles()

        from kpi_bi import alerts, bundle

        if cfg.serving_path.exists():
            imported = bundle.import_bundle(cfg)
            summary.update(imported)
            # Alerts first: their datasets get data access and RLS rules like the bundle's.
            summary["alerts"] = alerts.sync(cfg)
            roles.grant_data_access()
            summary["rls_datasets"] = roles.ensure_rls()
            summary["dashboard_roles"] = dashboard_access.apply_dashboard_roles()
        else:
            log.warning(
                "serving snapshot %s does not exist yet: run `kpi build` first; dashboards not imported",
                cfg.serving_path,
            )

        users = {}
        for username, (role, first, last) in DEMO_USERS.items():
            ensure_user(
                username,
                first,
                last,
                f"{username}@localhost",
                [role],
                generated_secret(f"superset_{username}_password"),
            )
            users[username] = role
        rep = roles.demo_rep(cfg.serving_path)
        if rep:
            ensure_user(
                rep["rep_id"],
                rep["first"],
                rep["last"],
                rep["email"],
                ["Rep"],
                generated_secret("superset_rep_password"),
            )
            users[rep["rep_id"]] = "Rep"
        manager = roles.demo_manager(cfg.serving_path)
        if manager:
            ensure_user(
                manager["rep_id"],
                manager["first"],
                manager["last"],
                manager["email"],
                ["Manager"],
                generated_secret("superset_manager_password"),
            )
            users[manager["rep_id"]] = "Manager"
        summary["users"] = users

    if print_login:
        print_login_details(list(summary.get("users", {})))
    return summary


def print_login_details(demo_users: list[str] | None = None) -> None:
    """The URL and the admin's login, without touching Superset (`make up` prints them once the servers run)."""
    cfg = settings()
    url = f"http://{'127.0.0.1' if cfg.bind == '0.0.0.0' else cfg.bind}:{cfg.port}/"
    # Never the password itself: `make up` output ends up in terminals, CI logs and screenshots.
    where = (
        "the SUPERSET_ADMIN_PASSWORD environment variable"
        if os.environ.get("SUPERSET_ADMIN_PASSWORD")
        else str(secrets_dir() / "superset_admin_password")
    )
    print(f"Superset: {url}  user {cfg.admin_username}  password in {where}")
    if demo_users is None:
        demo_users = sorted(DEMO_USERS)
    print(
        f"demo users {', '.join(demo_users)} and a demo rep and manager: passwords in "
        f"{secrets_dir()}/superset_*_password"
    )


def provision_alerts() -> dict[str, object]:
    """Sync only alerts.yaml into an already provisioned Superset (bin/provision --alerts-only)."""
    from flask import g
    from superset.app import create_app

    from kpi_bi import alerts
    from superset import security_manager

    cfg = settings()
    app = create_app()
    with app.app_context():
        admin = security_manager.find_user(username=cfg.admin_username)
        if admin is None:
            raise RuntimeError(
                f"user {cfg.admin_username!r} missing: run bin/provision once without --alerts-only"
            )
        g.user = admin
        synced = alerts.sync(cfg)
        # A new rep-level alert's dataset needs its RLS rule before anyone can read it.
        roles.grant_data_access()
        return {"alerts": synced, "rls_datasets": roles.ensure_rls()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--print-login", action="store_true", help="print the URL and the admin's login")
    parser.add_argument("--login-only", action="store_true", help="only print the URL and the admin's login")
    parser.add_argument("--quiet", action="store_true", help="only warnings and errors")
    parser.add_argument("--alerts-only", action="store_true", help="only sync alerts.yaml (KPI_ALERTS_FILE)")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO, format="%(levelname)s %(message)s"
    )
    if args.login_only:
        print_login_details()
        return 0
    summary = provision_alerts() if args.alerts_only else provision(print_login=args.print_login)
    if not args.print_login:
        for key, value in summary.items():
            print(f"provisioned {key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
