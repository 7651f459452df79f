"""Login throttling and server-side sessions: the settings superset_config.py takes, and the app hook that completes them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def redis_url() -> str | None:
    """Redis for sessions and the login limiter: SUPERSET_REDIS_URL, else a redis:// Celery broker, else none."""
    url = os.environ.get("SUPERSET_REDIS_URL") or os.environ.get("SUPERSET_CELERY_BROKER_URL", "")
    return url if url.startswith(("redis://", "rediss://")) else None


def session_settings(home: Path) -> dict[str, Any]:
    """Flask-Session on the server, so that logging out ends the session: Redis in production, files locally."""
    url = redis_url()
    if url:
        from redis import Redis

        return {
            "SESSION_SERVER_SIDE": True,
            "SESSION_TYPE": "redis",
            "SESSION_REDIS": Redis.from_url(url),
            "SESSION_KEY_PREFIX": "kpi_session:",
        }
    from cachelib.file import FileSystemCache

    folder = home / "sessions"
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    return {
        "SESSION_SERVER_SIDE": True,
        "SESSION_TYPE": "cachelib",
        "SESSION_CACHELIB": FileSystemCache(str(folder), threshold=10_000, mode=0o600),
    }


def limiter_storage() -> str:
    """Where login attempts are counted: Redis in production (shared by every worker), memory locally."""
    return redis_url() or "memory://"


def login_key() -> str:
    """Rate-limit key: the client address plus the username tried, so one user's guesses cannot lock out others."""
    from flask import request
    from flask_limiter.util import get_remote_address

    username = ""
    if request.method == "POST":
        body = request.get_json(silent=True) if request.is_json else request.form
        username = str((body or {}).get("username", ""))[:150]
    return f"{get_remote_address()}|{username}"


# Every login endpoint: Flask-AppBuilder limits only its own login page, which Superset 6.1 replaces with its own.
LOGIN_ENDPOINTS = ("SecurityApi.login", "SupersetAuthView.login", "AuthDBView.login")


def limit_logins(app) -> None:
    """Put the login limit on every login endpoint, the REST login and Superset's login page included."""
    security_manager = app.appbuilder.sm
    if not (app.config.get("RATELIMIT_ENABLED") and security_manager.is_auth_limited):
        return
    for endpoint, view in list(app.view_functions.items()):
        if endpoint in LOGIN_ENDPOINTS:
            # The limiter checks in the wrapper it returns, so the wrapper must be what the endpoint calls.
            app.view_functions[endpoint] = security_manager.limiter.limit(
                security_manager.auth_rate_limit, methods=["POST"]
            )(view)
