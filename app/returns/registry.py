"""The kinds of return. A new kind is a module that calls register(); nothing here changes for it.

A return type tells the engine its sections for a given form version and school. Everything else —
starting, autosaving, conflicts, check your answers, submitting, review, comments, comparing,
printing — is the engine's, driven by the sections' forms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.models.schools import PHASES

if TYPE_CHECKING:
    from app.forms.returns import SectionForm
    from app.models import School


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    form: type[SectionForm]
    hint: str = ""  # one sentence under the section's heading
    required: bool = True
    # The template that lays out the section's fields; the default renders them in order.
    template: str = "returns/_section_fields.html"


def _no_sections(form_version: str, school: School | None) -> list[Section]:
    return []


@dataclass(frozen=True)
class ReturnType:
    key: str
    title: str  # "School self-evaluation"
    summary: str  # one sentence for the people asked to send it
    # The phases asked for it unless a window says otherwise (careers: only pupils in year 7 or above).
    default_phases: tuple[str, ...] = PHASES
    # The version of the form new returns start with; each return keeps its own.
    form_version: str = "1"
    # The sections of a return of this form version for this school (None: every possible section).
    sections: Callable[[str, School | None], list[Section]] = field(default=_no_sections, compare=False)
    # What the school declares when it submits.
    declaration: str = "I confirm that the information in this return is accurate and complete."

    def sections_for(self, form_version: str, school: School | None) -> list[Section]:
        return self.sections(form_version, school)

    def section(self, form_version: str, school: School | None, key: str) -> Section | None:
        return next((section for section in self.sections(form_version, school) if section.key == key), None)


_TYPES: dict[str, ReturnType] = {}


def register(return_type: ReturnType) -> ReturnType:
    if return_type.key in _TYPES and _TYPES[return_type.key] != return_type:
        raise ValueError(f"return type {return_type.key!r} is already registered")
    _TYPES[return_type.key] = return_type
    return return_type


def unregister(key: str) -> None:
    """For tests that register a return type of their own."""
    _TYPES.pop(key, None)


def get(key: str) -> ReturnType | None:
    return _TYPES.get(key)


def all_types() -> list[ReturnType]:
    return sorted(_TYPES.values(), key=lambda rt: rt.title)
