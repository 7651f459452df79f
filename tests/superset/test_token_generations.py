"""Token generations (kpi_bi/tokens.py) are shared between processes: in Redis in production, in files locally."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.superset.conftest import SUPERSET_DIR

# Runs in Superset's environment (redis, cachelib): one process advances, a second one must see it.
_STEP = """
import json, sys
from pathlib import Path
from kpi_bi.tokens import _Generations
store = _Generations(Path(sys.argv[1]))
user = sys.argv[2]
if sys.argv[3] == "advance":
    store.advance(user)
print(json.dumps(store.current(user)))
if sys.argv[3] == "cleanup" and store._redis is not None:
    store._redis.delete("kpi_token_gen:" + user)
"""


def _step(env: dict[str, str], home: Path, user: str, action: str) -> int:
    if "SUPERSET_REDIS_URL" in env:
        # Each process on its own disk, as web workers on several hosts: only Redis can carry the generation.
        home = home / uuid.uuid4().hex
    done = subprocess.run(
        [str(SUPERSET_DIR / ".venv/bin/python"), "-c", _STEP, str(home), user, action],
        env={**env, "PYTHONPATH": str(SUPERSET_DIR)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize("backend", ["redis", "files"])
def test_a_revocation_in_one_process_is_seen_by_another(backend, tmp_path):
    env = {
        k: v for k, v in os.environ.items() if k not in ("SUPERSET_REDIS_URL", "SUPERSET_CELERY_BROKER_URL")
    }
    if backend == "redis":
        env["SUPERSET_REDIS_URL"] = "redis://127.0.0.1:6379/0"
    user = f"test-{uuid.uuid4().hex}"  # a key no one else uses on the shared Redis
    home = tmp_path
    try:
        assert _step(env, home, user, "read") == 0
        assert _step(env, home, user, "advance") == 1
        assert _step(env, home, user, "read") == 1  # another process sees the revocation
        assert _step(env, home, user, "advance") == 2
    finally:
        _step(env, home, user, "cleanup")
    if backend == "files":
        folder = tmp_path / "token_generations"
        assert folder.stat().st_mode & 0o077 == 0
        assert all(f.stat().st_mode & 0o077 == 0 for f in folder.iterdir())
