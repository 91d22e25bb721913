"""The golden thread on the school page: each return type's panel through the engine's contract
(registry.SchoolPanel), and the school's returns over the years side by side. The page names no
type: a type with a panel brings it, in a fixed number of queries whatever the school's history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.engine import registry
from app.engine.registry import ReturnType
from app.engine.school_returns import SchoolReturn
from app.models import School


@dataclass(frozen=True)
class TypePanel:
    kind: ReturnType
    template: str
    data: Any  # what the type's loader gave for this school, or None: the template says there is none


def type_panels(school: School, user) -> list[TypePanel]:
    """Each type's panel for this school: one loader call per type with a panel. A type whose
    scope never asks this school (careers, for a primary) is left out unless it holds something."""
    panels = []
    for kind in registry.school_panels():
        panel = kind.school_panel
        data = panel.load([school.id], user).get(school.id)
        if data is not None or kind.scope.may_ask(school):
            panels.append(TypePanel(kind, panel.template, data))
    return panels


@dataclass(frozen=True)
class YearCell:
    item: SchoolReturn
    earlier: SchoolReturn | None  # the same type's return in the window before, to compare with


@dataclass(frozen=True)
class ReturnsRow:
    title: str
    return_type: str
    cells: list[list[YearCell]]  # one list per column of `ReturnsGrid.years`


@dataclass(frozen=True)
class ReturnsGrid:
    years: list[str]  # academic years, newest first
    rows: list[ReturnsRow]


def returns_by_year(items: list[SchoolReturn]) -> ReturnsGrid:
    """The school's returns (newest window first) as a grid: a row per type, a column per academic
    year, each return beside the same type's return of the window before it."""
    years: list[str] = []
    for item in items:
        if item.window.academic_year not in years:
            years.append(item.window.academic_year)
    by_type: dict[str, list[SchoolReturn]] = {}
    for item in items:
        by_type.setdefault(item.ret.return_type, []).append(item)
    rows = []
    for return_type, found in sorted(by_type.items(), key=lambda pair: registry.title_of(pair[0])):
        cells: list[list[YearCell]] = [[] for _ in years]
        for place, item in enumerate(found):
            earlier = next((older for older in found[place + 1:] if older.latest_submission_id is not None), None)
            cells[years.index(item.window.academic_year)].append(YearCell(item, earlier))
        rows.append(ReturnsRow(registry.title_of(return_type), return_type, cells))
    return ReturnsGrid(years, rows)
