"""Reading the schools register."""

from __future__ import annotations

from collections.abc import Iterator

from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import ImportRun, School, User
from app.models.schools import OPEN_STATUSES, PHASES, search_key
from app.services.users import escape_like


def open_schools() -> list[School]:
    return list(db.session.scalars(select(School).where(School.status.in_(OPEN_STATUSES)).order_by(School.name)))


def all_schools() -> list[School]:
    return list(db.session.scalars(select(School).order_by(School.name)))


def phase_counts() -> list[tuple[str, int]]:
    """Open schools per GIAS phase, in GIAS's order, in one query."""
    rows = dict(
        db.session.execute(
            select(School.phase, func.count())
            .where(School.status.in_(OPEN_STATUSES))
            .group_by(School.phase)
        ).all()
    )
    return [(phase, rows[phase]) for phase in PHASES if rows.get(phase)]


def schools_with_user_counts() -> list[tuple[School, int]]:
    """Every school with its number of active accounts, in one query."""
    active_users = func.count(case((User.active.is_(True), User.id)))
    stmt = (
        select(School, active_users)
        .outerjoin(User, User.school_id == School.id)
        .group_by(School.id)
        .order_by(School.name)
    )
    return [(school, count) for school, count in db.session.execute(stmt).all()]


def users_of(school: School) -> list[User]:
    return list(
        db.session.scalars(select(User).where(User.school_id == school.id).order_by(User.active.desc(), User.name))
    )


@dataclass(frozen=True)
class SchoolFilter:
    q: str = ""
    phase: str = ""
    trust: str = ""
    status: str = "open"  # open, closed or all


@dataclass(frozen=True)
class SchoolPage:
    schools: list[School]
    total: int
    page: int
    pages: int


def _filtered(criteria: SchoolFilter):
    stmt = select(School)
    if criteria.q:
        text = criteria.q.strip()
        like = "%" + escape_like(search_key(text)) + "%"
        conditions = [School.search_name.like(like, escape="\\")]
        if text.isdigit():
            conditions.append(School.urn == text)
        stmt = stmt.where(or_(*conditions))
    if criteria.phase:
        stmt = stmt.where(School.phase == criteria.phase)
    if criteria.trust:
        stmt = stmt.where(func.lower(School.trust_name).like("%" + escape_like(criteria.trust.lower()) + "%", escape="\\"))
    if criteria.status == "open":
        stmt = stmt.where(School.status != "Closed")
    elif criteria.status == "closed":
        stmt = stmt.where(School.status == "Closed")
    return stmt


def search_schools(criteria: SchoolFilter, *, page: int = 1, per_page: int = 50) -> SchoolPage:
    """One page of the register, in two queries whatever the size of the borough."""
    stmt = _filtered(criteria)
    total = db.session.scalar(stmt.with_only_columns(func.count(School.id)).order_by(None))
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    schools = db.session.scalars(stmt.order_by(School.search_name, School.urn).limit(per_page).offset((page - 1) * per_page))
    return SchoolPage(schools=list(schools), total=total, page=page, pages=pages)


def each_matching(criteria: SchoolFilter) -> Iterator[School]:
    """Every matching school, fetched a batch at a time: an export of the whole register never holds
    it all in memory."""
    stmt = _filtered(criteria).order_by(School.search_name, School.urn).execution_options(yield_per=500)
    yield from db.session.scalars(stmt)


def predecessors_of(school: School) -> list[School]:
    return list(db.session.scalars(select(School).where(School.successor_id == school.id).order_by(School.name)))


def successor_of(school: School) -> School | None:
    return db.session.get(School, school.successor_id) if school.successor_id else None


def school_by_urn(urn: str) -> School | None:
    return db.session.scalar(select(School).where(School.urn == urn.strip()))


def update_council_details(school: School, *, has_early_years: bool | None, has_sixth_form: bool | None, contact_email: str | None) -> None:
    school.has_early_years = has_early_years
    school.has_sixth_form = has_sixth_form
    school.contact_email = (contact_email or "").strip().lower() or None
    db.session.flush()


def record_import_run(kind: str, filename: str | None, la_code: str | None, user: User | None, result) -> ImportRun:
    """Keep what an applied import did; ``user`` is None for the command line."""
    run = ImportRun(
        kind=kind,
        filename=(filename or "upload.csv")[:255],
        la_code=la_code,
        imported_by_id=user.id if user else None,
        added=result.added,
        updated=result.updated,
        unchanged=result.unchanged,
        closed=result.closed,
        skipped=result.skipped,
        linked=result.linked,
    )
    db.session.add(run)
    db.session.flush()
    return run


def recent_import_runs(limit: int = 10) -> list[ImportRun]:
    return list(
        db.session.scalars(
            select(ImportRun).options(joinedload(ImportRun.imported_by)).order_by(ImportRun.id.desc()).limit(limit)
        )
    )


def schools_without_approver() -> list[School]:
    """Open schools where nobody active can sign a return off, in one query."""
    has_approver = (
        select(User.id)
        .where(User.school_id == School.id, User.active.is_(True), User.approver.is_(True))
        .exists()
    )
    return list(
        db.session.scalars(
            select(School).where(School.status.in_(OPEN_STATUSES), ~has_approver).order_by(School.search_name)
        )
    )
