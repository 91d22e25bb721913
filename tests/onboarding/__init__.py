"""Helpers shared by the invitation and reset tests: reading links out of mail and following them."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from app.extensions import db
from app.mail import outbox
from app.models import AccountToken, AuditEvent
from tests.conftest import CSRF_META

BASE_URL = "https://golden-thread.test"
LINK = re.compile(r"https?://\S+\?token=[A-Za-z0-9_\-]+")
GOOD_PASSWORD = "purple kettle orbit lantern"


def mails_to(address: str):
    return [mail for mail in outbox() if mail.to == address]


def link_in(mail) -> str:
    links = LINK.findall(mail.body)
    assert len(links) == 1, mail.body
    return links[0]


def secret_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def local(link: str) -> str:
    """The link as a path and query for the test client."""
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def open_link(client, link: str):
    """Follow a mailed link as a browser does: the secret moves into the session, then the form."""
    arrival = client.get(local(link))
    if arrival.status_code != 303:
        return arrival
    assert "token" not in arrival.headers["Location"]
    return client.get(arrival.headers["Location"])


def choose_password(client, link: str, password: str = GOOD_PASSWORD, confirm: str | None = None, **headers):
    page = open_link(client, link)
    if page.status_code != 200:
        return page
    token = CSRF_META.search(page.get_data(as_text=True)).group(1)
    path = urlsplit(link).path
    return client.post(
        path,
        data={"password": password, "confirm": password if confirm is None else confirm, "csrf_token": token},
        headers=headers,
    )


def audit_rows(event: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == event).order_by(AuditEvent.id)))


def token_rows(user) -> list[AccountToken]:
    return list(db.session.scalars(select(AccountToken).where(AccountToken.user_id == user.id).order_by(AccountToken.id)))


def visible_text(html: str) -> str:
    """A page without what changes on every response (nonce, CSRF token), to compare two pages."""
    html = re.sub(r'nonce="[^"]*"', 'nonce=""', html)
    html = re.sub(r'(name="csrf-token" content=|name="csrf_token" value=)"[^"]*"', r'\1""', html)
    return html
