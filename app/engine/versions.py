"""Earlier versions of a section's working copy: nothing anyone typed and saved is lost by a later save.

When a save replaces a section's working copy, the copy it replaces is kept as a SectionVersion if
someone else saved it (every overwritten version is kept), or if its author has no version of this
section kept from the last five minutes (so a person's own autosaves leave at most one version per
five minutes, not one per keystroke). A restore keeps the copy it replaces whoever saved it.
Versions go when the return is accepted: the accepted snapshot is the record from then on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import ReturnSection, SectionVersion, User
from app.models.returns import ACCEPTED
from app.engine.registry import Section
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


@dataclass(frozen=True)
class VersionRow:
    """A kept version with the names of who saved it and whose save replaced it ("" when unknown)."""

    version: SectionVersion
    saved_by: str
    replaced_by: str

    @property
    def replaced_by_someone_else(self) -> bool:
        return self.version.replaced_by_id is not None and self.version.replaced_by_id != self.version.saved_by_id


def versions_of(return_id: int, key: str) -> list[VersionRow]:
    """A section's kept versions, newest first, with both names: one query however many there are."""
    saver, replacer = aliased(User), aliased(User)
    query = (
        select(SectionVersion, saver.name, replacer.name)
        .outerjoin(saver, saver.id == SectionVersion.saved_by_id)
        .outerjoin(replacer, replacer.id == SectionVersion.replaced_by_id)
        .where(SectionVersion.return_id == return_id, SectionVersion.key == key)
        .order_by(SectionVersion.saved_at.desc(), SectionVersion.id.desc())
    )
    return [VersionRow(version, saved_by or "", replaced_by or "") for version, saved_by, replaced_by in db.session.execute(query)]


def version_of(return_id: int, key: str, version_id: int) -> VersionRow | None:
    """One kept version of this return's section, with its names; None for any other id (another
    return's or another section's version is not this one's)."""
    saver, replacer = aliased(User), aliased(User)
    found = db.session.execute(
        select(SectionVersion, saver.name, replacer.name)
        .outerjoin(saver, saver.id == SectionVersion.saved_by_id)
        .outerjoin(replacer, replacer.id == SectionVersion.replaced_by_id)
        .where(SectionVersion.id == version_id, SectionVersion.return_id == return_id, SectionVersion.key == key)
    ).first()
    if found is None:
        return None
    version, saved_by, replaced_by = found
    return VersionRow(version, saved_by or "", replaced_by or "")


def saved_by(row: ReturnSection | None) -> str:
    """The name of who saved the working copy, "" when nobody has or they are unknown."""
    if row is None or row.updated_by_id is None:
        return ""
    return db.session.scalar(select(User.name).where(User.id == row.updated_by_id)) or ""


@dataclass(frozen=True)
class InvalidValue:
    """Something typed into a version that was not a valid answer yet, with the question it was for."""

    label: str
    value: str
    message: str


def invalid_values(section: Section, version: SectionVersion) -> list[InvalidValue]:
    """The version's typed-but-invalid values in the section form's own words. A path names an
    answer ("pupils_on_roll", a row's "priorities.<row id>.title") or a field ("priorities-0-title"):
    its answer's label if it has one, else its field's, else the path itself."""
    answer_labels = {row.key: row.label for row in section.form.rows(version.answers or {})}
    form = section.form.load({}, meta={"csrf": False})
    field_labels = {field.short_name: field.label.text for field in form}
    found = []
    for path, kept in (version.invalid or {}).items():
        kept = kept if isinstance(kept, dict) else {}
        raw = kept.get("value")
        value = ", ".join(str(part) for part in raw) if isinstance(raw, list) else str(raw if raw is not None else "")
        top = str(path).replace("-", ".").split(".")[0]
        label = answer_labels.get(path) or field_labels.get(path) or field_labels.get(top) or str(path)
        found.append(InvalidValue(label, value, str(kept.get("message") or "")))
    return found
