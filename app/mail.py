"""All mail leaves through send_mail(). Development keeps it in instance/outbox/, tests in memory,
production sends it over SMTP. The log says who was written to and why, never what the mail said,
because mail carries one-time links."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

from flask import current_app


@dataclass(frozen=True)
class SentMail:
    to: str
    subject: str
    body: str


def outbox() -> list[SentMail]:
    """Mail sent by the "memory" backend (tests read it here)."""
    return current_app.extensions.setdefault("golden_thread_outbox", [])


def send_mail(to: str, subject: str, body: str) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    backend = config["MAIL_BACKEND"]
    if backend == "memory":
        outbox().append(SentMail(to=to, subject=subject, body=body))
    elif backend == "outbox":
        folder = Path(current_app.instance_path) / "outbox"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        path = folder / f"{stamp}.eml"
        path.write_bytes(bytes(message))
        path.chmod(0o600)
        current_app.logger.info("Mail %r to %s kept in %s", subject, to, path)
        return
    elif backend == "smtp":
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=20) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            smtp.send_message(message)
    else:
        raise RuntimeError(f"Unknown MAIL_BACKEND {backend!r}")
    current_app.logger.info("Mail %r sent to %s", subject, to)


def absolute_url(path: str) -> str:
    """A link for a mail, from the configured BASE_URL: never from the request's Host header."""
    return current_app.config["BASE_URL"] + path
