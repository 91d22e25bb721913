"""All mail leaves through send_mail(). Development keeps it in instance/outbox/, tests in memory,
production sends it over SMTP. The log says who was written to and why, never what the mail said,
because mail carries one-time links.

Mail waits for the database: send_mail() queues a message on the current transaction, and it goes
only once that transaction commits. A request that fails (and so rolls back) mails nobody about
what it did not do, and a message queued inside a savepoint that rolls back is dropped with it.
In a request the commit is the one at the end of the request (app/__init__.py); in a CLI command
it is the command's own commit.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.extensions import db


@dataclass(frozen=True)
class SentMail:
    to: str
    subject: str
    body: str


def outbox() -> list[SentMail]:
    """Mail sent by the "memory" backend (tests read it here)."""
    return current_app.extensions.setdefault("golden_thread_outbox", [])


_PENDING = "golden_thread_pending_mail"


def send_mail(to: str, subject: str, body: str) -> None:
    """Queue a mail to go when the current transaction commits (nothing goes if it rolls back)."""
    session = db.session()
    # The innermost transaction: a savepoint rolled back takes its mail with it.
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((transaction, SentMail(to=to, subject=subject, body=body)))


def pending_mail() -> list[SentMail]:
    """Mail queued in the current session and waiting for its commit."""
    return [mail for _, mail in db.session().info.get(_PENDING, [])]


def discard_pending() -> None:
    """Forget the mail queued so far (the demo's invented history writes to nobody)."""
    db.session().info.pop(_PENDING, None)


def _deliver(to: str, subject: str, body: str) -> None:
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


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    """Whether `transaction` is `ended` or began inside it."""
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: its mail waits for the real commit
    queued = session.info.pop(_PENDING, None)
    for _, mail in queued or ():
        try:
            _deliver(mail.to, mail.subject, mail.body)
        except Exception:  # noqa: BLE001 - what was committed stands; one failed mail must not stop the rest
            current_app.logger.exception("Could not send the mail %r to %s", mail.subject, mail.to)


def _after_soft_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    queued = session.info.get(_PENDING)
    if not queued:
        return
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
        return
    session.info[_PENDING] = [(transaction, mail) for transaction, mail in queued if not _within(transaction, previous_transaction)]


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # The session closed without committing (its commit would have sent and emptied the queue).
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def init_app(app: Flask) -> None:
    """Send queued mail after each commit and drop it after each rollback, in every session."""
    for name, listener in (
        ("after_commit", _after_commit),
        ("after_soft_rollback", _after_soft_rollback),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
