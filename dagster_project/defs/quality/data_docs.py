"""The GX Data Docs site made viewable offline: CDN links stripped, a small stylesheet inlined, and an index
page of the latest check results rendered as plain HTML."""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

# Tags that load a stylesheet, font or script from the network; offline they only stall the page.
_REMOTE_LINK = re.compile(r"<link\b[^>]*\bhref=[\"']https?://[^>]*>", re.IGNORECASE)
_REMOTE_IMPORT = re.compile(r"@import\s+url\([\"']?https?://[^)]*\)\s*;?", re.IGNORECASE)
# Every script of a GX page drives jQuery/bootstrap widgets from a CDN; the content is already static HTML.
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.IGNORECASE | re.DOTALL)
# GX's logos are hot-linked from its web-assets bucket; the same images ship in the site's static/images.
_REMOTE_ASSET = re.compile(
    r"https?://[^\s\"'()]+/([\w.-]+\.(?:png|svg|gif|ico|jpg))(?:\?[^\s\"'()]*)?", re.IGNORECASE
)
MARKER = "<!-- offline data docs -->"

# A minimal stand-in for the bootstrap classes GX pages use, so tables, badges and status icons stay readable.
OFFLINE_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 14px; color: #212529;
       margin: 0; line-height: 1.45; }
a { color: #0056b3; }
nav, .navbar { background: #f8f9fa; border-bottom: 1px solid #dee2e6; padding: 8px 16px; }
.container, .container-fluid { padding: 16px 24px; }
.row { display: flex; flex-wrap: wrap; }
.col-md-2, .col-lg-2 { flex: 0 0 16%; max-width: 16%; }
.col-md-10, .col-lg-10 { flex: 0 0 82%; max-width: 82%; }
.col-12 { flex: 0 0 100%; }
table, .table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; }
th, td { border: 1px solid #dee2e6; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f1f3f5; }
.card { border: 1px solid #dee2e6; border-radius: 4px; margin: 0 0 16px; }
.card-header { background: #f8f9fa; padding: 8px 12px; border-bottom: 1px solid #dee2e6; }
.card-body { padding: 8px 12px; }
.badge { display: inline-block; padding: 1px 6px; border-radius: 3px; background: #6c757d; color: #fff;
         font-size: 12px; }
.alert { padding: 8px 12px; border-radius: 4px; background: #e9ecef; margin: 4px 0; }
.text-danger { color: #c92a2a; } .text-success { color: #2b8a3e; }
.fas.fa-times::before { content: "\\2716"; } .fas.fa-check-circle::before { content: "\\2714"; }
.fas.fa-check::before { content: "\\2714"; } .fas.fa-exclamation-triangle::before { content: "\\26A0"; }
.d-none, .modal, .ge-cta-footer { display: none; }
.collapse { display: block; }
ul.nav { list-style: none; padding-left: 0; }
code, pre { background: #f1f3f5; padding: 1px 4px; border-radius: 3px; }
.passed { color: #2b8a3e; font-weight: 600; } .failed { color: #c92a2a; font-weight: 600; }
"""


def _offline_html(text: str, images_rel: str, images: set[str]) -> str:
    text = _REMOTE_LINK.sub("", text)
    text = _REMOTE_IMPORT.sub("", text)
    text = _SCRIPT.sub("", text)
    # a logo the site ships is linked locally; any other remote image is dropped (an empty, harmless link)
    text = _REMOTE_ASSET.sub(lambda m: f"{images_rel}/{m.group(1)}" if m.group(1) in images else "", text)
    if MARKER not in text:
        style = f"{MARKER}\n<style>{OFFLINE_CSS}</style>\n"
        text = text.replace("</head>", style + "</head>", 1) if "</head>" in text else style + text
    return text


def make_offline(site_dir: Path, pages: Iterable[Path]) -> None:
    """Rewrite freshly rendered GX pages so they load nothing from the network."""
    images_dir = site_dir / "static" / "images"
    images = {p.name for p in images_dir.iterdir()} if images_dir.is_dir() else set()
    for page in pages:
        if page.exists():
            rel = Path(os.path.relpath(images_dir, page.parent)).as_posix()
            page.write_text(_offline_html(page.read_text(encoding="utf-8"), rel, images), encoding="utf-8")


def remote_references(text: str) -> list[str]:
    """The network resources a page would load (stylesheets, scripts, imports); empty for an offline page."""
    found = [m.group(0) for m in _REMOTE_LINK.finditer(text)]
    found += [m.group(0) for m in _REMOTE_IMPORT.finditer(text)]
    found += re.findall(r"<(?:script|img|iframe)\b[^>]*\bsrc=[\"']https?://[^>]*>", text, re.IGNORECASE)
    found += re.findall(r"url\(\s*[\"']?https?://[^)]*\)", text, re.IGNORECASE)
    return found


def write_index(site_dir: Path, rows: Iterable[Mapping[str, object]]) -> Path:
    """Write the site's index.html: one line per check result (newest first), linking its validation page."""
    body = []
    for row in rows:
        page = row.get("docs_path")
        link = ""
        if page:
            try:
                rel = Path(str(page)).relative_to(site_dir)
                link = f'<a href="{html.escape(rel.as_posix())}">result</a>'
            except ValueError:
                link = html.escape(str(page))
        status = "passed" if row.get("passed") else "failed"
        observed = row.get("observed_value")
        start, end = row.get("partition_start"), row.get("partition_end")
        window = f"{start} … {end}" if start and end else "whole table"
        body.append(
            "<tr>"
            f"<td>{html.escape(str(row.get('checked_at', ''))[:19])}</td>"
            f"<td>{html.escape(str(row.get('asset_key', '')))}</td>"
            f"<td>{html.escape(str(row.get('check_name', '')))}</td>"
            f"<td>{html.escape(str(row.get('severity', '')))}</td>"
            f'<td class="{status}">{status}</td>'
            f"<td>{html.escape(window)}</td>"
            f"<td>{'' if observed is None else html.escape(f'{observed:g}')}</td>"
            f"<td>{link}</td>"
            "</tr>"
        )
    suites = [
        f'<li><a href="{html.escape(p.relative_to(site_dir).as_posix())}">'
        f"{html.escape('.'.join(p.relative_to(site_dir / 'expectations').with_suffix('').parts))}</a></li>"
        for p in sorted((site_dir / "expectations").rglob("*.html"))
    ]
    page = f"""<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>Data quality — expectation results</title>
{MARKER}
<style>{OFFLINE_CSS}</style></head>
<body><div class="container">
<h1>Data quality — expectation results</h1>
<p>Great Expectations suites run as Dagster asset checks. Newest first; each row links its validation page.</p>
<table><thead><tr><th>Checked at (UTC)</th><th>Asset</th><th>Check</th><th>Severity</th><th>Result</th>
<th>Partition window</th><th>Observed</th><th>Page</th></tr></thead>
<tbody>
{chr(10).join(body)}
</tbody></table>
<h2>Suites</h2>
<ul>
{chr(10).join(suites)}
</ul></div></body></html>
"""
    index = site_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
