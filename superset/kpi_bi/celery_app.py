"""The Celery app of the report worker and beat: Superset's own, with its task teardown run only inside an app context.

Superset 6.1 removes the Flask-SQLAlchemy session in a `task_postrun` handler, after the task's app context has been
popped; Flask-SQLAlchemy 3 scopes sessions by app context, so that handler raised "Working outside of application
context" after every task (upstream #36892, fixed by PR #37574 after 6.1). Popping the context already removed the
session, so outside a context there is nothing left to tear down.
"""

from __future__ import annotations

from typing import Any

from celery.signals import task_postrun
from flask import has_app_context
from superset.tasks import celery_app as _superset

task_postrun.disconnect(_superset.teardown)


@task_postrun.connect(weak=False, dispatch_uid="kpi_bi.celery_app.teardown")
def teardown(retval: Any, *args: Any, **kwargs: Any) -> None:
    """Superset's session teardown, when a task left an app context to tear down."""
    if has_app_context():
        _superset.teardown(retval, *args, **kwargs)


app = _superset.app
flask_app = _superset.flask_app
