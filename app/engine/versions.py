"""Earlier versions of a section's working copy: nothing anyone typed and saved is lost by a later save.

When a save replaces a section's working copy, the copy it replaces is kept as a SectionVersion if
someone else saved it (every overwritten version is kept), or if its author has no version of this
section kept from the last five minutes (so a person's own autosaves leave at most one version per
five minutes, not one per keystroke). A restore keeps the copy it replaces whoever saved it.
Versions go when the return is accepted: the accepted snapshot is the record from then on.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select

from app.extensions import db
from app.models import ReturnSection, SectionVersion, User
from app.models.returns import ACCEPTED
from app.engine.signals import return_moved

OWN_SAVES_EVERY = timedelta(minutes=5)


def keep_replaced(row: ReturnSection, *, by: User, now: datetime, always: bool = False) -> SectionVersion | None:
    """Keep `row` (about to be replaced by `by`'s save) as a version, if the rule above says so."""
    if not always and row.updated_by_id == by.id:
        recent = db.session.scalar(
            select(
                exists().where(
                    SectionVersion.return_id == row.return_id,
                    SectionVersion.key == row.key,
                    SectionVersion.saved_by_id == row.updated_by_id,
                    SectionVersion.saved_at > now - OWN_SAVES_EVERY,
                )
            )
        )
        if recent:
            return None
    version = SectionVersion(
        return_id=row.return_id,
        key=row.key,
        number=row.version,
        answers=row.answers or {},
        invalid=row.invalid or {},
        status=row.status,
        saved_by_id=row.updated_by_id,
        saved_at=row.updated_at,
        replaced_by_id=by.id,
        replaced_at=now,
    )
    db.session.add(version)
    return version


@return_moved.connect
def _forget_on_accept(ret, **_) -> None:
    """An accepted return's snapshot is its record: the working copies' versions go."""
    if ret.state == ACCEPTED:
        db.session.execute(delete(SectionVersion).where(SectionVersion.return_id == ret.id))
