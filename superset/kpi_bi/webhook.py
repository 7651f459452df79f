"""The alert's rows in its webhook message.

Superset's webhook notification sends `text` from the notification content, which a TEXT alert leaves empty: its
rows travel as a DataFrame that only the e-mail and Slack notifications render. A webhook receiver (a chat bridge,
an incident tool) then learns that an alert fired but not which scope, value or threshold. `install` makes the
webhook message carry those rows: `text` as a plain table and `rows` as a list of records.
"""

from __future__ import annotations

import json
from typing import Any

_INSTALLED = False


def _flat(frame: Any) -> Any:
    """Superset hands TEXT content over with one-level tuple column labels (`('value',)`): plain names instead."""
    flat = frame.copy()
    flat.columns = [
        " ".join(str(part) for part in c if str(part)) if isinstance(c, tuple) else str(c)
        for c in frame.columns
    ]
    return flat


def rows_of(embedded_data: Any) -> list[dict[str, Any]]:
    """The DataFrame's records, JSON-ready (dates as ISO strings, NaN as null)."""
    return json.loads(_flat(embedded_data).to_json(orient="records", date_format="iso"))


def install() -> None:
    """Wrap WebhookNotification's payload once per process (called before each report task runs)."""
    global _INSTALLED
    if _INSTALLED:
        return
    from superset.reports.notifications.webhook import WebhookNotification

    original = WebhookNotification._get_req_payload

    def payload_with_rows(self) -> dict[str, Any]:
        payload = original(self)
        data = getattr(self._content, "embedded_data", None)
        if data is not None and not data.empty:
            payload["rows"] = rows_of(data)
            if not payload.get("text"):
                payload["text"] = _flat(data).to_string(index=False)
        return payload

    WebhookNotification._get_req_payload = payload_with_rows
    _INSTALLED = True
