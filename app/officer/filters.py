"""What the officers' views filter by, read from the URL the same way on every view: the window of
a return type, the phase and the trust. A window that is not one of the type's is not found; a
phase or trust nobody could choose is an error beside its field and filters nothing out."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, request
from sqlalchemy import distinct, select

from app.extensions import db
from app.models import CollectionWindow, School
from app.models.schools import PHASES


def windows_of(return_type: str) -> list[CollectionWindow]:
    """The type's windows, newest first: one query."""
    return list(db.session.scalars(
        select(CollectionWindow).where(CollectionWindow.return_type == return_type)
        .order_by(CollectionWindow.opens_on.desc(), CollectionWindow.id.desc())
    ))


def trusts() -> list[str]:
    """The trusts the borough's schools belong to, for the filter: one query."""
    return list(db.session.scalars(
        select(distinct(School.trust_name)).where(School.trust_name.is_not(None), School.trust_name != "").order_by(School.trust_name)
    ))


def phases() -> tuple[str, ...]:
    return PHASES


@dataclass(frozen=True)
class Chosen:
    phase: str
    trust: str
    trusts: list[str]
    errors: list[dict]


def phase_and_trust() -> Chosen:
    """The phase and trust asked for; one nobody could choose is an error and chooses nothing."""
    errors: list[dict] = []
    phase = request.args.get("phase", "")
    if phase and phase not in PHASES:
        errors.append({"text": "Choose a phase from the list", "href": "#phase"})
        phase = ""
    offered = trusts()
    trust = request.args.get("trust", "")
    if trust and trust not in offered:
        errors.append({"text": "Choose a trust from the list", "href": "#trust"})
        trust = ""
    return Chosen(phase, trust, offered, errors)


def window_asked(windows: list[CollectionWindow]) -> int | None:
    """The window asked for, or the newest; 404 for one that is not among `windows`."""
    if not windows:
        return None
    asked = request.args.get("window", "")
    if not asked:
        return windows[0].id
    if not asked.isdigit() or int(asked) not in {window.id for window in windows}:
        abort(404)
    return int(asked)
