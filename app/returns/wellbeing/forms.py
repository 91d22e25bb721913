"""The mental-health action plan's sections. Choices come from the version a plan follows; every
choice field refuses a value outside its list, and every free-text field says no pupil may be
identifiable."""

from __future__ import annotations

from functools import cache

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovTextInput
from wtforms import Form, FormField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.engine.forms import RowList, SectionForm, long_text
from app.forms.fields import GovDateField
from app.forms.users import strip
from app.formatting import LONDON
from app.models.types import utcnow
from app.returns.wellbeing.framework import MAX_ACTIONS, MIN_ACTIONS, NO_PUPIL, Version

YES_NO = (("yes", "Yes"), ("no", "No"))


def short_text(label: str, *, hint: str = "", required: str | None = None, limit: int = 200, optional: bool = True) -> StringField:
    # optional=False where a validate_<field> decides when a blank is allowed (Optional() would stop it).
    validators = [DataRequired(message=required)] if required else [Optional()] if optional else []
    validators.append(Length(max=limit, message=f"{label} must be {limit:,} characters or fewer"))
    return StringField(label, description=f"{hint} {NO_PUPIL}".strip(), widget=GovTextInput(), filters=[strip], validators=validators)


def yes_no(label: str, required: str) -> RadioField:
    return RadioField(
        label,
        choices=[SelectChoice(*item) for item in YES_NO],
        widget=GovRadioInput(),
        validators=[InputRequired(message=required)],
        validate_choice=True,
        invalid_choice_message="Select yes or no",
    )


def choice(label: str, items, *, placeholder: str, invalid: str) -> SelectField:
    return SelectField(
        label,
        choices=[SelectChoice("", placeholder), *(SelectChoice(*item) for item in items)],
        widget=GovSelect(),
        filters=[lambda value: value or ""],
        validate_choice=True,
        invalid_choice_message=invalid,
    )


def text(label: str, *, hint: str = "", required: str | None = None, limit: int = 2000, rows: int = 4):
    return long_text(label, hint=f"{hint} {NO_PUPIL}".strip(), required=required, limit=limit, rows=rows)


class LeadForm(SectionForm):
    officer_labels = {"name": "Senior mental health lead", "trained": "Completed DfE quality-assured training"}

    name = short_text("Name of your senior mental health lead", required="Enter the name of the senior mental health lead")
    role = short_text("Their role in the school", hint="For example, deputy headteacher.", required="Enter the lead's role in the school")
    on_slt = yes_no("Do they sit on the senior leadership team?", "Select whether the lead sits on the senior leadership team")
    trained = yes_no(
        "Have they completed DfE quality-assured senior mental health lead training?",
        "Select whether the lead has completed the training",
    )
    provider = short_text("Training provider", hint="Only if they have completed the training.", optional=False)
    # No Optional(): it would stop validate_trained_on, which decides when a blank date is allowed.
    trained_on = GovDateField("When they completed the training", description="Only if they have completed the training. For example, 14 3 2025")

    def validate_provider(self, field):
        if not field.data and self.trained.data == "yes":
            raise ValidationError("Enter the training provider")

    def validate_trained_on(self, field):
        if field.data is None:
            if self.trained.data == "yes":
                raise ValidationError("Enter when the lead completed the training")
            return
        if field.data > utcnow().astimezone(LONDON).date():
            raise ValidationError("When they completed the training must be today or in the past")


@cache
def principles_form(version: Version) -> type[SectionForm]:
    """One rating and its evidence per principle, in this version's words."""
    fields: dict = {"officer_labels": {}}
    short = dict(version.short_names)
    for key, words in version.principles:
        fields[key] = RadioField(
            words,
            choices=[SelectChoice(*item) for item in version.ratings],
            widget=GovRadioInput(),
            validators=[InputRequired(message=f"Select a rating for {words[0].lower() + words[1:]}")],
            validate_choice=True,
            invalid_choice_message="Select one of the ratings",
        )
        fields[f"{key}_evidence"] = text(
            f"Evidence for {short[key][0].lower() + short[key][1:]}",
            hint="What the school does and how you know.",
            required=f"Enter the evidence for your rating of {words[0].lower() + words[1:]}",
        )
        fields["officer_labels"][key] = f"Self-rating: {words}"
    form = type(f"PrinciplesForm_{version.version}", (SectionForm,), fields)
    return form


class SurveyForm(SectionForm):
    officer_labels = {
        "took_part": "Took part in the LA pupil wellbeing survey",
        "mhst": "Served by a Mental Health Support Team",
    }

    took_part = yes_no(
        "Did the school take part in the council's annual pupil wellbeing survey?",
        "Select whether the school took part in the pupil wellbeing survey",
    )
    mhst = yes_no("Is the school served by a Mental Health Support Team?", "Select whether the school is served by a Mental Health Support Team")


@cache
def action_forms(version: Version) -> tuple[type[Form], type[SectionForm]]:
    class ActionForm(Form):
        principle = choice("Principle it serves", version.short_names, placeholder="Select a principle", invalid="Select a principle from the list")
        what = text("What will be done", limit=2000)
        outcome = text("Intended outcome", limit=2000, rows=3)
        success_criteria = text("How success will be measured", limit=2000, rows=3)
        lead_role = short_text("Who leads it", hint="A role, such as SENCo or head of year: never a pupil.")
        start_on = GovDateField("Start date", description="For example, 8 9 2026")
        target_on = GovDateField("Target date", description="For example, 31 3 2027")
        thrive_need = choice("THRIVE need it meets", version.thrive_needs, placeholder="Select a THRIVE need", invalid="Select a THRIVE need from the list")
        focus = choice("Focus", version.focuses, placeholder="Select a focus", invalid="Select a focus from the list")
        status = choice("Status", version.statuses, placeholder="Select a status", invalid="Select a status from the list")
        # Optional: where the action has got to. Once the plan is accepted the school keeps it up to
        # date on the living plan, and next year's plan starts from the latest note.
        progress = text("Progress so far (optional)", hint="Where the action has got to.", limit=2000, rows=3)

        def validate_target_on(self, field):
            if field.data is not None and self.start_on.data is not None and field.data < self.start_on.data:
                raise ValidationError("Target date must be the same as or after the start date")

        def is_blank(self) -> bool:
            return not any(getattr(self, name).data for name in (*REQUIRED, "progress"))

    REQUIRED = {
        "principle": "Select the principle it serves",
        "what": "Enter what will be done",
        "outcome": "Enter the intended outcome",
        "success_criteria": "Enter how success will be measured",
        "lead_role": "Enter the role of who leads it",
        "start_on": "Enter the start date",
        "target_on": "Enter the target date",
        "thrive_need": "Select the THRIVE need it meets",
        "focus": "Select the focus",
        "status": "Select the status",
    }

    class ActionPlanForm(SectionForm):
        # Generous cap on rows read from a request, so that too many is a message, not silently dropped.
        actions = RowList(FormField(ActionForm, label="Action"), label="Action", min_entries=MIN_ACTIONS, max_entries=MAX_ACTIONS * 3)
        max_rows = {"actions": MAX_ACTIONS}

        def validate_actions(self, field):
            filled = [entry for entry in field.entries if not entry.form.is_blank()]
            problem = False
            for entry in filled:
                for name, message in REQUIRED.items():
                    sub = getattr(entry.form, name)
                    if not sub.data and not sub.errors:
                        sub.errors = [*sub.errors, message]
                        problem = True
            if len(filled) < MIN_ACTIONS:
                raise ValidationError(f"Enter at least {MIN_ACTIONS} action")
            if len(filled) > MAX_ACTIONS:
                raise ValidationError(f"Enter no more than {MAX_ACTIONS} actions")
            if problem:
                raise ValidationError("Finish each action you have started, or remove it")

    ActionForm.__name__ = f"ActionForm_{version.version}"
    ActionPlanForm.__name__ = f"ActionPlanForm_{version.version}"
    return ActionForm, ActionPlanForm
