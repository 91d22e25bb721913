"""Administrators reading the security audit trail: filter by event, person and date."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, request
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from app.audit import EVENTS
from app.exports import Table, csv_response, xlsx_response
from app.extensions import db
from app.formatting import LONDON
from app.htmx import render_page_or_fragment
from app.models import AuditEvent, Role, User
from app.permissions import allow
from app.services.users import escape_like

bp = Blueprint("audit_log", __name__, url_prefix="/admin/audit")

PER_PAGE = 50


def _parse_day(text: str | None):
    try:
        return datetime.strptime((text or "").strip(), "%Y-%m-%d").date()
    except ValueError:
        return None


def _filtered():
    """The events matching the filter in the URL, newest first, with who acted and whom it was about."""
    actor, subject = aliased(User), aliased(User)
    stmt = (
        select(AuditEvent, actor.email, subject.email)
        .outerjoin(actor, AuditEvent.user_id == actor.id)
        .outerjoin(subject, AuditEvent.subject_user_id == subject.id)
    )
    event = request.args.get("event", "")
    person = request.args.get("person", "").strip()[:254]
    since, until = _parse_day(request.args.get("from")), _parse_day(request.args.get("to"))
    if event in EVENTS:
        stmt = stmt.where(AuditEvent.event == event)
    if person:
        like = "%" + escape_like(person.lower()) + "%"
        stmt = stmt.where(
            or_(actor.email.like(like, escape="\\"), subject.email.like(like, escape="\\"), func.lower(AuditEvent.email).like(like, escape="\\"))
        )
    if since:
        stmt = stmt.where(AuditEvent.occurred_at >= datetime.combine(since, time(), LONDON))
    if until:
        stmt = stmt.where(AuditEvent.occurred_at < datetime.combine(until + timedelta(days=1), time(), LONDON))
    filters = {"event": event if event in EVENTS else "", "person": person,
               "from": since.isoformat() if since else "", "to": until.isoformat() if until else ""}
    return stmt, filters


@bp.route("")
@allow(Role.ADMIN)
def events():
    stmt, filters = _filtered()
    total = db.session.scalar(stmt.with_only_columns(func.count(AuditEvent.id)).order_by(None))
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    rows = db.session.execute(stmt.order_by(AuditEvent.id.desc()).limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return render_page_or_fragment(
        "audit_log/events.html",
        "audit_log/_results.html",
        rows=rows,
        events=EVENTS,
        filters=filters,
        query={key: value for key, value in filters.items() if value},
        result={"page": page, "pages": pages, "total": total},
    )


def _trail_table() -> Table:
    """The events matching the filter in the URL, newest first, read from the database as they are written out."""
    stmt, _ = _filtered()
    stmt = stmt.order_by(AuditEvent.id.desc()).limit(100_000).execution_options(yield_per=1000)

    def rows():
        for e, by, about in db.session.execute(stmt):
            yield (e.occurred_at, EVENTS.get(e.event, e.event), by, about, e.email, e.address, e.route,
                   "; ".join(f"{k}={v}" for k, v in sorted((e.detail or {}).items())))

    return Table(
        "Audit trail",
        ["Time (UK)", "Event", "By", "About", "Email as typed", "Address", "Route", "Detail"],
        rows(),
    )


@bp.route("/export.csv")
@allow(Role.ADMIN)
def export():
    return csv_response(_trail_table())


@bp.route("/export.xlsx")
@allow(Role.ADMIN)
def export_xlsx():
    return xlsx_response(_trail_table())
