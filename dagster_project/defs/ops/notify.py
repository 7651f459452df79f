"""E-mail to the data team over SMTP, configured from the environment."""

from __future__ import annotations

from email.message import EmailMessage

from dagster_project.environment import Settings
from dagster_project.mail import send_message


def send_email(config: Settings, subject: str, body: str, to: tuple[str, ...] | None = None) -> None:
    message = EmailMessage()
    message["From"] = config.mail_from
    message["To"] = ", ".join(to or config.data_team_emails)
    message["Subject"] = subject
    message.set_content(body)
    send_message(config, message)
