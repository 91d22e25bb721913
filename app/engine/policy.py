"""Who acts on a return, in what capacity, and which returns each person sees.

A capacity is a part someone plays in one return:

- author: drafts the answers (any of the school's staff, for the self-evaluation);
- approver: an author who may also submit on the school's behalf;
- respondent: answers a submitted return in a step of its own (a peer review's host school);
- decider: takes the return for review, returns it for changes or accepts it;
- reader: sees it and nothing more.

Every engine check (start, edit, submit, respond, decide, read) asks the type's policy, and every
list of returns filters with the policy's SQL, so no page filters returns in Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from app.models import Return, Role, School, User

if TYPE_CHECKING:
    from sqlalchemy import Select

AUTHOR, APPROVER, RESPONDENT, DECIDER, READER = "author", "approver", "respondent", "decider", "reader"
EDITORS = (AUTHOR, APPROVER)


class Policy:
    """The self-evaluation's rule, which most returns share: the school's own staff write and
    submit it (its approvers submit), the council's staff decide and read every school's."""

    def capacity(self, user: User, school_id: int, ret: Return | None = None) -> str | None:
        """In what capacity this user acts on the return of this school (ret is None before it
        exists), or None if they may not see it at all."""
        if not user.is_authenticated or not user.active:
            return None
        if user.is_council_staff:
            return DECIDER
        if user.is_school_user and user.school_id == school_id:
            return APPROVER if user.approver else AUTHOR
        return None

    def visible(self, user: User) -> ColumnElement[bool]:
        """SQL over Return: the returns of this type the user may see."""
        if user.is_council_staff:
            return true()
        if user.is_school_user and user.school_id is not None:
            return Return.school_id == user.school_id
        return false()

    def startable(self, user: User) -> ColumnElement[bool]:
        """SQL over School: the schools whose return of this type this user may start."""
        if user.is_school_user and user.school_id is not None:
            return School.id == user.school_id
        return false()

    def people(self, ret: Return, capacities: tuple[str, ...]) -> Select:
        """SQL: the active users who act on this return in any of these capacities (who hears of a
        move). One query, whatever the size of the borough."""
        rules = []
        if AUTHOR in capacities or APPROVER in capacities:
            rule = and_(User.role == Role.SCHOOL.value, User.school_id == ret.school_id)
            if AUTHOR not in capacities:
                rule = and_(rule, User.approver.is_(True))
            rules.append(rule)
        if DECIDER in capacities or READER in capacities:
            rules.append(User.role.in_((Role.OFFICER.value, Role.ADMIN.value)))

        return select(User).where(User.active.is_(True), or_(*rules) if rules else false()).order_by(User.id)


SchoolPolicy = Policy
