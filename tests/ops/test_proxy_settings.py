"""The proxy refuses to start with a Dagster UI password that could be guessed (ops/proxy.py)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _prepare(tmp_path: Path, password: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "KPI_DATA_DIR": str(tmp_path / "data"),
        "KPI_SECRETS_DIR": str(tmp_path / "secrets"),
        "KPI_DAGSTER_UI_PASSWORD": password,
    }
    return subprocess.run(
        [str(REPO / ".venv/bin/python"), str(REPO / "ops/proxy.py"), "prepare"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_short_dagster_ui_password_stops_the_proxy(tmp_path):
    refused = _prepare(tmp_path, "dagster123")
    assert refused.returncode != 0
    assert "KPI_DAGSTER_UI_PASSWORD must have at least 16 characters" in refused.stderr
    assert "dagster123" not in refused.stdout + refused.stderr
    assert not (tmp_path / "data" / "proxy" / "nginx.conf").exists()


def test_the_password_file_holds_a_hash_not_the_password(tmp_path):
    password = "a-long-enough-operator-password"
    prepared = _prepare(tmp_path, password)
    assert prepared.returncode == 0, prepared.stderr
    htpasswd = (tmp_path / "data" / "proxy" / "dagster.htpasswd").read_text()
    assert htpasswd.startswith("dagster:$6$") and password not in htpasswd
    assert (tmp_path / "data" / "proxy" / "dagster.htpasswd").stat().st_mode & 0o077 == 0
    assert (tmp_path / "secrets" / "proxy_tls.key").stat().st_mode & 0o077 == 0
