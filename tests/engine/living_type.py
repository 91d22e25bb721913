"""A return type that exists only in the tests and declares a living list (ReturnType.living): a
"support plan" whose accepted actions the school keeps up to date through the year. Its policy is
the self-evaluation's (the school's staff write it, officers decide); it touches no engine file."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextInput
from wtforms import FormField, RadioField, StringField
from wtforms.validators import DataRequired, Optional

from app.engine.forms import RowForm, RowList, SectionForm, long_text
from app.engine.registry import LivingList, ReturnType, Section

STATUSES = (("not_started", "Not started"), ("on_track", "On track"), ("at_risk", "At risk"), ("complete", "Complete"))


class ActionForm(RowForm):
    what = StringField("What will you do", widget=GovTextInput(), validators=[DataRequired(message="Enter what you will do")])
    status = RadioField("Status", widget=GovRadioInput(), choices=list(STATUSES), validators=[Optional()])
    target_on = StringField("Target date", widget=GovTextInput(), validators=[Optional()])
    progress = long_text("Progress", limit=2000)


class ActionPlanForm(SectionForm):
    actions = RowList(FormField(ActionForm, label="Action"), label="Action", min_entries=1, max_entries=20)


class ContextForm(SectionForm):
    context = long_text("Context", limit=2000)


def plan_sections(form_version: str, school, ret=None) -> list[Section]:
    return [Section("context", "Context", ContextForm, required=False), Section("action_plan", "Action plan", ActionPlanForm)]


RETURN_TYPE = ReturnType(
    key="support_plan",
    title="Support plan",
    summary="The school's plan of actions for the year, kept up to date as it goes.",
    form_version="plan-1",
    sections=plan_sections,
    audit_reads=True,
    living=LivingList(
        section="action_plan",
        field="actions",
        title_field="what",
        status_field="status",
        statuses=lambda form_version: STATUSES,
        complete="complete",
        target_field="target_on",
        review_after_days=91,
        note_field="progress",
    ),
)
