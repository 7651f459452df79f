"""The weekly e-mail to every rep and manager in the user directory, each with only the rows they may see."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from html import escape
from pathlib import Path

import duckdb
import pandas as pd

from dagster_project.mail import MailPart
from dagster_project.warehouse import duckdb_config

PRIORITIES = 10

# What another domain adds to a rep's digest (the routes domain: the next planned route), wired in definitions.py.
Section = Callable[[duckdb.DuckDBPyConnection, str], MailPart | None]


@dataclass(frozen=True)
class Recipient:
    """A user of the directory who gets a digest: a rep sees their own rows, a manager their team's."""

    user_id: str
    email: str
    name: str
    role: str
    rep_ids: tuple[str, ...]


def recipients(con: duckdb.DuckDBPyConnection) -> list[Recipient]:
    """Every active rep and every manager with reps, read from the user directory (dim_reps) at send time."""
    users = con.execute(
        "select rep_id, email, full_name, role, manager_id, is_active from marts.dim_reps where email is not null"
    ).df()
    out = []
    for user in users.itertuples():
        if not user.is_active:
            continue
        if user.role == "rep":
            out.append(Recipient(user.rep_id, user.email, user.full_name, "rep", (user.rep_id,)))
        team = tuple(
            sorted(users.loc[(users["manager_id"] == user.rep_id) & (users["role"] == "rep"), "rep_id"])
        )
        if team:
            out.append(Recipient(user.rep_id, user.email, user.full_name, "manager", team))
    return out


def _rows(con, sql: str, reps: tuple[str, ...]) -> pd.DataFrame:
    # the recipient's permission is applied in the query itself: rows of other reps are never read
    return con.execute(sql.format(reps=", ".join("?" * len(reps))), list(reps)).df()


def _table(frame: pd.DataFrame) -> str:
    return frame.to_string(index=False) if len(frame) else "(nothing)"


def render(con: duckdb.DuckDBPyConnection, who: Recipient, sections: Sequence[Section] = ()) -> EmailMessage:
    """One recipient's digest: KPIs of the current month, suggestions and the priority list of their reps, then
    what each section adds for a rep (their route, with its map, directions link and .ics file)."""
    kpis = _rows(
        con,
        """
        select scope_id as rep_id, kpi_label as kpi, round(kpi_value, 2) as value, round(target_value, 2) as target,
            status
        from marts.kpi_scorecard
        where scope_level = 'rep' and period_grain = 'month' and scope_id in ({reps})
            and period_start = (select max(period_start) from marts.kpi_scorecard where period_grain = 'month')
        order by scope_id, kpi_label""",
        who.rep_ids,
    )
    only_top = "" if who.role == "rep" else "and suggestion_rank = 1"
    suggestions = _rows(
        con,
        f"""
        select rep_id, suggestion_rank as rank, suggestion, evidence, round(revenue_at_stake_usd) as at_stake_usd,
            records
        from marts.rep_suggestions
        where rep_id in ({{reps}}) {only_top}
        order by rep_id, suggestion_rank""",
        who.rep_ids,
    )
    priorities = _rows(
        con,
        f"""
        select rep_id, priority_rank as rank, item_type, item_id, round(probability, 2) as probability,
            round(expected_value) as expected_value_usd, reason_1
        from marts.rep_priority_list
        where rep_id in ({{reps}}) and priority_rank <= {PRIORITIES}
        order by expected_value desc
        limit {PRIORITIES if who.role == "rep" else 3 * PRIORITIES}""",
        who.rep_ids,
    )
    scope = "your" if who.role == "rep" else "your team's"
    body = "\n\n".join(
        [
            f"Hello {who.name},",
            f"{scope.capitalize()} KPIs this month:\n{_table(kpis)}",
            ("Suggestions:" if who.role == "rep" else "Each rep's top suggestion:")
            + f"\n{_table(suggestions)}",
            f"{scope.capitalize()} priority list (expected value = probability × value, USD):\n{_table(priorities)}",
        ]
    )
    parts = [p for p in (section(con, who.user_id) for section in sections) if p] if who.role == "rep" else []
    message = EmailMessage()
    message["To"] = who.email
    message["Subject"] = f"Weekly sales digest for {who.name}" + (" (team)" if who.role == "manager" else "")
    message.set_content("\n\n".join([body, *(p.text for p in parts)]))
    if parts:
        message.add_alternative(
            f"<html><body><pre>{escape(body)}</pre>{''.join(p.html for p in parts)}</body></html>",
            subtype="html",
        )
    for a in (a for p in parts for a in p.attachments):
        message.add_attachment(a.data, maintype=a.maintype, subtype=a.subtype, filename=a.filename)
    return message


def send_digests(serving_path: Path, send, sections: Sequence[Section] = ()) -> list[str]:
    """Render and send every recipient's digest from the serving snapshot; returns the addresses mailed."""
    with duckdb.connect(str(serving_path), read_only=True, config=duckdb_config()) as con:
        messages = [render(con, who, sections) for who in recipients(con)]
    for message in messages:
        send(message)
    return [m["To"] for m in messages]
