"""`make up`'s login line names where the password is, never the password; generated secrets are owner-only."""

from __future__ import annotations

import os
import stat
import subprocess

from tests.superset.conftest import SUPERSET_DIR


def test_login_details_name_the_file_not_the_password(tmp_path, monkeypatch):
    from kpi_bi.env import generated_secret

    monkeypatch.setenv("KPI_SECRETS_DIR", str(tmp_path / "secrets"))
    generated_secret("superset_admin_password")
    env = {
        **os.environ,
        "KPI_SECRETS_DIR": str(tmp_path / "secrets"),
        "SUPERSET_HOME": str(tmp_path / "home"),
    }
    env.pop("SUPERSET_ADMIN_PASSWORD", None)
    out = subprocess.run(
        [str(SUPERSET_DIR / "bin" / "provision"), "--login-only"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    ).stdout
    secret_file = tmp_path / "secrets" / "superset_admin_password"
    password = secret_file.read_text().strip()
    assert password and password not in out
    assert str(secret_file) in out
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(secret_file.parent.stat().st_mode) == 0o700
