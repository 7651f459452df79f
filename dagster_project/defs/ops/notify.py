"""E-mail to the data team over SMTP, configured from the environment."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from dagster_project.environment import Settings


def send_email(config: Settings, subject: str, body: str, to: tuple[str, ...] | None = None) -> None:
    message = EmailMessage()
    message["From"] = config.mail_from
    message["To"] = ", ".join(to or config.data_team_emails)
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=30) as smtp:
        if config.smtp_starttls:
            smtp.starttls()
        if config.smtp_user:
            smtp.login(config.smtp_user, config.smtp_password or "")
        smtp.send_message(message)
