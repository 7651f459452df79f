"""Send one alert or report of alerts.yaml now (`make report-now KEY=…`), whatever its schedule says."""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import UTC, datetime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("key", help="the entry's key in superset/alerts.yaml")
    args = parser.parse_args(argv)

    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset.commands.report.execute import AsyncExecuteReportScheduleCommand
        from superset.reports.models import ReportSchedule

        from kpi_bi.alerts import MANAGED_BY
        from superset import db

        managed = {
            (rs.extra or {}).get("key"): rs
            for rs in db.session.query(ReportSchedule).all()
            if (rs.extra or {}).get("managed_by") == MANAGED_BY
        }
        schedule = managed.get(args.key)
        if schedule is None:
            print(
                f"no alert or report {args.key!r} in Superset (known: {', '.join(sorted(managed))}); "
                "run superset/bin/provision --alerts-only after editing alerts.yaml",
                file=sys.stderr,
            )
            return 2
        # an alert sent within its grace period would stay quiet: this is an explicit request to send it now
        schedule.last_eval_dttm = None
        schedule.last_state = "Not triggered"
        db.session.commit()
        now = datetime.now(UTC).replace(tzinfo=None)
        AsyncExecuteReportScheduleCommand(str(uuid.uuid4()), schedule.id, now).run()
        db.session.refresh(schedule)
        sent = schedule.last_state in ("Success", "Alert triggered")
        print(
            f"{schedule.type} {args.key!r}: {schedule.last_state}"
            + (
                ""
                if sent or schedule.type == "Report"
                else " (its condition holds nothing to report, nothing sent)"
            )
        )
        return 0 if schedule.last_state != "Error" else 1


if __name__ == "__main__":
    sys.exit(main())
