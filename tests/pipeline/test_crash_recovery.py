"""A build killed with SIGKILL in the middle of dbt or of publishing leaves the snapshot intact and converges."""

import signal
import time
from pathlib import Path

import pytest

from tests.pipeline.conftest import Stack, file_digest, mart_checksums

# A short reprocessing range keeps the test quick; converging means equal to the uninterrupted full build.
RANGE = ("--start", "2025-02-15", "--end", "2025-02-24")

pytestmark = pytest.mark.e2e


def _kill_when(process, condition, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("the build finished before it could be killed")
        if condition():
            process.send_signal(signal.SIGKILL)
            process.wait()
            return
        time.sleep(0.05)
    raise AssertionError("the kill point was never reached")


@pytest.mark.parametrize("kill_point", ["dbt", "publish"])
def test_sigkill_leaves_the_snapshot_intact_and_the_next_run_converges(
    built: Stack, tmp_path: Path, kill_point: str
) -> None:
    stack = built.copy(tmp_path / "stack")
    reference = mart_checksums(stack.warehouse)
    serving_before = file_digest(stack.serving)
    log = tmp_path / "build.log"
    process = stack.popen("backfill", *RANGE, log=log)
    if kill_point == "dbt":
        _kill_when(process, lambda: "dbt_models - STEP_START" in log.read_text())  # dbt is writing the marts
    else:
        folder = stack.serving.parent
        _kill_when(process, lambda: any(folder.glob(f".{stack.serving.name}.*.tmp")), timeout=900)
    assert file_digest(stack.serving) == serving_before, (
        "a killed build must not touch the published snapshot"
    )

    stack.kpi("backfill", *RANGE)

    assert mart_checksums(stack.warehouse) == reference
    assert not list(stack.serving.parent.glob(f".{stack.serving.name}.*.tmp"))
