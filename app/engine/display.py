"""Answers as people read them: each section's title with label/value rows, in the words of the form
version the answers were given under (so an old snapshot keeps its own labels)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.engine import registry
from app.engine.registry import Derived, Query, Section
from app.models import School


@dataclass(frozen=True)
class AnswerRow:
    key: str  # stable across submissions, for comparing ("priorities.<row id>.title" in a list)
    label: str
    value: str
    field: str  # the top-level field name, for a "Change" link
    # In a list of rows: which row ("priorities.<row id>"), its name now ("Priority 2") and the part
    # of it this is ("Intended impact"; the list's own label for the row's main field).
    row: str = ""
    row_label: str = ""
    part: str = ""


# Where a section's answers keep the school's explanations of its queries: beside the answers,
# so a submission freezes them together.
EXPLANATIONS = "_explanations"
EXPLANATION_LIMIT = 1000


@dataclass(frozen=True)
class RaisedQuery:
    """A query the answers raise, with the school's explanation if it gave one."""

    query: Query
    explanation: str

    @property
    def explained(self) -> bool:
        return bool(self.explanation.strip())


@dataclass(frozen=True)
class SectionAnswers:
    section: Section
    rows: list[AnswerRow]
    answered: bool  # the section has answers at all
    derived: list[Derived] = field(default_factory=list)
    queries: list[RaisedQuery] = field(default_factory=list)


def derived_values(return_type: str, section: Section, answers: dict) -> list[Derived]:
    return list(registry.get(return_type).derive(section, answers or {}))


def raised_queries(return_type: str, section: Section, answers: dict, explanations: dict | None = None) -> list[RaisedQuery]:
    """The queries these answers raise, each with its explanation (from `explanations`, else the
    ones kept with the answers)."""
    kept = explanations if explanations is not None else ((answers or {}).get(EXPLANATIONS) or {})
    return [RaisedQuery(query, str(kept.get(query.key) or "")) for query in registry.get(return_type).queries(section, answers or {})]


def answers_by_section(return_type: str, form_version: str, school: School | None, answers: dict, ret=None) -> list[SectionAnswers]:
    """Every section of that version for this school, plus any section the answers hold that the
    school would no longer be asked (a school that has since closed its sixth form), each with the
    values its type derives from it and the queries it raises."""
    kind = registry.get(return_type)
    sections = kind.sections_for(form_version, school, ret)
    keys = {section.key for section in sections}
    extra = [section for section in kind.sections_for(form_version, None, ret) if section.key not in keys and section.key in answers]
    found = []
    for section in [*sections, *extra]:
        section_answers = answers.get(section.key) or {}
        found.append(
            SectionAnswers(
                section,
                section.form.rows(section_answers),
                bool(section_answers),
                derived_values(return_type, section, section_answers) if section_answers else [],
                raised_queries(return_type, section, section_answers) if section_answers else [],
            )
        )
    return found
