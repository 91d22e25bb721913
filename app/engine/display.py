"""Answers as people read them: each section's title with label/value rows, in the words of the form
version the answers were given under (so an old snapshot keeps its own labels)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from uuid import uuid4

from flask import has_request_context

from app.engine import registry
from app.engine.registry import Derived, Query, Section
from app.models import School


# Who reads the answers. A type words its questions for the school ("Your self-evaluated grade")
# and, where that does not fit an officer, gives officers their own words for the same question
# (a section form's officer_labels, app/engine/forms.py). Every page that shows answers shows its
# reader's words: the school its own, officers theirs.
SCHOOL, OFFICER = "school", "officer"


def audience_of(user) -> str:
    return OFFICER if getattr(user, "is_council_staff", False) else SCHOOL


def current_audience() -> str:
    """Whose words a page shows when it does not say: the signed-in person's (so a page open to
    both, like print and compare, and any officer's view built later, is right by default); the
    school's outside a request (a command, an export job)."""
    if not has_request_context():
        return SCHOOL
    from flask_login import current_user

    return audience_of(current_user)


# Row ids.
#
# Every row of a list answer keeps an id of its own in its JSON ("id"), so that a row stays the same
# row however the list is edited, reordered or copied: compare pairs rows by it, and facts name it.
# The forms give and check them (app/engine/forms.py, RowList); here is what one is, and how
# answers that lack them (an old snapshot) are read.

ROW_ID = "id"
# What the server gives ("3f2a9c0b1d4e"), and "p1", "p2", ... for rows that had none (a snapshot from
# before rows had ids, or a draft the migration gave ids by position). Hex has no "p": never alike.
ROW_ID_PATTERN = re.compile(r"p[0-9]{1,4}|[0-9a-f]{12}")


def new_row_id() -> str:
    return uuid4().hex[:12]


def is_row_id(value) -> bool:
    return isinstance(value, str) and ROW_ID_PATTERN.fullmatch(value) is not None


def with_row_ids(answers, *, by_position: bool = False):
    """A copy of some answers in which every row of every list has an id: its own, else (or, with
    by_position, always) "p1", "p2", ... from its place in the list. A second row with the same id
    gets its place's id too. Deterministic, so the same answers always get the same ids.

    Works on the JSON alone (any list of objects is a list answer; each object is a row), so it
    serves for a whole snapshot, one section, and the migration's idea of the same."""
    if isinstance(answers, dict):
        return {key: with_row_ids(value, by_position=by_position) for key, value in answers.items()}
    if isinstance(answers, list):
        if not any(isinstance(item, dict) for item in answers):
            return list(answers)
        seen, rows = set(), []
        for number, item in enumerate(answers, start=1):
            if not isinstance(item, dict):
                rows.append(item)
                continue
            row = with_row_ids(item, by_position=by_position)
            own = row.get(ROW_ID)
            row_id = own if (not by_position and is_row_id(own) and own not in seen) else f"p{number}"
            while row_id in seen:  # a repeated id whose place's id is taken too: the next free place's
                number += len(answers)
                row_id = f"p{number}"
            seen.add(row_id)
            rows.append({**row, ROW_ID: row_id})
        return rows
    return answers


# Submission.answers_format: how a snapshot's list rows are kept.
ROWS_BY_POSITION = 1  # before rows had ids: a row is its place in the list
ROWS_WITH_IDS = 2
ANSWERS_FORMAT = ROWS_WITH_IDS  # what a submission made now is


def snapshot_answers(submission, *, by_position: bool = False) -> dict:
    """A submission's answers as the engine reads them today, whatever format they were frozen in:
    the one way in for display, compare, print and starting from a previous return. The snapshot
    itself is never changed. Rows of an old snapshot get ids from their places ("p1", "p2", ...);
    by_position gives every row that id (for comparing with an old snapshot, where only places can
    pair rows). Pages that show one snapshot may pass its answers as they are: a section form
    loads them through with_row_ids, which gives an old snapshot's rows the same ids."""
    old = (getattr(submission, "answers_format", None) or ROWS_BY_POSITION) < ROWS_WITH_IDS
    return with_row_ids(submission.answers or {}, by_position=by_position or old)


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


def answers_by_section(
    return_type: str, form_version: str, school: School | None, answers: dict, ret=None, *, audience: str | None = None
) -> list[SectionAnswers]:
    """Every section of that version for this school, plus any section the answers hold that the
    school would no longer be asked (a school that has since closed its sixth form), each with the
    values its type derives from it and the queries it raises; labelled in the words of `audience`
    (SCHOOL or OFFICER; None: the signed-in reader's)."""
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
                section.form.rows(section_answers, audience=audience),
                bool(section_answers),
                derived_values(return_type, section, section_answers) if section_answers else [],
                raised_queries(return_type, section, section_answers) if section_answers else [],
            )
        )
    return found
