"""Working on a return: saving sections without losing anything, starting from last time, submitting.

Every save names the version of the section it was loaded at and is one conditional UPDATE on that
version: of two people saving over each other, the second learns it (SectionConflict) and sees both
texts, instead of one silently overwriting the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import CollectionWindow, Return, ReturnSection, School, SectionVersion, Submission, User
from app.models.returns import ACCEPTED, DRAFT, RETURNED, SECTION_COMPLETED, SECTION_IN_PROGRESS, SECTION_TO_CHECK
from app.models.types import utcnow
from app.engine import registry
from app.engine.display import snapshot_answers
from app.engine.display import with_row_ids
from app.engine.policy import EDITORS
from app.engine.text import normalise_answers
from app.engine.merge import Draft, Fingerprint, Flat, Merged, flatten, merge, unflatten
from app.engine.registry import Section
from app.engine import lifecycle, living, versions
from app.engine.lifecycle import LifecycleError


class SectionConflict(Exception):
    """Someone saved this section after it was loaded. `current` is what they saved; `merged`, when
    the save was merged answer by answer, names the answers both changed (its `clashes`)."""

    def __init__(self, current: ReturnSection | None, merged: Merged | None = None):
        super().__init__("The section was saved by someone else")
        self.current = current
        self.merged = merged


@dataclass(frozen=True)
class SectionState:
    section: Section
    saved: ReturnSection | None

    @property
    def status(self) -> str | None:
        return self.saved.status if self.saved else None

    @property
    def answers(self) -> dict:
        return self.saved.answers if self.saved else {}

    @property
    def version(self) -> int:
        return self.saved.version if self.saved else 0

    @property
    def attention(self) -> int:
        """How many answers were saved as typed but are not valid yet."""
        return len(self.saved.invalid or {}) if self.saved else 0

    @property
    def counts(self) -> bool:
        """Completed with every answer valid, and so counted towards submitting."""
        return self.status == SECTION_COMPLETED and not self.attention


def sections_of(ret: Return, school: School) -> list[Section]:
    return registry.get(ret.return_type).sections_for(ret.form_version, school, ret)


def section_states(ret: Return, school: School) -> list[SectionState]:
    """Every section of this return for this school with what has been saved of it, in one query."""
    saved = {row.key: row for row in db.session.scalars(select(ReturnSection).where(ReturnSection.return_id == ret.id))}
    return [SectionState(section, saved.get(section.key)) for section in sections_of(ret, school)]


def section_state(ret: Return, school: School, key: str) -> SectionState | None:
    section = registry.get(ret.return_type).section(ret.form_version, school, key, ret)
    if section is None:
        return None
    saved = db.session.scalar(select(ReturnSection).where(ReturnSection.return_id == ret.id, ReturnSection.key == key))
    return SectionState(section, saved)


def incomplete(states: list[SectionState]) -> list[SectionState]:
    return [state for state in states if state.section.required and not state.counts]


def check_editable(ret: Return, user: User, now: datetime | None = None) -> None:
    """Only the school's own users edit, only a draft or a returned return, and only while the window
    is open to the school (or an officer has sent the return back)."""
    window = db.session.get(CollectionWindow, ret.window_id)
    who = lifecycle.capacity(user, ret.return_type, ret.school_id, ret)
    if who not in EDITORS:
        raise LifecycleError("Only the school's own staff can change its answers")
    if ret.state not in (DRAFT, RETURNED):
        if ret.state == ACCEPTED:
            raise LifecycleError("This return has been accepted, so it cannot be changed")
        raise LifecycleError("This return has been submitted. Withdraw it to make changes, if no officer has taken it yet")
    if not lifecycle.school_may_change(window, ret.school_id, ret.state, now):
        raise LifecycleError("The window for this return is closed. Ask the School Improvement Team to reopen it")


def save_section(
    ret: Return, key: str, answers: dict, *, loaded_version: int, user: User, status: str, invalid: dict | None = None, keep_always: bool = False
) -> ReturnSection:
    """Store a section's answers if nobody has saved it since `loaded_version`; the new version is one more.

    The return's row is locked first, so saves and a submission of the same return never interleave,
    and the copy being replaced is read under that lock and kept as a version when the rule in
    app/engine/versions.py says so (always, with `keep_always`: a restore). Every list row keeps its
    id, and a row saved without one (answers written by code, not through a form) gets one, so that
    compare and the facts can follow it. Every text is stored in its one form (app/engine/text.py):
    the forms have done it already; this is the guard for code. `invalid` is what was typed but is
    not a valid answer yet, with its messages (app/engine/merge.py)."""
    lifecycle.lock(ret)
    check_editable(ret, user)
    current = _current(ret, key)
    if (current.version if current else 0) != loaded_version:
        raise SectionConflict(current)
    return _write(ret, key, current, with_row_ids(normalise_answers(answers)), dict(invalid or {}), user=user, status=status, keep_always=keep_always)


def _write(ret: Return, key: str, current: ReturnSection | None, answers: dict, invalid: dict, *, user: User, status: str, keep_always: bool = False) -> ReturnSection:
    """Replace `current` (read under the return's lock) with these answers, keeping it as a version
    when the rule says so; the conditional UPDATE on its version is the guard if anything else wrote."""
    now = utcnow()
    loaded_version = current.version if current else 0
    if current is None:
        row = ReturnSection(return_id=ret.id, key=key, answers=answers, invalid=invalid, version=1, status=status, updated_by_id=user.id, updated_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            raise SectionConflict(_current(ret, key)) from None
        return row
    versions.keep_replaced(current, by=user, now=now, always=keep_always)
    saved = db.session.execute(
        update(ReturnSection)
        .where(and_(ReturnSection.return_id == ret.id, ReturnSection.key == key, ReturnSection.version == loaded_version))
        .values(answers=answers, invalid=invalid, version=ReturnSection.version + 1, status=status, updated_by_id=user.id, updated_at=now)
        .returning(ReturnSection.id)
        .execution_options(synchronize_session=False)
    ).first()
    if saved is None:
        raise SectionConflict(_current(ret, key))
    # What was just written, without reading it back: the row in the session is refreshed to
    # match, so the rest of the request sees the saved answers and version.
    for name, value in (
        ("answers", answers), ("invalid", invalid), ("version", loaded_version + 1), ("status", status), ("updated_by_id", user.id), ("updated_at", now)
    ):
        set_committed_value(current, name, value)
    return current


def save_draft(
    ret: Return, key: str, draft: Draft, *, loaded_version: int, loaded: Fingerprint | None, user: User, status, refused: set[str] = frozenset()
) -> tuple[ReturnSection, Merged]:
    """Save everything typed in a section, merged answer by answer with anything saved since this
    page was loaded (app/engine/merge.py): answers only one person changed are both kept; answers
    both changed raise SectionConflict, with nothing stored. Values too long to keep, and the
    answers in `refused` (the person chose the other version), stay as saved.

    `status(merged)` gives the section's status for what will be stored (a merge that took someone
    else's answers leaves the section to be checked again)."""
    lifecycle.lock(ret)
    check_editable(ret, user)
    current = _current(ret, key)
    current_version = current.version if current else 0
    theirs = flatten(current.answers, current.invalid) if current else Flat()
    mine = flatten(draft.answers, draft.invalid)
    # What the page showed is the base. A page that does not say (a post made by code) and names
    # the version saved now showed what is saved; one naming an older version has no base, so every
    # difference is the person's to choose. (A page's own fingerprint wins even at the same version:
    # after a merge it shows less than is saved, and its next save must not undo the merge.)
    base = loaded if loaded is not None else (Fingerprint.of(theirs) if loaded_version == current_version else None)
    merged = merge(base, mine, theirs, refused=set(refused) | set(draft.refused))
    if merged.clashes:
        raise SectionConflict(current, merged)
    answers, invalid = unflatten(merged.flat)
    answers = with_row_ids(normalise_answers(answers))
    new_status = status(merged)
    if current is not None and (answers, invalid, new_status) == (current.answers, current.invalid or {}, current.status):
        return current, merged  # nothing has changed (a late autosave of what is saved): no new version
    # Already locked and read above: write over what was merged with, not a second read of it.
    return _write(ret, key, current, answers, invalid, user=user, status=new_status), merged


def _current(ret: Return, key: str) -> ReturnSection | None:
    row = db.session.execute(
        select(ReturnSection).where(ReturnSection.return_id == ret.id, ReturnSection.key == key).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    return row


def status_after_save(previous: str | None, *, complete: bool, confirmed: bool) -> str:
    """A full save of a valid section completes it (and confirms copied answers); an autosave keeps
    "completed" or "check and confirm" only while the answers stay complete."""
    if not complete:
        return SECTION_IN_PROGRESS
    if confirmed:
        return SECTION_COMPLETED
    return previous if previous in (SECTION_COMPLETED, SECTION_TO_CHECK) else SECTION_IN_PROGRESS


def last_accepted(school: School, return_type: str, before: CollectionWindow) -> Submission | None:
    """The latest submission of the school's most recent accepted return of this type from an earlier window."""
    return db.session.scalar(
        select(Submission)
        .join(Return, Return.id == Submission.return_id)
        .join(CollectionWindow, CollectionWindow.id == Return.window_id)
        .where(
            Return.school_id == school.id,
            Return.return_type == return_type,
            Return.state == ACCEPTED,
            Return.window_id != before.id,
            CollectionWindow.opens_on <= before.opens_on,
        )
        .order_by(CollectionWindow.opens_on.desc(), Submission.number.desc())
        .limit(1)
    )


def start_return(user: User, window: CollectionWindow, school: School, *, from_previous: bool) -> Return:
    """Start the school's return, copying last accepted answers when asked. Copied answers keep only
    the sections this version of the form still has, and their rows keep their ids."""
    answers = None
    if from_previous:
        previous = last_accepted(school, window.return_type, window)
        if previous is None:
            raise LifecycleError("There is no accepted return to start from")
        return_type = registry.get(window.return_type)
        keys = {section.key for section in return_type.sections_for(return_type.form_version, school)}
        # Copied rows keep their ids (an old snapshot's get theirs from their places), so the rows
        # stay the same rows from one year's return to the next.
        answers = {key: value for key, value in snapshot_answers(previous).items() if key in keys}
        if return_type.living is not None:
            # A living list starts from where each row is now, not from where it was on acceptance.
            answers = living.with_current_rows(return_type.living, previous.return_id, answers)
    return lifecycle.start(user, window, school, answers=answers)


def submit(ret: Return, school: School, user: User) -> Return:
    """Submit, if every required section is completed (copied answers must have been confirmed)."""
    lifecycle.lock(ret)
    missing = incomplete(section_states(ret, school))
    if missing:
        names = ", ".join(state.section.title.lower() for state in missing)
        raise LifecycleError(f"Complete every section before submitting. Still to complete: {names}")
    return lifecycle.perform(lifecycle.SUBMIT, ret, user)


def return_for(window: CollectionWindow, school: School) -> Return | None:
    return db.session.scalar(select(Return).where(Return.window_id == window.id, Return.school_id == school.id))


def restore_version(ret: Return, version: SectionVersion, *, loaded_version: int, user: User) -> ReturnSection:
    """Make an earlier version the section's working copy again, as a new version; the copy it
    replaces is kept, whoever saved it. It is a draft again: the school marks it complete once more."""
    if version.return_id != ret.id:
        raise LookupError("That version belongs to another return")
    return save_section(
        ret, version.key, version.answers or {}, invalid=version.invalid or {}, loaded_version=loaded_version, user=user,
        status=SECTION_IN_PROGRESS, keep_always=True,
    )
