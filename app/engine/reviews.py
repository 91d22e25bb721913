"""Officers' review of a submission: comments per section the school sees, and a note it never sees.

Comments and the note belong to one submission. They can be written only while that submission is
the latest and the return waits in "submitted"; once the return goes back to the school or is
accepted they are what was sent, and stay as they were.
"""

from __future__ import annotations

from contextlib import contextmanager
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.orm import aliased

from flask import has_request_context, request
from markupsafe import Markup

from app import audit
from app.extensions import db
from app.formatting import LONDON
from app.models import CollectionWindow, Return, ReviewNote, School, SectionComment, StepAnswers, Submission, User
from app.models.returns import ACCEPTED, RETURNED, SUBMITTED
from app.models.types import utcnow
from app.engine.display import ROWS_BY_POSITION, ROWS_WITH_IDS, AnswerRow, SectionAnswers, answers_by_section, snapshot_answers
from app.engine import lifecycle, registry
from app.engine.registry import ReturnType, Step
from app.engine.history import HistoryRow
from app.engine.text import normalise_answers
from app.engine.lifecycle import ACCEPT, RETURN_FOR_CHANGES, SUBMIT, WITHDRAW
from app.engine import diff


class ReviewError(Exception):
    """A review that cannot be saved, in words for the officer who tried."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def record_read(ret: Return) -> None:
    """Types whose answers are sensitive (mental-health plans, peer reviews) record who opened
    which school's return, on every page and export that shows its answers."""
    record_reads([(ret.id, ret.return_type, ret.school_id)])


def record_reads(shown: Iterable[tuple[int, str, int]]) -> None:
    """The same for a page or export that shows words from several returns (the overdue actions on
    the officers' wellbeing view): one row per return, given as (return id, type, school id)."""
    for return_id, return_type, school_id in dict.fromkeys(shown):
        kind = registry.get(return_type)
        if kind is not None and kind.audit_reads:
            audit.record("return_read", return_id=return_id, return_type=return_type, school_id=school_id, endpoint=request.endpoint if has_request_context() else None)


def comments_for_school(ret: Return) -> dict[str, str]:
    """While a return is back with the school, the comments officers left on its latest submission, by section."""
    if ret.state != RETURNED:
        return {}
    latest = db.session.scalar(select(Submission.id).where(Submission.return_id == ret.id).order_by(Submission.number.desc()).limit(1))
    if latest is None:
        return {}
    rows = db.session.scalars(select(SectionComment).where(SectionComment.submission_id == latest))
    return {row.section_key: row.text for row in rows if row.text.strip()}


# The review queue.


def days_since(moment: datetime | None, now: datetime | None = None) -> int | None:
    """Whole days in London between then and now: 0 on the same day, 1 the day after."""
    if moment is None:
        return None
    today: date = (now or utcnow()).astimezone(LONDON).date()
    return max(0, (today - moment.astimezone(LONDON).date()).days)


@dataclass(frozen=True)
class QueueRow:
    return_id: int
    school_id: int
    school_name: str
    window_title: str
    return_type: str
    late: bool
    submission_number: int
    submitted_at: datetime
    assigned_to_id: int | None
    assigned_name: str | None
    assigned_at: datetime | None
    state: str


def review_queue(user: User, return_type: str | None = None) -> list[QueueRow]:
    """Returns waiting on the council that this user may see (each type's policy, in SQL), the
    longest-waiting first (by their latest submission), in one query."""
    waiting = or_(false(), *(and_(Return.return_type == kind.key, Return.state.in_(waiting_states(kind))) for kind in registry.all_types()))
    waiting = and_(waiting, registry.visible_returns(user))
    if return_type:
        waiting = and_(waiting, Return.return_type == return_type)
    latest = (
        select(Submission.return_id, func.max(Submission.number).label("number"), func.max(Submission.submitted_at).label("submitted_at"))
        .group_by(Submission.return_id)
        .subquery()
    )
    officer = aliased(User)
    query = (
        select(
            Return.id, Return.school_id, School.name, CollectionWindow.title, Return.return_type, Return.late,
            latest.c.number, latest.c.submitted_at, Return.assigned_to_id, officer.name, Return.assigned_at, Return.state,
        )
        .join(School, School.id == Return.school_id)
        .join(CollectionWindow, CollectionWindow.id == Return.window_id)
        .join(latest, latest.c.return_id == Return.id)
        .outerjoin(officer, officer.id == Return.assigned_to_id)
        .where(waiting)
        .order_by(latest.c.submitted_at, Return.id)
    )
    return [QueueRow(*row) for row in db.session.execute(query)]


@dataclass(frozen=True)
class WindowCounts:
    window_id: int
    title: str
    submitted: int
    returned: int
    accepted: int


def window_counts(limit: int = 3) -> list[WindowCounts]:
    """How the most recent windows stand: returns waiting, sent back and accepted, in one GROUP BY."""
    def counted(state: str):
        return func.sum(case((Return.state == state, 1), else_=0))

    query = (
        select(CollectionWindow.id, CollectionWindow.title, counted(SUBMITTED), counted(RETURNED), counted(ACCEPTED))
        .join(Return, Return.window_id == CollectionWindow.id)
        .group_by(CollectionWindow.id, CollectionWindow.title, CollectionWindow.opens_on)
        .order_by(CollectionWindow.opens_on.desc(), CollectionWindow.id.desc())
        .limit(limit)
    )
    return [WindowCounts(wid, title, int(s or 0), int(r or 0), int(a or 0)) for wid, title, s, r, a in db.session.execute(query)]


# One return's review.


def comments_on(submission: Submission) -> dict[str, SectionComment]:
    rows = db.session.scalars(select(SectionComment).where(SectionComment.submission_id == submission.id))
    return {row.section_key: row for row in rows}


def note_on(submission: Submission) -> ReviewNote | None:
    return db.session.scalar(select(ReviewNote).where(ReviewNote.submission_id == submission.id))


def decision_on(number: int, history: list[HistoryRow]) -> HistoryRow | None:
    """What officers decided about submission `number`: the return for changes or acceptance that
    followed it, or None while it waits (or was withdrawn). The nth submit in the history made
    submission n."""
    submits = 0
    waiting = False
    for row in history:
        action = row.transition.action
        if action == SUBMIT:
            submits += 1
            waiting = submits == number
        elif waiting and action in (RETURN_FOR_CHANGES, ACCEPT):
            return row
        elif waiting and action == WITHDRAW:
            return None
    return None


def sent_comments(submission: Submission, history: list[HistoryRow]) -> dict[str, str]:
    """The comments the school was sent about this submission: none until officers have decided on it."""
    if decision_on(submission.number, history) is None:
        return {}
    return {key: comment.text for key, comment in comments_on(submission).items() if comment.text.strip()}


def council_staff(ret: Return | None = None) -> list[User]:
    """Who a return can be assigned to: active officers and administrators who decide on it (for
    most returns, all of them; for some, one named officer)."""
    staff = list(
        db.session.scalars(select(User).where(User.role.in_(("officer", "admin")), User.active.is_(True)).order_by(User.name, User.id))
    )
    return staff if ret is None else [user for user in staff if may_decide(user, ret)]


@contextmanager
def _all_or_nothing(ret: Return):
    """A move with what goes with it (comments, a step's answers): refused, nothing of it is kept,
    and the return is read afresh."""
    savepoint = db.session.begin_nested()
    try:
        yield
    except BaseException:
        savepoint.rollback()
        db.session.refresh(ret)
        raise
    savepoint.commit()


def waiting_states(return_type: ReturnType) -> tuple[str, ...]:
    """The states in which a return of this type waits on the council: submitted, and after each of
    the type's own steps."""
    return (SUBMITTED, *(step.state for step in return_type.steps))


def may_decide(user: User, ret: Return) -> bool:
    kind = registry.get(ret.return_type)
    return kind is not None and lifecycle.capacity(user, ret.return_type, ret.school_id, ret) in kind.decided_by


def _latest_or_refuse(ret: Return, submission: Submission, officer: User) -> None:
    if not may_decide(officer, ret):
        raise ReviewError("Only the officer who decides on this return can review it")
    lifecycle.lock(ret)  # one review save at a time per return, and its state read afresh
    latest = db.session.scalar(select(func.max(Submission.number)).where(Submission.return_id == ret.id))
    waiting = waiting_states(registry.get(ret.return_type))
    if ret.state not in waiting or submission.return_id != ret.id or submission.number != latest:
        raise ReviewError("This submission is no longer waiting for review, so its comments cannot be changed")


def step_answers_of(submission: Submission) -> dict[str, StepAnswers]:
    """What was answered in the type's steps about this submission (and the review checklist, as
    "review"), by step."""
    return {row.step: row for row in db.session.scalars(select(StepAnswers).where(StepAnswers.submission_id == submission.id))}


def _keep_step_answers(submission: Submission, step: str, answers: dict, user: User) -> None:
    row = db.session.scalar(select(StepAnswers).where(StepAnswers.submission_id == submission.id, StepAnswers.step == step))
    if row is None:
        db.session.add(StepAnswers(submission_id=submission.id, step=step, answers=answers, by_id=user.id))
    elif row.answers != answers:
        row.answers = answers
        row.by_id = user.id


def take_step(ret: Return, step: Step, user: User, answers: dict) -> Return:
    """A step the type adds after submission (a host's response), with its answers kept on the
    submission it answers: the lifecycle checks the capacity and the state; refused, nothing is kept."""
    with _all_or_nothing(ret):
        lifecycle.perform(step.key, ret, user)
        latest = db.session.scalar(select(Submission).where(Submission.return_id == ret.id).order_by(Submission.number.desc()).limit(1))
        _keep_step_answers(latest, step.key, answers, user)
        db.session.flush()
    return ret


REVIEW_CHECKLIST = "review"


def step_views(kind: ReturnType, submission: Submission | None) -> list[tuple]:
    """Each of the type's steps with what was answered in it about this submission."""
    if submission is None or not kind.steps:
        return []
    answered = step_answers_of(submission)
    found = []
    for step in kind.steps:
        row = answered.get(step.key)
        found.append((step, step.form.rows(row.answers) if (row and step.form) else [], row))
    return found



def save_review(ret: Return, submission: Submission, officer: User, comments: dict[str, str], note: str | None, checklist: dict | None = None) -> None:
    """Keep the officer's comments (by section key), internal note and the type's own review form
    (a checklist) on the latest submission."""
    _latest_or_refuse(ret, submission, officer)
    if checklist is not None:
        _keep_step_answers(submission, REVIEW_CHECKLIST, checklist, officer)
    existing = comments_on(submission)
    for key, text in comments.items():
        text = (text or "").strip()
        row = existing.get(key)
        if row is None:
            if text:
                db.session.add(SectionComment(submission_id=submission.id, section_key=key, text=text, author_id=officer.id))
        elif row.text != text:
            row.text = text
            row.author_id = officer.id
    if note is not None:
        note = note.strip()
        row = note_on(submission)
        if row is None:
            if note:
                db.session.add(ReviewNote(submission_id=submission.id, text=note, author_id=officer.id))
        elif row.text != note:
            row.text = note
            row.author_id = officer.id
    db.session.flush()


def decide(
    action: str, ret: Return, submission: Submission, officer: User, comments: dict[str, str], note: str | None, reason: str = "", checklist: dict | None = None
) -> Return:
    """Return for changes or accept, with the comments and note saved in the same step: if the move is
    refused, nothing of it is kept."""
    if action not in (RETURN_FOR_CHANGES, ACCEPT):
        raise ReviewError("That is not a review decision")
    with _all_or_nothing(ret):
        save_review(ret, submission, officer, comments, note, checklist)
        lifecycle.perform(action, ret, officer, reason=reason)
    return ret


# Reviewing a resubmission: what changed since the submission before, beside what officers said about it.


@dataclass(frozen=True)
class EarlierComment:
    """A comment the school was sent about the submission before, headed for the officer reading it
    ("Your comment on submission 1", "Comment on submission 1 by Sam Officer")."""

    heading: str
    text: str


@dataclass(frozen=True)
class SinceLast:
    """What the review of submission N > 1 opens on: section by section (by key), what changed since
    submission N-1, and the comments the school was sent about that one."""

    previous: int  # N-1
    latest: int  # N
    changes: dict[str, ComparedSection]
    comments: dict[str, EarlierComment]

    def changed_in(self, key: str) -> list[ComparedRow]:
        section = self.changes.get(key)
        return section.changed if section else []


def since_last(ret: Return, school: School | None, submissions: list[Submission], history: list[HistoryRow], reader: User) -> SinceLast | None:
    """For a resubmission (submissions first to last), what changed since the one before and what
    officers said about that one; None for a first submission."""
    if len(submissions) < 2:
        return None
    previous, latest = submissions[-2], submissions[-1]
    changes = {section.key: section for section in compare(ret, school, previous, latest)}
    sent = comments_on(previous) if decision_on(previous.number, history) is not None else {}
    sent = {key: comment for key, comment in sent.items() if comment.text.strip()}
    author_ids = sorted({comment.author_id for comment in sent.values()})
    authors = {row.id: row.name for row in db.session.execute(select(User.id, User.name).where(User.id.in_(author_ids)))} if sent else {}

    def heading(comment: SectionComment) -> str:
        if comment.author_id == reader.id:
            return f"Your comment on submission {previous.number}"
        return f"Comment on submission {previous.number} by {authors.get(comment.author_id, 'an officer')}"

    return SinceLast(
        previous.number,
        latest.number,
        changes,
        {key: EarlierComment(heading(comment), comment.text) for key, comment in sent.items()},
    )


# Comparing two submissions.


ADDED, REMOVED, MOVED, CHANGED = "added", "removed", "moved", "changed"


@dataclass(frozen=True)
class ComparedRow:
    """One question, or one row of a list answer (a priority) with its parts, in both submissions."""

    key: str
    label: str
    before: str | None  # None: not asked in the earlier submission (for a list row: not there)
    after: str | None  # None: not asked in the later one
    tags: tuple[str, ...] = ()  # for a list row: added, removed, moved and/or changed
    parts: tuple[ComparedRow, ...] = ()  # for a list row: its answers, each before and after
    moved_from: str = ""  # for a moved row: what it was called before ("Priority 3")

    @property
    def changed(self) -> bool:
        if self.parts or self.tags:
            return bool(self.tags)
        return (self.before or "") != (self.after or "")

    @property
    def change_tags(self) -> tuple[str, ...]:
        """What the page tags the row with: a question's change is "changed"."""
        return self.tags or ((CHANGED,) if self.changed else ())

    @property
    def words(self) -> Markup | None:
        """For a long answer that was edited: the later text with only the changed words marked
        (app/engine/diff.py). None for a short value, shown whole as before → after."""
        if self.parts or not self.changed:
            return None
        return diff.word_difference(self.before, self.after)

    @property
    def long(self) -> bool:
        """Either side is a long text: shown whole, each on lines of its own rather than in a line."""
        return diff.is_long(self.before) or diff.is_long(self.after)


@dataclass(frozen=True)
class ComparedSection:
    key: str
    title: str
    rows: list[ComparedRow]

    @property
    def changed(self) -> list[ComparedRow]:
        return [row for row in self.rows if row.changed]

    @property
    def unchanged(self) -> list[ComparedRow]:
        return [row for row in self.rows if not row.changed]

    @property
    def change_count(self) -> int:
        """How many answers changed: a question, or a row of a list (added, removed, moved or edited), counts once."""
        return len(self.changed)


def comparable_rows(item: SectionAnswers) -> list[AnswerRow]:
    """A section's answers, then what its type derives from them, then the school's explanations of
    its queries: everything compare sets side by side."""
    derived = [AnswerRow(f"derived.{value.key}", value.label, value.value, "") for value in item.derived]
    explained = [AnswerRow(f"query.{raised.query.key}", f"Query: {raised.query.message}", raised.explanation, "") for raised in item.queries]
    return [*item.rows, *derived, *explained]


def _items(rows: list[AnswerRow]) -> dict[str, list[AnswerRow]]:
    """The rows of a section by what compare pairs: a question by its key, a list row (all its parts) by its id."""
    items: dict[str, list[AnswerRow]] = {}
    for row in rows:
        items.setdefault(row.row or row.key, []).append(row)
    return items


def _kept_in_order(before: list[str], after: list[str]) -> set[str]:
    """The most rows that stay in the same order (a longest common subsequence): the others moved.
    Removing a row renumbers those after it, but moves none of them."""
    common = set(before) & set(after)
    old, new = [key for key in before if key in common], [key for key in after if key in common]
    lengths = [[0] * (len(new) + 1) for _ in range(len(old) + 1)]
    for i in range(len(old) - 1, -1, -1):
        for j in range(len(new) - 1, -1, -1):
            lengths[i][j] = lengths[i + 1][j + 1] + 1 if old[i] == new[j] else max(lengths[i + 1][j], lengths[i][j + 1])
    kept, i, j = set(), 0, 0
    while i < len(old) and j < len(new):
        if old[i] == new[j]:
            kept.add(old[i])
            i, j = i + 1, j + 1
        elif lengths[i + 1][j] >= lengths[i][j + 1]:
            i += 1
        else:
            j += 1
    return kept


def _part(before: AnswerRow | None, after: AnswerRow | None) -> ComparedRow:
    row = after or before
    return ComparedRow(row.key, row.part or row.label, before.value if before else None, after.value if after else None)


def _list_row(key: str, old: list[AnswerRow] | None, new: list[AnswerRow] | None, moved: bool) -> ComparedRow:
    old_parts = {row.key: row for row in old or []}
    new_parts = {row.key: row for row in new or []}
    parts = tuple(_part(old_parts.get(part), new_parts.get(part)) for part in dict.fromkeys([*new_parts, *old_parts]))
    if old is None:
        tags = (ADDED,)
    elif new is None:
        tags = (REMOVED,)
    else:
        tags = ((MOVED,) if moved else ()) + ((CHANGED,) if any((p.before or "") != (p.after or "") for p in parts) else ())
    label = (new or old)[0].row_label
    moved_from = old[0].row_label if (moved and old and old[0].row_label != label) else ""
    return ComparedRow(key, label, _in_words(old), _in_words(new), tags, parts, moved_from)


def _in_words(rows: list[AnswerRow] | None) -> str | None:
    """A list row as one text, part by part (None: not in that submission)."""
    return None if rows is None else "\n".join(f"{row.part}: {row.value}" for row in rows)


def _compare_rows(old_rows: list[AnswerRow], new_rows: list[AnswerRow]) -> list[ComparedRow]:
    """Questions pair by key; rows of a list pair by id, so a removed row is one removed row (not
    every row after it changed) and a reordered one is moved. Removed rows show where they were."""
    old, new = _items(old_rows), _items(new_rows)
    lists = {rows[0].field for rows in [*old.values(), *new.values()] if rows[0].row}
    kept = set()
    for name in lists:
        kept |= _kept_in_order([key for key, rows in old.items() if rows[0].row and rows[0].field == name],
                               [key for key, rows in new.items() if rows[0].row and rows[0].field == name])
    place = {key: index for index, key in enumerate(old)}
    removed = [key for key in old if key not in new]
    found, shown = [], set()

    def compared(key: str) -> ComparedRow:
        before, after = old.get(key), new.get(key)
        if (before or after)[0].row:
            return _list_row(key, before, after, moved=before is not None and after is not None and key not in kept)
        row = (after or before)[0]
        return ComparedRow(key, row.label, before[0].value if before else None, after[0].value if after else None)

    for key in new:
        if key in place:
            for gone in removed:
                if gone not in shown and place[gone] < place[key]:
                    found.append(compared(gone))
                    shown.add(gone)
        found.append(compared(key))
    found += [compared(gone) for gone in removed if gone not in shown]
    return found


def compare(ret: Return, school: School | None, earlier: Submission, later: Submission, earlier_return: Return | None = None) -> list[ComparedSection]:
    """Two submissions side by side, field by field, each in its own form version's words; questions
    are matched by their stable key within a section, rows of a list by their ids.

    `ret` is the later submission's return; `earlier_return` the earlier one's when it is another
    return (last year's, of the same school and type), else the same. Rows copied from last year's
    return keep their ids, so they pair across years just as across two submissions.

    A snapshot from before rows had ids (answers_format 1) knows only places: when either side is
    one, both sides' rows pair by place (the adapter gives each its place's id), as compare always
    did then, so an old row never pairs by accident with a new row's id, nor fails to pair at all.

    Both sides' texts are compared in their one form (app/engine/text.py): a snapshot is never
    rewritten, so one frozen before text was normalised (CRLF line breaks, say) still equals the same
    words submitted since."""
    by_position = min(earlier.answers_format or ROWS_BY_POSITION, later.answers_format or ROWS_BY_POSITION) < ROWS_WITH_IDS
    before = answers_by_section(ret.return_type, earlier.form_version, school, normalise_answers(snapshot_answers(earlier, by_position=by_position)), earlier_return or ret)
    after = answers_by_section(ret.return_type, later.form_version, school, normalise_answers(snapshot_answers(later, by_position=by_position)), ret)
    before_by_key = {item.section.key: item for item in before}
    order = [item.section.key for item in after] + [item.section.key for item in before if item.section.key not in {a.section.key for a in after}]
    after_by_key = {item.section.key: item for item in after}
    found = []
    for key in order:
        old, new = before_by_key.get(key), after_by_key.get(key)
        rows = _compare_rows(comparable_rows(old) if old else [], comparable_rows(new) if new else [])
        found.append(ComparedSection(key, (new or old).section.title, rows))
    return found


def changed_sections(sections: list[ComparedSection]) -> list[ComparedSection]:
    return [section for section in sections if section.change_count]


# Comparing across collection windows: this year's return against last year's.


@dataclass(frozen=True)
class SchoolSubmission:
    """One submission of one of a school's returns of a type, with its window, for choosing what to compare."""

    submission: Submission
    ret: Return
    window: CollectionWindow
    latest_number: int  # the number of its return's latest submission

    @property
    def accepted(self) -> bool:
        """The submission its return was accepted as (the last of an accepted return)."""
        return self.ret.state == ACCEPTED and self.submission.number == self.latest_number

    @property
    def label(self) -> str:
        return f"{self.window.title}: submission {self.submission.number}" + (" (accepted)" if self.accepted else "")


def school_submissions(school: School, kind: ReturnType, user: User) -> list[SchoolSubmission]:
    """Every submission of the school's returns of this type that the user may see (the type's
    policy, as for opening each return), oldest window first, then by number: one query."""
    rows = db.session.execute(
        select(Submission, Return, CollectionWindow)
        .join(Return, Return.id == Submission.return_id)
        .join(CollectionWindow, CollectionWindow.id == Return.window_id)
        .where(Return.school_id == school.id, Return.return_type == kind.key, kind.policy.visible(user))
        .order_by(CollectionWindow.opens_on, CollectionWindow.id, Submission.number)
    ).all()
    latest: dict[int, int] = {}
    for submission, ret, _ in rows:
        latest[ret.id] = max(latest.get(ret.id, 0), submission.number)
    return [
        SchoolSubmission(submission, ret, window, latest[ret.id])
        for submission, ret, window in rows
        # The SQL is the policy's list; its capacity is what opening the return checks, so both agree.
        if kind.policy.capacity(user, school.id, ret) is not None
    ]


def default_pair(found: list[SchoolSubmission]) -> tuple[SchoolSubmission, SchoolSubmission] | None:
    """What to compare when nothing is chosen: the latest submission against the school's accepted
    return from the window before (last year's), else the latest submission of the return before,
    else the submission before it in the same return. None with fewer than two."""
    if len(found) < 2:
        return None
    later = found[-1]
    earlier_windows = [row for row in found if row.ret.id != later.ret.id]
    accepted = [row for row in earlier_windows if row.accepted]
    if accepted:
        return accepted[-1], later
    if earlier_windows:
        return earlier_windows[-1], later
    return found[-2], later
