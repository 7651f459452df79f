"""Every dashboard loads in headless Chromium without an error tile; screenshots land in tests/artifacts/."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from tests.superset.conftest import ARTIFACTS, SUPERSET_DIR

pytestmark = pytest.mark.e2e


def _dashboards() -> dict[str, int]:
    """Dashboard slug → number of charts in its layout, from the bundle itself."""
    out = {}
    for path in sorted((SUPERSET_DIR / "assets" / "dashboards").glob("*.yaml")):
        config = yaml.safe_load(path.read_text())
        out[config["slug"]] = sum(len(row) for row in config["layout"])
    return out


def test_every_dashboard_renders_without_errors(superset):
    dashboards = _dashboards()
    out_dir = ARTIFACTS / superset.backend
    result = subprocess.run(
        [str(SUPERSET_DIR / ".venv" / "bin" / "python"), "-m", "kpi_bi.render_check",
         "--base-url", superset.url, "--username", "admin",
         "--password-file", str(superset.secrets_dir / "superset_admin_password"), "--out", str(out_dir),
         *dashboards],
        cwd=SUPERSET_DIR, capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for page in json.loads(result.stdout.strip().splitlines()[-1]):
        assert not page["timed_out"], page
        assert page["charts"] == dashboards[page["slug"]], page
        assert page["errors"] == [], page
        assert (out_dir / f"{page['slug']}.png").stat().st_size > 10_000
