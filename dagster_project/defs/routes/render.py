"""A rep's day as people read it: a self-drawn SVG map (tiles only when a tile server is configured), the
ordered stop list with a directions link, an iCalendar file of the visits, and the e-mail that carries them."""

from __future__ import annotations

import base64
import math
from email.message import EmailMessage
from html import escape

import icalendar
import pandas as pd

from dagster_project.environment import Settings
from dagster_project.mail import Attachment, MailPart, send_messages

WIDTH, HEIGHT, MARGIN = 720, 440, 36
TILE = 256
ROUTE_COLOUR, DUE_COLOUR, OPTIONAL_COLOUR = "#1f5fbf", "#c62828", "#2e7d32"


def _true(value) -> bool:
    return value is not None and not pd.isna(value) and bool(value)


def _day(value) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _mercator(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    scale = TILE * 2**zoom
    phi = math.radians(max(min(lat, 85.05112878), -85.05112878))
    return (lon + 180.0) / 360.0 * scale, (
        1 - math.log(math.tan(phi) + 1 / math.cos(phi)) / math.pi
    ) / 2 * scale


def _frame(stops: pd.DataFrame):
    """Zoom and pixel positions (Web Mercator, so map tiles line up) that fit the route into the picture."""
    points = stops.sort_values("stop_order")
    lats, lons = points["latitude"].astype(float).tolist(), points["longitude"].astype(float).tolist()
    zoom = 18
    while zoom > 0:
        xs, ys = zip(*(_mercator(a, o, zoom) for a, o in zip(lats, lons)))
        if max(xs) - min(xs) <= WIDTH - 2 * MARGIN and max(ys) - min(ys) <= HEIGHT - 2 * MARGIN:
            break
        zoom -= 1
    xs, ys = zip(*(_mercator(a, o, zoom) for a, o in zip(lats, lons)))
    left = (max(xs) + min(xs)) / 2 - WIDTH / 2
    top = (max(ys) + min(ys)) / 2 - HEIGHT / 2
    return zoom, left, top, [(x - left, y - top) for x, y in zip(xs, ys)]


def route_svg(stops: pd.DataFrame, ground: bool = True) -> str:
    """The day's route: home, numbered stops (due red, others green), and the legs in order."""
    points = stops.sort_values("stop_order")
    _, _, _, px = _frame(points)
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'role="img" aria-label="Route map" font-family="sans-serif" font-size="11">'
        ),
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#f4f6f8"/>' if ground else "",
    ]
    parts.append(
        f'<polyline fill="none" stroke="{ROUTE_COLOUR}" stroke-width="3" stroke-linejoin="round" points="'
        + " ".join(f"{x:.1f},{y:.1f}" for x, y in px)
        + '"/>'
    )
    for (x, y), row in zip(px, points.itertuples(index=False)):
        if row.stop_type == "visit":
            colour = DUE_COLOUR if _true(row.is_due) else OPTIONAL_COLOUR
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="10" fill="{colour}" stroke="#fff" stroke-width="2"/>'
                f'<text x="{x:.1f}" y="{y + 4:.1f}" fill="#fff" text-anchor="middle" font-weight="bold">'
                f"{int(row.stop_order)}</text>"
                f'<text x="{x + 13:.1f}" y="{y - 8:.1f}" fill="#222">{escape(str(row.account_name))}</text>'
            )
    hx, hy = px[0]
    parts.append(
        f'<rect x="{hx - 8:.1f}" y="{hy - 8:.1f}" width="16" height="16" fill="#222"/>'
        f'<text x="{hx + 12:.1f}" y="{hy + 18:.1f}" fill="#222">start / end</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def svg_data_uri(svg: str) -> str:
    """An SVG as a data: URI, for an <img> wherever inline SVG is not allowed (dashboards, some mail clients)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def route_map(stops: pd.DataFrame, tile_url: str | None = None) -> str:
    """The route over map tiles when a tile server is configured, else on plain ground. Tiles are CSS
    backgrounds: an unreachable server leaves the ground blank instead of broken-image icons."""
    if not tile_url:
        return route_svg(stops)
    zoom, left, top, _ = _frame(stops.sort_values("stop_order"))
    urls, positions = [], []
    for tx in range(int(left // TILE), int((left + WIDTH) // TILE) + 1):
        for ty in range(int(top // TILE), int((top + HEIGHT) // TILE) + 1):
            if 0 <= ty < 2**zoom:
                urls.append(f"url('{escape(tile_url.format(z=zoom, x=tx % 2**zoom, y=ty))}')")
                positions.append(f"{tx * TILE - left:.0f}px {ty * TILE - top:.0f}px")
    style = (
        f"position:relative;width:{WIDTH}px;height:{HEIGHT}px;background-color:#f4f6f8;"
        f"background-repeat:no-repeat;background-image:{','.join(urls)};"
        f"background-position:{','.join(positions)}"
    )
    return f'<div style="{style}">{route_svg(stops, ground=False)}</div>'


def _hhmm(value) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%H:%M")


def route_html(
    summary: pd.Series, stops: pd.DataFrame, dropped: pd.DataFrame, tile_url: str | None = None
) -> str:
    """The rep's day as one HTML fragment: status, map, ordered stop list, directions link, dropped due visits."""
    head = (
        f"<h2>Route for {escape(str(summary['full_name']))}, {_day(summary['plan_date'])}</h2>"
        f"<p>{escape(str(summary['status']))} · {int(summary['visits'] or 0)} visits · "
        f"{float(summary['km_total'] or 0):.1f} km · {float(summary['working_hours'] or 0):.1f} h · "
        f"value basis: {escape(str(summary['value_basis']))}</p>"
    )
    if stops.empty:
        body = "<p>No route for this day.</p>"
    else:
        rows = "".join(
            f"<tr><td>{int(s.stop_order)}</td><td>{_hhmm(s.arrival_at)}</td><td>{_hhmm(s.departure_at)}</td>"
            f"<td>{escape(str(s.account_name))}</td><td>{float(s.km_from_previous):.1f}</td>"
            f"<td>{'' if pd.isna(s.value) else f'{float(s.value):,.0f}'}</td>"
            f"<td>{escape(s.reason) if isinstance(s.reason, str) else ''}</td></tr>"
            for s in stops.sort_values("stop_order").itertuples(index=False)
        )
        body = (
            route_map(stops, tile_url)
            + "<table border='1' cellpadding='4' cellspacing='0'><tr><th>#</th><th>arrive</th><th>leave</th>"
            "<th>account</th><th>km</th><th>value</th><th>why</th></tr>" + rows + "</table>"
        )
        if isinstance(summary.get("directions_url"), str):
            body += f'<p><a href="{escape(summary["directions_url"])}">Directions for the whole route</a></p>'
    if not dropped.empty:
        body += (
            "<h3>Due visits not planned</h3><ul>"
            + "".join(
                f"<li>{escape(str(d.account_name))}: {escape(str(d.reason))}</li>"
                for d in dropped.itertuples(index=False)
            )
            + "</ul>"
        )
    return head + body


def route_ics(summary: pd.Series, stops: pd.DataFrame) -> bytes:
    """The planned visits as iCalendar events (floating local times, like the working hours they come from)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//sales-kpi-warehouse//routes//EN")
    calendar.add("version", "2.0")
    for s in stops[stops["stop_type"] == "visit"].sort_values("stop_order").itertuples(index=False):
        event = icalendar.Event()
        event.add("uid", f"{summary['rep_id']}-{_day(summary['plan_date'])}-{s.account_id}@kpi-warehouse")
        event.add("summary", f"Visit {s.account_name}")
        event.add("dtstart", pd.Timestamp(s.arrival_at).to_pydatetime())
        event.add("dtend", pd.Timestamp(s.departure_at).to_pydatetime())
        event.add("geo", (float(s.latitude), float(s.longitude)))
        event.add("location", f"{float(s.latitude):.6f},{float(s.longitude):.6f}")
        reason = s.reason if isinstance(s.reason, str) else ""
        event.add(
            "description",
            f"Stop {int(s.stop_order)}. {reason}".strip()
            + (
                f"\nDirections: {summary['directions_url']}"
                if isinstance(summary.get("directions_url"), str)
                else ""
            ),
        )
        event.add("dtstamp", pd.Timestamp(summary["plan_date"]).to_pydatetime())
        calendar.add_component(event)
    return calendar.to_ical()


def route_lines(summary: pd.Series, stops: pd.DataFrame, dropped: pd.DataFrame) -> list[str]:
    """The rep's day in plain text: status, ordered stops, directions link, due visits left out."""
    lines = [f"{summary['status']}; value basis: {summary['value_basis']}"]
    lines += [
        f"{int(s.stop_order):>2} {_hhmm(s.arrival_at):>5} {s.account_name}"
        for s in stops.sort_values("stop_order").itertuples(index=False)
    ]
    if isinstance(summary.get("directions_url"), str):
        lines.append(f"Directions: {summary['directions_url']}")
    lines += [f"Not planned: {d.account_name}: {d.reason}" for d in dropped.itertuples(index=False)]
    return lines


def route_attachments(summary: pd.Series, stops: pd.DataFrame) -> tuple[Attachment, ...]:
    """The visits as an .ics file (none without a route)."""
    if stops.empty:
        return ()
    name = f"route-{_day(summary['plan_date'])}.ics"
    return (Attachment(route_ics(summary, stops), "text", "calendar", name),)


def route_email(
    config: Settings,
    to: str,
    summary: pd.Series,
    stops: pd.DataFrame,
    dropped: pd.DataFrame,
    tile_url: str | None = None,
) -> EmailMessage:
    """The rep's route e-mail: the stop list in text and HTML, the map, and the visits as an .ics attachment."""
    message = EmailMessage()
    message["From"] = config.mail_from
    message["To"] = to
    day = _day(summary["plan_date"])
    message["Subject"] = (
        f"Your route for {day}: {int(summary['visits'] or 0)} visits, {float(summary['km_total'] or 0):.0f} km"
    )
    message.set_content("\n".join(route_lines(summary, stops, dropped)))
    message.add_alternative(
        f"<html><body>{route_html(summary, stops, dropped, tile_url)}</body></html>", subtype="html"
    )
    for a in route_attachments(summary, stops):
        message.add_attachment(a.data, maintype=a.maintype, subtype=a.subtype, filename=a.filename)
    return message


def digest_part(con, rep_id: str, tile_url: str | None = None) -> MailPart | None:
    """The rep's newest planned route for their weekly digest (None when no route is planned for them)."""
    days = con.execute(
        "select * from marts.route_plan_days where rep_id = ? and is_latest order by plan_date desc limit 1",
        [rep_id],
    ).df()
    if days.empty:
        return None
    summary = days.iloc[0]
    day = pd.Timestamp(summary["plan_date"]).date()
    stops = con.execute(
        "select * from marts.route_plans where rep_id = ? and plan_date = ? order by stop_order",
        [rep_id, day],
    ).df()
    dropped = con.execute(
        "select * from marts.route_plan_dropped where rep_id = ? and plan_date = ?", [rep_id, day]
    ).df()
    title = f"Your route for {_day(summary['plan_date'])}"
    return MailPart(
        text=f"{title}:\n" + "\n".join(route_lines(summary, stops, dropped)),
        html=route_html(summary, stops, dropped, tile_url),
        attachments=route_attachments(summary, stops),
    )


def send(config: Settings, messages: list[EmailMessage]) -> None:
    """Deliver over the configured SMTP server in one connection."""
    send_messages(config, messages)
