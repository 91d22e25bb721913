"""Administrators setting up collection windows."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.forms.fields import GovDateField
from app.forms.users import strip
from app.engine.scope import ASKABLE_PHASES
from app.models.windows import PERIODS


def academic_years(today) -> list[str]:
    """Last year, this year and next, as "2026/27"; an academic year starts on 1 September."""
    start = today.year if today.month >= 9 else today.year - 1
    return [f"{year}/{str(year + 1)[-2:]}" for year in (start - 1, start, start + 1)]


def _return_type_field() -> RadioField:
    # Choices are the registered types, set per request (app/windows/routes.py).
    return RadioField(
        "Which return does this window collect?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the return this window collects")],
        invalid_choice_message="Select the return this window collects",
    )


class WindowTypeForm(FlaskForm):
    """The first question of a new window, asked on its own: the return decides the rest of the form
    (careers asks by age, so it has no phases to choose). A GET form: it changes nothing."""

    class Meta:
        csrf = False

    return_type = _return_type_field()


class WindowForm(FlaskForm):
    """The window itself, for a return already chosen. The routes remove the phase fields when the
    return's rule does not ask by phase (`Scope.uses_phases`), so what is posted for them is ignored."""

    return_type = _return_type_field()
    academic_year = SelectField(
        "Academic year", widget=GovSelect(), invalid_choice_message="Select an academic year from the list"
    )
    period = RadioField(
        "Period",
        choices=[SelectChoice(period, period.capitalize() if period != "annual" else "The whole year") for period in PERIODS],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the period")],
        invalid_choice_message="Select the period",
    )
    title = StringField(
        "Title",
        description="What schools see, for example ‘Self-evaluation, autumn 2026’",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired(message="Enter a title"), Length(max=120, message="Title must be 120 characters or fewer")],
    )
    opens_on = GovDateField("Opening date", description="For example, 1 9 2026", validators=[InputRequired(message="Enter the opening date")])
    due_on = GovDateField(
        "Due date",
        description="Returns are due by 23:59 on this day, UK time. For example, 16 10 2026",
        validators=[InputRequired(message="Enter the due date")],
    )
    phases = SelectMultipleField(
        "Which phases are asked?",
        choices=[SelectChoice(phase, phase) for phase in ASKABLE_PHASES],
        widget=GovCheckboxesInput(),
        validators=[InputRequired(message="Select at least one phase of school")],
        invalid_choice_message="Select phases from the list",
    )
    include_special = BooleanField("Also ask special schools", widget=GovCheckboxInput())
    include_alternative_provision = BooleanField("Also ask alternative provision", widget=GovCheckboxInput())
    submit = SubmitField("Save window", widget=GovSubmitInput())


class WindowExceptionForm(FlaskForm):
    school_id = SelectField("School", widget=GovSelect(), invalid_choice_message="Select a school from the list")
    due_on = GovDateField("New due date for this school", description="Leave empty if you are closing the window for it")
    close = BooleanField("Close the window for this school now", widget=GovCheckboxInput())
    reason = TextAreaField(
        "Reason",
        description="Kept with the window, for example the reason the school asked for more time",
        widget=GovTextArea(),
        filters=[strip],
        validators=[Optional(), Length(max=500, message="Reason must be 500 characters or fewer")],
    )
    submit = SubmitField("Save for this school", widget=GovSubmitInput())
