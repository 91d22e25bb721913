"""The contract every return type fills in, and the list of types the app was given.

A type is one package (app/returns/<type>/) that calls register() with a ReturnType. Everything a
type may differ in is a field here with a default that gives the self-evaluation's behaviour:

- sections(form_version, school, ret): what the school fills in (given the return, so a peer
  review's sections can follow the focus areas its host chose);
- policy: in what capacity a user acts on a return, and the SQL that lists the returns they see;
- scope: which schools a window of this type asks, as one SQL expression;
- steps: moves a type adds between submission and the decision (a host's response), who decides,
  and a review form of its own beside the per-section comments (a quality-assurance checklist);
- summary and queries: values derived from the answers, and soft checks the school confirms with
  an explanation instead of being refused;
- audit_reads: whether every read of a return's answers is written to the audit trail;
- scheduled_notices: the type's own notices that fall due on a date (a plan's review).
- living: a list of the accepted return that lives on through the year (a plan's actions), which
  the school updates and officers read (app/engine/living.py).
- school_panel: what the type shows on the school page (the golden thread): a template and one
  loader of its data for many schools at once, so the page never names a type and costs a fixed
  number of queries whatever the school's history (app/schools/thread.py).
- describe_fact: one fact in the type's own words ("Achievement: needs attention"), for pages that
  cite facts as evidence (a suggested support category's reasons).
- alerts: what a submission's answers raise that officers must hear of at once (a self-evaluation
  with safeguarding not met): the engine mails the officers and keeps each alert until one of them
  acknowledges it (app/engine/alerts.py).

A section's form words its questions for the school; where that wording does not fit an officer
("Your self-evaluated grade"), the form gives officers' words in `officer_labels` (by field name,
app/engine/forms.py), and every page that shows answers uses its reader's (app/engine/display.py).

The engine calls these and never imports a type.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.engine.policy import DECIDER, Policy, RESPONDENT, SchoolPolicy
from app.engine.scope import PhaseScope, Scope

if TYPE_CHECKING:
    from flask import Blueprint

    from app.engine.forms import SectionForm
    from app.models import Return, School


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    form: type[SectionForm]
    hint: str = ""  # one sentence under the section's heading
    required: bool = True
    # The template that lays out the section's fields; the default renders them in order.
    template: str = "returns/_section_fields.html"


@dataclass(frozen=True)
class Derived:
    """A value worked out from the answers (a benchmark's percentage), shown beside them."""

    key: str
    label: str
    value: str


@dataclass(frozen=True)
class Query:
    """A possible but unusual answer: the school confirms it with a short explanation, and the
    officer sees the query and the explanation on review."""

    key: str
    message: str
    field: str = ""  # the field it is about, for a link from the error summary


@dataclass(frozen=True)
class FactValue:
    """One typed value a type draws from a submission for the officers' views (app.models.Fact):
    a self-evaluated grade, a priority's LA tag (with the row it belongs to)."""

    key: str
    text: str | None = None
    number: float | None = None
    row_id: str | None = None


@dataclass(frozen=True)
class Alert:
    """Something in a submission officers must hear of at once. `key` names the rule (at most 40
    characters: "safeguarding_not_met"), `title` says it in a few words for the mail's subject and
    the officers' home ("Safeguarding not met"); neither quotes the school's answers."""

    key: str
    title: str


@dataclass(frozen=True)
class Step:
    """A move between submission and the decision, taken in one capacity with a form of its own
    (a host school's response to a peer review). It moves the return to `state`."""

    key: str  # the action's name: "respond"
    title: str  # "Respond to the review"
    label: str  # how the move reads in the history: "Responded"
    state: str  # the state it leaves the return in: "responded"
    state_label: str  # "Host has responded"
    form: type[SectionForm] | None = None
    capacity: str = RESPONDENT


@dataclass(frozen=True)
class DemoData:
    """What the demo borough (`make run`) seeds for a type: its windows' title ("Self-evaluation",
    giving "Self-evaluation, autumn 2026"), invented answers for a school in a year, the comments an
    officer leaves by section on a return sent back, and the reasons given. A type with a living
    list may add the updates its schools' staff made after acceptance: given the plan's living rows,
    the school, a seeded random, when it was accepted and the demo's today, it returns
    (row, status, note, when) tuples, oldest first, all before today."""

    window_title: str
    answers: Callable[[Any, Any, int], dict]
    comments: dict[str, str] = field(default_factory=dict)
    return_reasons: tuple[str, ...] = ("Please check the answers and send the return again.",)
    living_updates: Callable[[list, Any, Any, Any, Any], list[tuple]] | None = None


@dataclass(frozen=True)
class LivingList:
    """A list in an accepted return that lives on through the year (a mental-health plan's
    actions): each row becomes a living row the school updates (status and a progress note) and
    officers read, until a later return of the same type for the school is accepted
    (app/engine/living.py)."""

    section: str  # the section holding the list, e.g. "action_plan"
    field: str  # the list answer, e.g. "actions"
    title_field: str  # the row field that names a row, e.g. "what"
    status_field: str  # e.g. "status"
    statuses: Callable[[str], Sequence[tuple[str, str]]]  # (value, label) for a form version
    complete: str  # the status value meaning done, e.g. "complete"
    target_field: str  # ISO date field, e.g. "target_on"
    review_after_days: int = 91  # the plan's next review, counted from acceptance
    # The row field that holds a progress note, if the form has one: starting next year's return
    # from this one copies each row's latest note into it (and its latest status into status_field).
    note_field: str | None = None


@dataclass(frozen=True)
class SchoolPanel:
    """A type's panel on the school page. `load(school_ids, user)` returns its data by school id,
    in a fixed number of queries however many schools and years (a school without any is left
    out, and the panel then says so); `template` renders one school's data as `panel`, beside
    `school` and `viewer_is_council`. `order` places it among the other types' panels."""

    title: str
    template: str
    load: Callable[[Sequence[int], Any], dict[int, Any]]
    order: int = 100


def _fact_words(key: str, text: str | None, form_version: str) -> str:
    return f"{key}: {text}" if text is not None else key


def _no_sections(form_version: str, school: School | None, ret: Return | None) -> list[Section]:
    return []


def _nothing(section: Section, answers: dict) -> list:
    return []


@dataclass(frozen=True)
class ReturnType:
    key: str
    title: str  # "School self-evaluation"
    summary: str  # one sentence for the people asked to send it
    # The version of the form new returns start with; each return keeps its own.
    form_version: str = "1"
    # The sections of a return of this form version for this school (None: every possible
    # section), given the return where there is one.
    sections: Callable[[str, School | None, Return | None], list[Section]] = field(default=_no_sections, compare=False)
    # What the school declares when it submits.
    declaration: str = "I confirm that the information in this return is accurate and complete."
    policy: Policy = field(default_factory=SchoolPolicy, compare=False)
    scope: Scope = field(default_factory=PhaseScope, compare=False)
    steps: tuple[Step, ...] = ()
    # The capacities that may return for changes and accept (and take the return for review).
    decided_by: tuple[str, ...] = (DECIDER,)
    # A form of the type's own that the decider fills in beside the comments (a checklist).
    review_form: type[SectionForm] | None = field(default=None, compare=False)
    review_form_title: str = "Review checklist"
    # Values derived from a section's answers, and soft checks on them.
    derive: Callable[[Section, dict], list[Derived]] = field(default=_nothing, compare=False)
    queries: Callable[[Section, dict], list[Query]] = field(default=_nothing, compare=False)
    # The typed values the officers' views read, drawn from a submission's answers (by section) in
    # its own form version: written by the engine in the transaction of every move.
    facts: Callable[[dict, str], list[FactValue]] = field(default=lambda answers, form_version: [], compare=False)
    # Whether opening a return's answers is written to the audit trail (mental-health plans).
    audit_reads: bool = False
    # The type's own notices that fall due: given the moment (an aware datetime), the
    # app.engine.notices.ScheduledNotice objects due by then; `flask notices send` sends each once.
    scheduled_notices: Callable[[Any], Iterable[Any]] | None = field(default=None, compare=False)
    # A list of the accepted return that lives on through the year (app/engine/living.py).
    living: LivingList | None = field(default=None, compare=False)
    # The type's panel on the school page, if it has one.
    school_panel: SchoolPanel | None = field(default=None, compare=False)
    # One fact (key, text, form version) in the type's own words, for pages that cite it.
    describe_fact: Callable[[str, str | None, str], str] = field(default=_fact_words, compare=False)
    # What a submission's answers (by section, in its form version) raise for officers at once
    # (app/engine/alerts.py): each Alert is raised once per return and kept until acknowledged.
    alerts: Callable[[dict, str], list[Alert]] = field(default=lambda answers, form_version: [], compare=False)
    # Invented answers for the demo borough, if the type brings them.
    demo: DemoData | None = field(default=None, compare=False)
    # Folders of templates and a blueprint, where the type has pages of its own.
    template_folder: str | None = None
    blueprint: Blueprint | None = field(default=None, compare=False)

    def sections_for(self, form_version: str, school: School | None, ret: Return | None = None) -> list[Section]:
        return self.sections(form_version, school, ret)

    def section(self, form_version: str, school: School | None, key: str, ret: Return | None = None) -> Section | None:
        return next((section for section in self.sections_for(form_version, school, ret) if section.key == key), None)

    def step(self, key: str) -> Step | None:
        return next((step for step in self.steps if step.key == key), None)

    def next_step(self, state: str | None) -> Step | None:
        """The step a return in this state waits for, if any (a host's response after submission)."""
        from app.models.returns import SUBMITTED

        before = SUBMITTED
        for step in self.steps:
            if state == before:
                return step
            before = step.state
        return None

    @property
    def decision_state(self) -> str:
        """The state a return waits in for the decision: after the last step, or as submitted."""
        from app.models.returns import SUBMITTED

        return self.steps[-1].state if self.steps else SUBMITTED

    @property
    def state_labels(self) -> dict[str | None, str]:
        """How each state of a return of this type reads, the type's own step states included."""
        from app.models.returns import STATE_LABELS

        return {**STATE_LABELS, **{step.state: step.state_label for step in self.steps}}

    def state_label(self, state: str | None) -> str:
        return self.state_labels.get(state, state or "")


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


def visible_returns(user) -> Any:
    """SQL over Return: every return, of any type, that its type's policy lets this user see. Every
    list of returns filters with it, so no page filters returns in Python."""
    from sqlalchemy import and_, false, or_

    from app.models import Return

    return or_(false(), *(and_(Return.return_type == kind.key, kind.policy.visible(user)) for kind in _TYPES.values()))


def all_state_labels() -> dict[str | None, str]:
    """How every state of every type reads, for pages that list returns of several types."""
    labels: dict[str | None, str] = {}
    for kind in _TYPES.values():
        labels.update(kind.state_labels)
    if not labels:
        from app.models.returns import STATE_LABELS

        labels.update(STATE_LABELS)
    return labels


def school_panels() -> list[ReturnType]:
    """The types with a panel on the school page, in the panels' order."""
    return sorted((kind for kind in _TYPES.values() if kind.school_panel is not None), key=lambda kind: (kind.school_panel.order, kind.title))


def title_of(key: str) -> str:
    found = get(key)
    return found.title if found else "Return"


@dataclass(frozen=True)
class Loaded:
    """What the RETURN_TYPES setting brought in: the types' own template folders and blueprints."""

    types: tuple[ReturnType, ...]
    template_folders: tuple[str, ...]
    blueprints: tuple[Blueprint, ...]


def load(module_names: Iterable[str]) -> Loaded:
    """Import each type's package (it registers itself) and collect what it brings."""
    types = []
    for name in module_names:
        module = importlib.import_module(name)
        return_type = getattr(module, "RETURN_TYPE", None)
        if not isinstance(return_type, ReturnType):
            raise RuntimeError(f"{name} does not declare RETURN_TYPE")
        register(return_type)
        types.append(return_type)
    folders = []
    for return_type in types:
        folder = return_type.template_folder
        if folder and Path(folder).is_dir():
            folders.append(folder)
    return Loaded(tuple(types), tuple(folders), tuple(t.blueprint for t in types if t.blueprint is not None))
