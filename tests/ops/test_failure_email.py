"""A failed run e-mails the data team the failed step and its error (real SMTP server on loopback)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from dagster_project.defs.ops.sensors import email_data_team_on_failure
from dagster_project.defs.serving.assets import build_serving_asset
from dagster_project.warehouse import WarehouseResource
from tests.support.smtp_sink import SmtpSink


def test_forced_failure_sends_the_failed_step_and_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_database = tmp_path / "warehouse-is-a-directory"
    not_a_database.mkdir()
    asset = build_serving_asset([], tmp_path / "serving.duckdb")
    with SmtpSink() as sink, dg.DagsterInstance.ephemeral() as instance:
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(sink.port))
        monkeypatch.setenv("KPI_DATA_TEAM_EMAILS", "data-team@example.test,oncall@example.test")
        result = dg.materialize(
            [asset],
            instance=instance,
            resources={"warehouse": WarehouseResource(path=str(not_a_database))},
            raise_on_error=False,
        )
        assert not result.success
        failure = next(e for e in result.all_events if e.is_run_failure)
        context = dg.build_run_status_sensor_context(
            sensor_name="email_data_team_on_failure",
            dagster_event=failure,
            dagster_instance=instance,
            dagster_run=result.dagster_run,
        ).for_run_failure()
        email_data_team_on_failure(context)
        [message] = sink.wait_for(1)
    assert message["To"] == "data-team@example.test, oncall@example.test"
    assert result.run_id[:8] in message["Subject"]
    body = message.get_content()
    assert "step serving__snapshot" in body
    assert "IO Error" in body or "directory" in body.lower()
    assert f"/runs/{result.run_id}" in body
