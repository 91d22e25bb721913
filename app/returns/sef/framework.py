"""The inspection framework a self-evaluation follows, kept as versioned data.

A new Ofsted framework is a new entry in FRAMEWORKS, not a change to this one: a return keeps the
version it was started with, and its snapshots always display with that version's own words.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EvaluationArea:
    key: str
    title: str
    only_if: str | None = None  # "early_years" or "sixth_form": asked only of schools that have one


@dataclass(frozen=True)
class Framework:
    version: str
    title: str
    grades: tuple[tuple[str, str], ...]  # (key, words) from best to most concern
    areas: tuple[EvaluationArea, ...]
    safeguarding: tuple[tuple[str, str], ...]

    def area(self, key: str) -> EvaluationArea | None:
        return next((area for area in self.areas if area.key == key), None)

    def areas_for(self, *, early_years: bool, sixth_form: bool) -> list[EvaluationArea]:
        """The areas a school is asked about: early years and sixth form only where it has them."""
        has = {"early_years": early_years, "sixth_form": sixth_form}
        return [area for area in self.areas if area.only_if is None or has[area.only_if]]

    def grade_words(self, key: str) -> str:
        return dict(self.grades).get(key, key)


OFSTED_2025 = Framework(
    version="ofsted-2025",
    title="Ofsted school inspection framework with report cards (from November 2025)",
    grades=(
        ("exceptional", "Exceptional"),
        ("strong", "Strong standard"),
        ("expected", "Expected standard"),
        ("needs_attention", "Needs attention"),
        ("urgent_improvement", "Urgent improvement"),
    ),
    areas=(
        EvaluationArea("inclusion", "Inclusion"),
        EvaluationArea("curriculum_teaching", "Curriculum and teaching"),
        EvaluationArea("achievement", "Achievement"),
        EvaluationArea("attendance_behaviour", "Attendance and behaviour"),
        EvaluationArea("personal_development", "Personal development and well-being"),
        EvaluationArea("leadership_governance", "Leadership and governance"),
        EvaluationArea("early_years", "Early years", only_if="early_years"),
        EvaluationArea("sixth_form", "Sixth form", only_if="sixth_form"),
    ),
    safeguarding=(("met", "Met"), ("not_met", "Not met")),
)

# The grades that put a school on the list for the Schools Standards and Progress Board.
CONCERN_GRADES = ("needs_attention", "urgent_improvement")

# The council's six education priorities, which school priorities are tagged with.
LA_PRIORITIES = (
    ("attainment", "Attainment"),
    ("capacity", "Capacity"),
    ("inclusion", "Inclusion"),
    ("employability_skills", "Employability and skills"),
    ("wellbeing_safety", "Wellbeing and safety"),
    ("rigour_partnership", "Rigour and partnership"),
)
MIN_PRIORITIES, MAX_PRIORITIES = 3, 6

FRAMEWORKS = {OFSTED_2025.version: OFSTED_2025}
CURRENT = OFSTED_2025


def framework(version: str) -> Framework:
    """The framework a return was started with; an unknown version is a bug, not a user error."""
    return FRAMEWORKS[version]
