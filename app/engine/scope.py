"""Which schools a window asks: each return type declares its rule once, as SQL over School.

The engine adds what every window shares (only open schools are asked); a type's scope says the
rest. Each scope also answers for one school already loaded (`applies`), and the tests check that
the two agree for every kind of school. A school the rule cannot decide (no phase, no age range
recorded) is never silently dropped: `undecided_sql` finds it and `why_undecided` says why, so the
window's page can list it for the administrator.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, false, func, not_, or_

from app.models import School
from app.models.schools import PHASES

if TYPE_CHECKING:
    from app.models import CollectionWindow

# The phases a window may ask. GIAS's "Not applicable" is not one: special schools and alternative
# provision carry it and are chosen by their kind instead.
ASKABLE_PHASES = tuple(phase for phase in PHASES if phase != "Not applicable")


def special_sql() -> ColumnElement[bool]:
    return func.lower(School.establishment_type).like("%special%")


def alternative_sql() -> ColumnElement[bool]:
    return or_(
        func.lower(School.establishment_type).like("%alternative provision%"),
        func.lower(School.establishment_type).like("%pupil referral unit%"),
    )


class Scope:
    """The base: a type's rule over the schools a window may ask."""

    # Whether the window form asks for phases and the special/AP choices, and which phases a new
    # window starts with when it does.
    uses_phases = True
    default_phases: tuple[str, ...] = ASKABLE_PHASES

    def sql(self, window: CollectionWindow) -> ColumnElement[bool]:
        raise NotImplementedError

    def applies(self, window: CollectionWindow, school: School) -> bool:
        raise NotImplementedError

    def undecided_sql(self, window: CollectionWindow) -> ColumnElement[bool]:
        """SQL: schools this rule cannot decide for lack of data (never asked by `sql`)."""
        return false()

    def may_ask(self, school: School) -> bool:
        """Whether any window of the type could ask this school, whatever the window chooses: false
        only where the rule itself rules the school out (a primary, for a rule by age), so pages
        about the school leave the type out instead of saying it has sent nothing."""
        return True

    def why_undecided(self, window: CollectionWindow, school: School) -> str | None:
        """`undecided_sql` for one school already loaded: why the rule cannot place it, or None."""
        return None

    def describe(self, window: CollectionWindow | None) -> str:
        raise NotImplementedError


class PhaseScope(Scope):
    """Schools of the window's phases; special schools and alternative provision (usually phase
    "Not applicable" in GIAS) by their kind, as the window chooses.

    `default_phases` are the phases a new window of the type starts with on the form."""

    def __init__(self, default_phases: Iterable[str] = ASKABLE_PHASES):
        unknown = [phase for phase in default_phases if phase not in ASKABLE_PHASES]
        if unknown:
            raise ValueError(f"not phases a window can ask: {unknown}")
        self.default_phases = tuple(default_phases)

    def sql(self, window: CollectionWindow) -> ColumnElement[bool]:
        special, alternative = special_sql(), alternative_sql()
        rules = [and_(not_(special), not_(alternative), School.phase.in_(window.phases or []))]
        if window.include_special:
            rules.append(special)
        if window.include_alternative_provision:
            rules.append(alternative)
        return or_(*rules)

    def applies(self, window: CollectionWindow, school: School) -> bool:
        special, alternative = school.is_special, school.is_alternative_provision
        if special or alternative:
            return (special and window.include_special) or (alternative and window.include_alternative_provision)
        return school.phase in (window.phases or [])

    def undecided_sql(self, window: CollectionWindow) -> ColumnElement[bool]:
        # A school not placed by its kind needs a phase a window can ask: one missing, blank, or
        # "Not applicable" on a school that is neither special nor alternative provision can
        # never be chosen on the form, so it would drop out of every window unseen.
        return and_(
            not_(special_sql()),
            not_(alternative_sql()),
            or_(School.phase.is_(None), not_(School.phase.in_(ASKABLE_PHASES))),
        )

    def why_undecided(self, window: CollectionWindow, school: School) -> str | None:
        if school.is_special or school.is_alternative_provision or school.phase in ASKABLE_PHASES:
            return None
        if not (school.phase or "").strip():
            return "No phase of education is recorded"
        return (
            f"Its phase is ‘{school.phase}’, which a window cannot ask, and its type "
            f"(‘{school.establishment_type}’) is not a special school or alternative provision"
        )

    def describe(self, window: CollectionWindow | None) -> str:
        if window is None:
            return "Open schools of the phases you choose, and special schools and alternative provision if you include them."
        phases = ", ".join(phase.lower() for phase in (window.phases or [])) or "no phase"
        extra = [name for name, chosen in (("special schools", window.include_special), ("alternative provision", window.include_alternative_provision)) if chosen]
        return f"Open schools of these phases: {phases}" + (f"; and {' and '.join(extra)}" if extra else "") + "."


class AgeScope(Scope):
    """Schools whose statutory age range reaches `min_high_age` (careers: pupils in year 7 or above,
    so a statutory high age of 12 or more), whatever their phase or kind."""

    uses_phases = False

    def __init__(self, min_high_age: int, words: str):
        self.min_high_age = min_high_age
        self.words = words

    def sql(self, window: CollectionWindow) -> ColumnElement[bool]:
        return School.statutory_high_age >= self.min_high_age

    def applies(self, window: CollectionWindow, school: School) -> bool:
        return school.statutory_high_age is not None and school.statutory_high_age >= self.min_high_age

    def undecided_sql(self, window: CollectionWindow) -> ColumnElement[bool]:
        return School.statutory_high_age.is_(None)

    def why_undecided(self, window: CollectionWindow, school: School) -> str | None:
        return "No statutory age range is recorded" if school.statutory_high_age is None else None

    def may_ask(self, school: School) -> bool:
        return school.statutory_high_age is None or school.statutory_high_age >= self.min_high_age

    def describe(self, window: CollectionWindow | None) -> str:
        return f"Open schools {self.words} (a statutory high age of {self.min_high_age} or more), whatever their phase."


class UnregisteredScope(Scope):
    """The rule for a window whose return type the app no longer offers: it asks nobody, and the
    window's page says so rather than failing."""

    uses_phases = False

    def sql(self, window: CollectionWindow) -> ColumnElement[bool]:
        return false()

    def applies(self, window: CollectionWindow, school: School) -> bool:
        return False

    def describe(self, window: CollectionWindow | None) -> str:
        return "No school: this window's return is no longer offered."
