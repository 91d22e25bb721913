"""Answers as people read them: each section's title with label/value rows, in the words of the form
version the answers were given under (so an old snapshot keeps its own labels)."""

from __future__ import annotations

from dataclasses import dataclass

from app.engine import registry
from app.engine.registry import Section
from app.models import School


@dataclass(frozen=True)
class AnswerRow:
    key: str  # stable across submissions, for comparing
    label: str
    value: str
    field: str  # the top-level field name, for a "Change" link


@dataclass(frozen=True)
class SectionAnswers:
    section: Section
    rows: list[AnswerRow]
    answered: bool  # the section has answers at all


def answers_by_section(return_type: str, form_version: str, school: School | None, answers: dict) -> list[SectionAnswers]:
    """Every section of that version for this school, plus any section the answers hold that the
    school would no longer be asked (a school that has since closed its sixth form)."""
    kind = registry.get(return_type)
    sections = kind.sections_for(form_version, school)
    keys = {section.key for section in sections}
    extra = [section for section in kind.sections_for(form_version, None) if section.key not in keys and section.key in answers]
    found = []
    for section in [*sections, *extra]:
        section_answers = answers.get(section.key) or {}
        found.append(SectionAnswers(section, section.form.rows(section_answers), bool(section_answers)))
    return found
