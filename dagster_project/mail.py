"""Sending an e-mail over the SMTP server the settings name (shared by every domain that mails people)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from dagster_project.environment import Settings


def send_message(config: Settings, message: EmailMessage) -> None:
    """Deliver one message, with STARTTLS and login when configured."""
    if "From" not in message:
        message["From"] = config.mail_from
    with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=30) as smtp:
        if config.smtp_starttls:
            smtp.starttls()
        if config.smtp_user:
            smtp.login(config.smtp_user, config.smtp_password or "")
        smtp.send_message(message)
