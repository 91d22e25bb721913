"""The kinds of return. A new kind is a module that calls register(); nothing here changes for it."""

from __future__ import annotations

from dataclasses import dataclass

from app.models.schools import PHASES


@dataclass(frozen=True)
class ReturnType:
    key: str
    title: str  # "School self-evaluation"
    summary: str  # one sentence for the people asked to send it
    # The phases asked for it unless a window says otherwise (careers: only pupils in year 7 or above).
    default_phases: tuple[str, ...] = PHASES
    # The version of the form new returns start with; each return keeps its own.
    form_version: str = "1"


_TYPES: dict[str, ReturnType] = {}


def register(return_type: ReturnType) -> ReturnType:
    if return_type.key in _TYPES and _TYPES[return_type.key] != return_type:
        raise ValueError(f"return type {return_type.key!r} is already registered")
    _TYPES[return_type.key] = return_type
    return return_type


def get(key: str) -> ReturnType | None:
    return _TYPES.get(key)


def all_types() -> list[ReturnType]:
    return sorted(_TYPES.values(), key=lambda rt: rt.title)
