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

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
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


def main() -> None:
    """Catch mail locally: print the sender, recipients, subject and attachments of every message, save them to --out."""
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--out", type=Path, default=Path(".run/mail"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with SmtpSink(args.port) as sink:
        print(f"catching mail on 127.0.0.1:{args.port}; messages saved to {args.out}/", flush=True)
        seen = 0
        while True:
            for number, message in enumerate(sink.messages[seen:], start=seen + 1):
                (args.out / f"{number:04d}.eml").write_bytes(bytes(message))
                files = [p.get_filename() for p in message.iter_attachments()]
                print(f"{message['From']} → {message['To']}: {message['Subject']} {files}", flush=True)
            seen = len(sink.messages)
            time.sleep(0.5)


if __name__ == "__main__":
    main()
