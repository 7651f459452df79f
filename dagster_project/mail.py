"""Sending an e-mail over the SMTP server the settings name (shared by every domain that mails people)."""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage

from dagster_project.environment import Settings


def send_message(config: Settings, message: EmailMessage) -> None:
    """Deliver one message, with STARTTLS and login when configured."""
    send_messages(config, [message])


def send_messages(config: Settings, messages: Iterable[EmailMessage]) -> None:
    """Deliver messages over one connection, with STARTTLS and login when configured."""
    with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=30) as smtp:
        if config.smtp_starttls:
            smtp.starttls()
        if config.smtp_user:
            smtp.login(config.smtp_user, config.smtp_password or "")
        for message in messages:
            if "From" not in message:
                message["From"] = config.mail_from
            smtp.send_message(message)


@dataclass(frozen=True)
class Attachment:
    """A file attached to an e-mail."""

    data: bytes
    maintype: str
    subtype: str
    filename: str


@dataclass(frozen=True)
class MailPart:
    """A section one domain contributes to another's e-mail (the weekly digest carries the rep's route)."""

    text: str
    html: str
    attachments: tuple[Attachment, ...] = field(default=())
