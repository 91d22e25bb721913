"""Returns: one per school per collection window, their submissions (frozen) and every change of state."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

# Answers: JSONB on PostgreSQL (compact, comparable, indexable), JSON elsewhere.
ANSWERS = JSON().with_variant(JSONB(), "postgresql")

DRAFT, SUBMITTED, RETURNED, ACCEPTED = "draft", "submitted", "returned", "accepted"
STATES = (DRAFT, SUBMITTED, RETURNED, ACCEPTED)
STATE_LABELS = {
    None: "Not started",
    DRAFT: "In progress",
    SUBMITTED: "Submitted",
    RETURNED: "Returned for changes",
    ACCEPTED: "Accepted",
}


class Return(db.Model):
    __tablename__ = "returns"
    __table_args__ = (
        UniqueConstraint("window_id", "school_id", name="one_return_per_school_per_window"),
        # The review queue and the window counts filter on both.
        Index("ix_returns_state_return_type", "state", "return_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("collection_windows.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    return_type: Mapped[str] = mapped_column(String(32))
    form_version: Mapped[str] = mapped_column(String(40))  # e.g. "ofsted-2025"
    state: Mapped[str] = mapped_column(String(16), default=DRAFT)
    late: Mapped[bool] = mapped_column(default=False)  # first submitted after its due time
    first_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


SECTION_IN_PROGRESS, SECTION_COMPLETED, SECTION_TO_CHECK = "in_progress", "completed", "to_check"
SECTION_LABELS = {
    None: "Not started",
    SECTION_IN_PROGRESS: "In progress",
    SECTION_TO_CHECK: "Check and confirm",
    SECTION_COMPLETED: "Completed",
}


class ReturnSection(db.Model):
    """The working copy of one section of a return. Each save carries the version it was loaded at
    and is a conditional update on it, so two people saving over each other get a conflict."""

    __tablename__ = "return_sections"
    __table_args__ = (UniqueConstraint("return_id", "key", name="one_row_per_section"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    answers: Mapped[dict] = mapped_column(ANSWERS, default=dict)
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default=SECTION_IN_PROGRESS)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What was typed but is not a valid answer yet ("abc" for a number, too long, not one of the
    # choices), by the answer's path (app/engine/merge.py): {"path": {"value": [...], "message": ...}}.
    # Kept apart from `answers`, so nothing that reads answers ever sees an invalid one as valid.
    invalid: Mapped[dict] = mapped_column(ANSWERS, default=dict, server_default="{}")


class SectionVersion(db.Model):
    """An earlier state of a section's working copy, kept when a save replaced it: every one that
    someone else overwrote, and at most one per person per section per five minutes of their own
    saves. Deleted when the return is accepted."""

    __tablename__ = "section_versions"
    __table_args__ = (Index("ix_section_versions_section", "return_id", "key", "saved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"))
    key: Mapped[str] = mapped_column(String(40))
    number: Mapped[int]  # the section's version number when this was its working copy
    answers: Mapped[dict] = mapped_column(ANSWERS, default=dict)
    invalid: Mapped[dict] = mapped_column(ANSWERS, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=SECTION_IN_PROGRESS)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Submission(db.Model):
    """What the school sent, frozen: officers review this, never the working copy."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("return_id", "number", name="one_number_per_return"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), index=True)
    number: Mapped[int]  # 1 for the first submission, 2 after the first return for changes, ...
    answers: Mapped[dict] = mapped_column(ANSWERS)
    # How the answers keep their list rows: 1, by position (before rows had ids; what a row written
    # without saying is taken to be), 2, each row with its "id". Read through
    # app.engine.display.snapshot_answers, never by hand.
    answers_format: Mapped[int] = mapped_column(default=2, server_default="1")
    form_version: Mapped[str] = mapped_column(String(40))
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    late: Mapped[bool] = mapped_column(default=False)


class ReturnTransition(db.Model):
    """Who moved a return from which state to which, when and why. Never changed afterwards."""

    __tablename__ = "return_transitions"
    __table_args__ = (Index("ix_return_transitions_return_id_at", "return_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"))
    action: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")


class FrozenRecordError(RuntimeError):
    pass


def _frozen(mapper, connection, target) -> None:
    raise FrozenRecordError(f"{type(target).__name__} rows cannot be changed or deleted")


for _model in (Submission, ReturnTransition):
    event.listen(_model, "before_update", _frozen)
    event.listen(_model, "before_delete", _frozen)


class SectionComment(db.Model):
    """An officer's comment on one section of one submission: the school sees it when the return comes back."""

    __tablename__ = "section_comments"
    __table_args__ = (UniqueConstraint("submission_id", "section_key", name="one_comment_per_section"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    section_key: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ReviewNote(db.Model):
    """The reviewing officers' own note on a submission. The school never sees it."""

    __tablename__ = "review_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class StepAnswers(db.Model):
    """What someone answered in a step a return type adds after submission (a host school's
    response), or the decider's own review form (a checklist: step "review"), for one submission."""

    __tablename__ = "step_answers"
    __table_args__ = (UniqueConstraint("submission_id", "step", name="one_answer_per_step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    step: Mapped[str] = mapped_column(String(40))
    answers: Mapped[dict] = mapped_column(ANSWERS, default=dict)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SentNotice(db.Model):
    """A scheduled notice that has gone to one person: the unique key makes sending it twice
    impossible, however often the scheduler runs."""

    __tablename__ = "sent_notices"
    __table_args__ = (UniqueConstraint("notice", "user_id", "subject", "due_on", name="one_notice_per_person_subject_and_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice: Mapped[str] = mapped_column(String(40))  # which notice: "due_soon", "overdue", ...
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    subject: Mapped[str] = mapped_column(String(80))  # what it is about: "window:12:school:5"
    due_on: Mapped[date]  # the date it is about (a due date, an opening date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Fact(db.Model):
    """One typed value from one submission (a self-evaluated grade, a priority's LA tag), written in
    the transaction of each move from the type's facts(): what the officers' views read, instead of
    JSON per request. `current` marks the latest submission of a return that is now waiting on the
    council or accepted; `state` is that return's state, so views can keep to accepted returns."""

    __tablename__ = "facts"
    __table_args__ = (
        Index("ix_facts_type_key_current", "return_type", "key", "current"),
        # The officers' distributions read only current facts of some windows: covering and partial,
        # so PostgreSQL answers them from the index alone (bench/facts.py measured 2x at 8,000 schools).
        Index(
            "ix_facts_current_window_key",
            "window_id", "key", "text_value", "state",
            postgresql_where=sql_text("current"),
            sqlite_where=sql_text("current"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("collection_windows.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    return_type: Mapped[str] = mapped_column(String(32))
    form_version: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(120))  # "grade.inclusion", "priority.la_priority"
    row_id: Mapped[str | None] = mapped_column(String(40))  # the list row it belongs to, if any
    text_value: Mapped[str | None] = mapped_column(Text)
    number_value: Mapped[float | None] = mapped_column(Float)
    current: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(16))


class LivingPlan(db.Model):
    """An accepted return whose type declares a living list (ReturnType.living): when its plan is
    next reviewed, and whether a later accepted return of the same type has replaced it (then its
    rows are read-only)."""

    __tablename__ = "living_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), unique=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    return_type: Mapped[str] = mapped_column(String(32))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_review_on: Mapped[date]
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("returns.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LivingRow(db.Model):
    """One row of a living list, by the row's own id in the accepted snapshot: its answers as
    accepted, and its current state (the latest update's status and note). `target_on` and
    `complete` are columns so that "due soon" and "overdue" are plain SQL."""

    __tablename__ = "living_rows"
    __table_args__ = (
        UniqueConstraint("return_id", "row_id", name="one_living_row_per_row_id"),
        Index("ix_living_rows_due", "complete", "target_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), index=True)
    row_id: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(default=0)
    answers: Mapped[dict] = mapped_column(ANSWERS, default=dict)
    title: Mapped[str] = mapped_column(Text, default="")
    target_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(40), default="")
    complete: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    removed: Mapped[bool] = mapped_column(default=False)  # no longer in the re-accepted plan
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LivingUpdate(db.Model):
    """One update of a living row (who, when, the status and the progress note), never changed."""

    __tablename__ = "living_updates"
    __table_args__ = (Index("ix_living_updates_row_at", "living_row_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    living_row_id: Mapped[int] = mapped_column(ForeignKey("living_rows.id"))
    status: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# An update is the record of what the school said when: never changed or deleted.
event.listen(LivingUpdate, "before_update", _frozen)
event.listen(LivingUpdate, "before_delete", _frozen)
