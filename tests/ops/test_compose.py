"""docker-compose.yml runs exactly the commands the native stack runs (ops/services.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def _module(name: str, file: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "ops" / file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def _services_module():
    return _module("ops_services", "services.py")


def _compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]


def test_every_native_service_is_a_compose_service_with_the_same_command() -> None:
    compose = _compose()
    for service in _services_module().services():
        assert service.name in compose, f"{service.name} missing from docker-compose.yml"
        assert compose[service.name]["command"] == service.command
        assert (REPO / service.command[0]).exists(), f"{service.command[0]} does not exist"


def test_compose_sets_the_production_environment_of_each_service() -> None:
    compose = _compose()
    for service in _services_module().services():
        env = compose[service.name]["environment"]
        assert set(service.production_env) <= set(env), (service.name, set(service.production_env) - set(env))
        assert compose[service.name]["volumes"] == ["kpi-data:/data"]
        for key, value in env.items():
            if key.endswith(("_PATH", "_HOME", "_DIR")):
                assert str(value).startswith("/data"), f"{service.name}.{key} must live on the data volume"


def test_compose_backs_the_stack_with_postgres_and_redis() -> None:
    compose = _compose()
    assert {"postgres", "redis"} <= set(compose)
    broker = compose["superset-web"]["environment"]["SUPERSET_CELERY_BROKER_URL"]
    assert broker.startswith("redis://:${REDIS_PASSWORD") and "@redis:6379/" in broker
    assert "--requirepass" in compose["redis"]["command"]
    assert "@postgres:5432/superset" in compose["superset-web"]["environment"]["SUPERSET_DATABASE_URI"]
    assert "@postgres:5432/dagster" in compose["dagster-daemon"]["environment"]["KPI_DAGSTER_PG_URL"]


def test_each_application_logs_in_to_postgres_as_its_own_role() -> None:
    compose = _compose()
    roles = compose["postgres-roles"]
    assert roles["command"] == ["ops/bin/postgres-roles"] and (REPO / roles["command"][0]).exists()
    # The job creates exactly the logins the services use, from the same URLs.
    for var in ("SUPERSET_DATABASE_URI", "KPI_DAGSTER_PG_URL", "KPI_DAGSTER_PG_PASSWORD"):
        users = {name for name, svc in compose.items() if var in svc.get("environment", {})}
        assert {svc["environment"][var] for name, svc in compose.items() if name in users} == {
            roles["environment"][var]
        }, var
    assert compose["superset-web"]["environment"]["SUPERSET_DATABASE_URI"].startswith(
        "postgresql+psycopg2://kpi_superset:"
    )
    assert compose["dagster-daemon"]["environment"]["KPI_DAGSTER_PG_URL"].startswith(
        "postgresql://kpi_dagster@"
    )
    # Only the database itself and the one-shot role job know the superuser's password.
    knows_superuser = {
        name for name, svc in compose.items() if "POSTGRES_PASSWORD" in str(svc.get("environment"))
    }
    assert knows_superuser == {"postgres", "postgres-roles"}
    for name, svc in compose.items():
        uses_db = {"SUPERSET_DATABASE_URI", "KPI_DAGSTER_PG_URL"} & set(svc.get("environment", {}))
        if uses_db and name != "postgres-roles":
            assert svc["depends_on"]["postgres-roles"] == {"condition": "service_completed_successfully"}, (
                name
            )


def test_only_the_proxy_is_published_and_everything_runs_as_a_user() -> None:
    compose = _compose()
    published = {name: svc["ports"] for name, svc in compose.items() if svc.get("ports")}
    assert set(published) == {"proxy"}, published
    # The published container ports are the ones the proxy listens on by default (ops/proxy.py).
    proxy = _module("ops_proxy", "proxy.py")
    env = compose["proxy"]["environment"]
    defaults = {
        name: value
        for name, value in vars(proxy.settings()).items()
        if name.endswith("port") and "public" not in name
    }
    assert {int(port.split(":")[1]) for port in published["proxy"]} == set(defaults.values())
    assert env["KPI_PROXY_SUPERSET_UPSTREAM"] == "superset-web:8088"
    assert env["KPI_PROXY_DAGSTER_UPSTREAM"] == "dagster-webserver:3000"
    assert str(env["KPI_PROXY_PUBLIC_HTTPS_PORT"]) == next(p.split(":")[0] for p in published["proxy"])
    superset = compose["superset-web"]["environment"]
    assert {superset[k] for k in ("TALISMAN_ENABLED", "SESSION_COOKIE_SECURE", "SUPERSET_BEHIND_PROXY")} == {
        "true"
    }
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "\nUSER kpi\n" in dockerfile and " nginx" in dockerfile
