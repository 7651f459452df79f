"""An event logger that writes Superset's action log to Python logging instead of the metadata database."""

from __future__ import annotations

import logging
from typing import Any

from superset.utils.log import AbstractEventLogger

logger = logging.getLogger("superset.events")


class LoggingEventLogger(AbstractEventLogger):
    """Superset's event log sent to the `superset.events` logger (DEBUG), keeping SQLite metadata free of writes."""

    def log(
        self,
        user_id: int | None,
        action: str,
        dashboard_id: int | None,
        duration_ms: int | None,
        slice_id: int | None,
        referrer: str | None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        logger.debug(
            "event action=%s user=%s dashboard=%s slice=%s duration_ms=%s",
            action,
            user_id,
            dashboard_id,
            slice_id,
            duration_ms,
        )
