"""Run-failure notification: the data team gets an e-mail naming the failed step and its error."""

import dagster as dg

from dagster_project.defs.ops.notify import send_email
from dagster_project.environment import settings
from dagster_project.runs import RunWindow


def failure_report(context: dg.RunFailureSensorContext) -> tuple[str, str]:
    """Subject and body of the e-mail for one failed run."""
    run = context.dagster_run
    failed = []
    for event in context.get_step_failure_events():
        error = event.event_specific_data.error if event.event_specific_data else None
        messages = []
        # Dagster wraps user errors; the cause chain holds what actually went wrong.
        while error is not None:
            messages.append(error.message.strip())
            error = error.cause
        failed.append(
            f"- step {event.step_key}:\n    " + "\n    caused by: ".join(messages or ["no error message"])
        )
    run_window = RunWindow.of(run.tags)
    window = f"Partitions: {run_window.label()}\n" if run_window.is_windowed else ""
    url = f"{settings().dagster_url}/runs/{run.run_id}"
    subject = f"[kpi-warehouse] run failed: {run.job_name} ({run.run_id[:8]})"
    body = (
        f"Run {run.run_id} of job {run.job_name} failed.\n{window}\n"
        + ("Failed steps:\n" + "\n".join(failed) if failed else f"Run error: {context.failure_event.message}")
        + f"\n\nRun page: {url}\n"
    )
    return subject, body


@dg.run_failure_sensor(
    name="email_data_team_on_failure",
    default_status=dg.DefaultSensorStatus.RUNNING,
    monitor_all_code_locations=False,
    description="E-mails the data team the failed step and its error for every failed run.",
)
def email_data_team_on_failure(context: dg.RunFailureSensorContext) -> None:
    subject, body = failure_report(context)
    send_email(settings(), subject, body)
