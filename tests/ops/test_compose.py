"""docker-compose.yml runs exactly the commands the native stack runs (ops/services.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def _services_module():
    spec = importlib.util.spec_from_file_location("ops_services", REPO / "ops" / "services.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["ops_services"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


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
    init = (REPO / "ops" / "postgres-init.sql").read_text()
    assert "create database dagster" in init and "create database superset" in init


def test_compose_publishes_no_ui_beyond_loopback_and_runs_as_a_user() -> None:
    compose = _compose()
    published = [(name, port) for name, svc in compose.items() for port in svc.get("ports", [])]
    assert published and all(str(port).startswith("127.0.0.1:") for _, port in published), published
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "\nUSER kpi\n" in dockerfile
