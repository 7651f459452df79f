"""The weekly digest job: every rep's and manager's e-mail, rendered from the serving snapshot."""

import dagster as dg

from dagster_project.environment import settings

DIGEST_JOB = "send_weekly_digests"


# The resource holding what other domains add to a rep's digest (definitions.py wires the routes domain's in).
SECTIONS_RESOURCE = "digest_sections"


@dg.op(
    description="Send every rep and manager of the user directory their weekly digest, only their own rows.",
    required_resource_keys={SECTIONS_RESOURCE},
)
def send_weekly_digests(context: dg.OpExecutionContext) -> None:
    from dagster_project.defs.intelligence.digest import send_digests
    from dagster_project.mail import send_message

    config = settings()
    sections = getattr(context.resources, SECTIONS_RESOURCE)
    sent = send_digests(config.serving_path, lambda message: send_message(config, message), sections)
    context.log.info(f"sent {len(sent)} digests")


@dg.job(name=DIGEST_JOB, description="The weekly e-mail digest to every rep and manager.")
def digest_job() -> None:
    send_weekly_digests()


def weekly_digest_schedule() -> dg.ScheduleDefinition:
    """Mondays, an hour after the daily build, in KPI_SCHEDULE_TIMEZONE."""
    config = settings()
    return dg.ScheduleDefinition(
        name="weekly_digests",
        job=digest_job,
        cron_schedule=f"0 {(config.schedule_hour + 1) % 24} * * 1",
        execution_timezone=config.schedule_timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
