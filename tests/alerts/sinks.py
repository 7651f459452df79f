"""Loopback sinks for the alert tests: an HTTP webhook receiver and arrival times of SMTP sink messages."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

from tests.support.smtp_sink import SmtpSink


class WebhookSink:
    """A real HTTP server on loopback keeping every POST body (JSON or multipart) it receives."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                kind = self.headers.get("Content-Type", "")
                sink.posts.append(
                    {"content_type": kind, "body": json.loads(body) if "json" in kind else body}
                )
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()


class TimedSmtpSink(SmtpSink):
    """The SMTP sink plus the wall-clock time each message was first seen (polled every 50 ms)."""

    def __enter__(self) -> Self:
        super().__enter__()
        self.arrivals: list[float] = []
        self._stop = threading.Event()
        threading.Thread(target=self._watch, daemon=True).start()
        return self

    def _watch(self) -> None:
        while not self._stop.is_set():
            while len(self.arrivals) < len(self.messages):
                self.arrivals.append(time.time())
            time.sleep(0.05)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        super().__exit__(*exc)
