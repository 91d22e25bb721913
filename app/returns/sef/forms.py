"""The school self-evaluation's sections. Labels come from the framework version a return follows."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import cache

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovTextInput
from wtforms.fields.choices import SelectChoice
from wtforms import DecimalField, Form, FormField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.forms.fields import GovDateField, WholeNumberField
from app.engine.forms import RowList, SectionForm, long_text
from app.forms.users import strip
from app.models.types import utcnow
from app.formatting import LONDON
from app.returns.sef.framework import LA_PRIORITIES, MAX_PRIORITIES, MIN_PRIORITIES, Framework

NUMBER_INPUT = {"params": {"classes": "govuk-input--width-5", "attributes": {"inputmode": "numeric", "spellcheck": "false"}}}
PERCENT_INPUT = {
    "params": {
        "classes": "govuk-input--width-4",
        "attributes": {"inputmode": "decimal", "spellcheck": "false"},
        "suffix": {"text": "%"},
    }
}


class PercentageField(DecimalField):
    """A percentage from 0 to 100, to one decimal place at most."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, places=None, **kwargs)

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not str(valuelist[0]).strip():
            return
        text = str(valuelist[0]).strip().removesuffix("%").strip()
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{self.label.text} must be a number, like 23.5") from None
        if not value.is_finite():
            raise ValueError(f"{self.label.text} must be a number, like 23.5")
        if abs(value) <= 1000 and value != value.quantize(Decimal("0.1")):
            raise ValueError(f"{self.label.text} must have no more than one decimal place")
        self.data = value

    def _value(self):
        if self.raw_data is not None:
            return self.raw_data[0] if self.raw_data else ""
        return "" if self.data is None else format(self.data, "f")


def percentage(label: str) -> PercentageField:
    return PercentageField(
        label,
        validators=[
            InputRequired(message=f"Enter {label[0].lower() + label[1:]}"),
            NumberRange(min=0, max=100, message=f"{label} must be between 0 and 100"),
        ],
        render_kw=PERCENT_INPUT,
    )


INSPECTION_OUTCOMES = (
    ("report_card", "Report card under the renewed framework"),
    ("outstanding", "Outstanding"),
    ("good", "Good"),
    ("requires_improvement", "Requires improvement"),
    ("serious_weaknesses", "Serious weaknesses"),
    ("special_measures", "Special measures"),
    ("not_inspected", "Not yet inspected"),
)


class ContextForm(SectionForm):
    pupils_on_roll = WholeNumberField(
        "Pupils on roll",
        validators=[InputRequired(message="Enter the number of pupils on roll"), NumberRange(min=0, max=10000, message="Pupils on roll must be between 0 and 10,000")],
        render_kw=NUMBER_INPUT,
    )
    disadvantaged = percentage("Percentage of disadvantaged pupils (pupil premium)")
    send_support = percentage("Percentage of pupils with SEND support")
    ehc_plan = percentage("Percentage of pupils with an EHC plan")
    eal = percentage("Percentage of pupils with English as an additional language")
    last_inspection_outcome = SelectField(
        "Outcome of the last inspection",
        choices=[SelectChoice("", "Select an outcome"), *(SelectChoice(*item) for item in INSPECTION_OUTCOMES)],
        widget=GovSelect(),
        validators=[DataRequired(message="Select the outcome of the last inspection")],
        validate_choice=True,
        invalid_choice_message="Select the outcome of the last inspection from the list",
    )
    last_inspection_on = GovDateField(
        "Date of the last inspection",
        description="Leave blank if the school has not been inspected yet. For example, 14 3 2024",
        # No Optional(): it would stop validate_last_inspection_on, which decides when a blank date is allowed.
    )

    def validate_last_inspection_on(self, field):
        if field.data is None:
            if self.last_inspection_outcome.data not in (None, "", "not_inspected"):
                raise ValidationError("Enter the date of the last inspection")
            return
        if field.data > utcnow().astimezone(LONDON).date():
            raise ValidationError("The date of the last inspection must be today or in the past")
        if self.last_inspection_outcome.data == "not_inspected":
            raise ValidationError("Leave the date blank if the school has not been inspected yet")

    def validate_ehc_plan(self, field):
        if field.data is not None and self.send_support.data is not None and field.data + self.send_support.data > 100:
            raise ValidationError("Pupils with SEND support and with an EHC plan cannot add up to more than 100%")


@cache
def area_form(framework: Framework) -> type[SectionForm]:
    """One form class per framework version, so the grades offered are that version's own."""

    class AreaForm(SectionForm):
        # The school grades itself; an officer reads the school's grade.
        officer_labels = {"grade": "Self-evaluated grade"}

        grade = RadioField(
            "Your self-evaluated grade",
            choices=[SelectChoice(*grade) for grade in framework.grades],
            widget=GovRadioInput(),
            validators=[InputRequired(message="Select your self-evaluated grade")],
            invalid_choice_message="Select one of the grades",
        )
        strengths = long_text(
            "Key strengths and the evidence for them",
            hint="What the school does well and how you know: data, monitoring, external views.",
            required="Enter the key strengths and the evidence for them",
        )
        improvements = long_text(
            "What needs to improve",
            hint="Be specific: these become the school's improvement priorities.",
            required="Enter what needs to improve",
        )

    AreaForm.__name__ = f"AreaForm_{framework.version}"
    return AreaForm


@cache
def safeguarding_form(framework: Framework) -> type[SectionForm]:
    class SafeguardingForm(SectionForm):
        outcome = RadioField(
            "Are the school's safeguarding arrangements effective?",
            choices=[SelectChoice(*outcome) for outcome in framework.safeguarding],
            widget=GovRadioInput(),
            validators=[InputRequired(message="Select whether safeguarding is met or not met")],
            invalid_choice_message="Select met or not met",
        )
        statement = long_text(
            "Safeguarding statement",
            hint="A short statement on the culture of safeguarding and how you know it is effective. Do not name pupils.",
            required="Enter a short safeguarding statement",
            limit=1500,
            rows=4,
        )

    SafeguardingForm.__name__ = f"SafeguardingForm_{framework.version}"
    return SafeguardingForm


class PriorityForm(Form):
    title = StringField(
        "Priority",
        widget=GovTextInput(),
        filters=[strip],
        validators=[Optional(), Length(max=200, message="Priority must be 200 characters or fewer")],
    )
    la_priority = SelectField(
        "LA priority it supports",
        choices=[SelectChoice("", "Select an LA priority"), *(SelectChoice(*item) for item in LA_PRIORITIES)],
        widget=GovSelect(),
        filters=[lambda value: value or ""],
        validate_choice=True,
        invalid_choice_message="Select an LA priority from the list",
    )
    impact = long_text("Intended impact", hint="What will be different, for whom, by when.", limit=2000, rows=3)

    def is_blank(self) -> bool:
        return not (self.title.data or self.la_priority.data or self.impact.data)


class PrioritiesForm(SectionForm):
    # Rows are added and removed by the engine's "add another" and "remove" buttons; the cap on rows
    # read from a request is generous so that too many is an error message, not silently dropped.
    priorities = RowList(FormField(PriorityForm, label="Priority"), label="Priority", min_entries=MIN_PRIORITIES, max_entries=MAX_PRIORITIES * 3)
    max_rows = {"priorities": MAX_PRIORITIES}

    def validate_priorities(self, field):
        filled = [entry for entry in field.entries if not entry.form.is_blank()]
        problem = False
        for entry in filled:
            # A started priority must be finished: each part is needed.
            if not entry.form.title.data:
                entry.form.title.errors = [*entry.form.title.errors, "Enter the priority"]
                problem = True
            if not entry.form.la_priority.data:
                entry.form.la_priority.errors = [*entry.form.la_priority.errors, "Select the LA priority it supports"]
                problem = True
            if not entry.form.impact.data:
                entry.form.impact.errors = [*entry.form.impact.errors, "Enter the intended impact"]
                problem = True
        if len(filled) < MIN_PRIORITIES:
            raise ValidationError(f"Enter at least {MIN_PRIORITIES} improvement priorities")
        if len(filled) > MAX_PRIORITIES:
            raise ValidationError(f"Enter no more than {MAX_PRIORITIES} improvement priorities")
        if problem:
            raise ValidationError("Finish each priority you have started, or remove it")
