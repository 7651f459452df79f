"""A real SMTP server on loopback that keeps every message it receives, for tests that expect an e-mail."""

from __future__ import annotations

import email
import email.policy
import socket
import time
from email.message import EmailMessage
from typing import Self

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Collector:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


class SmtpSink:
    """Start with `with SmtpSink() as sink:`; `sink.port` to send to, `sink.wait_for(n)` to read."""

    def __init__(self) -> None:
        self.port = free_port()
        self._collector = _Collector()
        self._controller = Controller(self._collector, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[EmailMessage]:
        return self._collector.messages

    def wait_for(self, count: int = 1, timeout: float = 30.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return list(self.messages)

    def __enter__(self) -> Self:
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()
