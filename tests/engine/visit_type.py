"""A return type that exists only in the tests, with a policy unlike the self-evaluation's.

A "visit write-up" is drafted by the staff of one school (the visitors) about a host school; the
host school responds in a step of its own; one named officer alone decides, with a checklist of
their own; a group of schools reads it. It derives one value from the answers (time in lessons, in
hours) and raises one query (more than eight hours in lessons in a day). It is registered the way
a real type is (its RETURN_TYPE), and touches no engine file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextInput
from sqlalchemy import false, or_, select, true
from wtforms import IntegerField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange

from app.engine.forms import SectionForm, long_text
from app.engine.policy import APPROVER, AUTHOR, DECIDER, READER, RESPONDENT, Policy
from app.engine.registry import Derived, Query, ReturnType, Section, Step
from app.models import Return, Role, School, User


class FindingsForm(SectionForm):
    working_well = long_text("What is working well", required="Enter what is working well", limit=2000)
    minutes = IntegerField(
        "Minutes spent in lessons",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the minutes spent in lessons"), NumberRange(min=0, max=1440, message="Minutes spent in lessons must be between 0 and 1,440")],
    )


class ResponseForm(SectionForm):
    response = long_text("The host school's response", required="Enter the host school's response", limit=2000)


class ChecklistForm(SectionForm):
    proportionate = RadioField(
        "Was the review proportionate?",
        widget=GovRadioInput(),
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        validators=[DataRequired(message="Select whether the review was proportionate")],
        invalid_choice_message="Select whether the review was proportionate",
    )


def visit_sections(form_version: str, school, ret=None) -> list[Section]:
    return [Section("findings", "Findings", FindingsForm)]


def time_in_lessons(section: Section, answers: dict) -> list[Derived]:
    minutes = answers.get("minutes")
    if not isinstance(minutes, int):
        return []
    return [Derived("hours", "Time in lessons", f"{minutes / 60:g} hours")]


def long_day(section: Section, answers: dict) -> list[Query]:
    minutes = answers.get("minutes")
    if isinstance(minutes, int) and minutes > 480:
        return [Query("long_day", "More than eight hours in lessons in one day is unusual.", "minutes")]
    return []


@dataclass
class Visits:
    """Who visits whom, who reads, and which officer decides: set by each test."""

    authors: dict[int, int] = field(default_factory=dict)  # host school id -> visiting school id
    group: set[int] = field(default_factory=set)  # schools that read every write-up about the group
    decider_id: int | None = None


class VisitPolicy(Policy):
    def __init__(self, visits: Visits):
        self.visits = visits

    def capacity(self, user, school_id, ret=None):
        if not user.is_authenticated or not user.active:
            return None
        if user.is_council_staff:
            return DECIDER if user.id == self.visits.decider_id else READER
        if not user.is_school_user or user.school_id is None:
            return None
        if self.visits.authors.get(school_id) == user.school_id:
            return APPROVER if user.approver else AUTHOR
        if user.school_id == school_id:
            return RESPONDENT
        if user.school_id in self.visits.group and school_id in self.visits.group:
            return READER
        return None

    def visible(self, user):
        if user.is_council_staff:
            return true()
        if not user.is_school_user or user.school_id is None:
            return false()
        hosts = [host for host, author in self.visits.authors.items() if author == user.school_id]
        rules = [Return.school_id.in_(hosts), Return.school_id == user.school_id]
        if user.school_id in self.visits.group:
            rules.append(Return.school_id.in_(self.visits.group))
        return or_(*rules)

    def startable(self, user):
        if not user.is_school_user:
            return false()
        return School.id.in_([host for host, author in self.visits.authors.items() if author == user.school_id])

    def people(self, ret, capacities):
        rules = []
        if AUTHOR in capacities or APPROVER in capacities:
            rule = (User.role == Role.SCHOOL.value) & (User.school_id == self.visits.authors.get(ret.school_id))
            rules.append(rule if AUTHOR in capacities else rule & User.approver.is_(True))
        if RESPONDENT in capacities:
            rules.append((User.role == Role.SCHOOL.value) & (User.school_id == ret.school_id))
        if DECIDER in capacities:
            rules.append(User.id == self.visits.decider_id)
        return select(User).where(User.active.is_(True), or_(false(), *rules)).order_by(User.id)


VISITS = Visits()

RETURN_TYPE = ReturnType(
    key="visit",
    title="Visit write-up",
    summary="Visiting heads write up what they found; the host responds; the link officer decides.",
    form_version="visit-1",
    sections=visit_sections,
    declaration="I confirm this write-up is fair and names no pupil.",
    policy=VisitPolicy(VISITS),
    steps=(Step("respond", "Respond to the write-up", "Host responded", "responded", "Host has responded", form=ResponseForm, capacity=RESPONDENT),),
    decided_by=(DECIDER,),
    review_form=ChecklistForm,
    review_form_title="Quality assurance",
    derive=time_in_lessons,
    queries=long_day,
    audit_reads=True,
)
