"""The schools register: importing GIAS files, filtering the list, the council's own fields."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import Form, RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, Length, Optional, Regexp

from app.forms.users import strip
from app.models.schools import PHASES, URN_PATTERN


class GiasUploadForm(FlaskForm):
    establishments = FileField(
        "GIAS establishment extract",
        description="The CSV file from Get Information about Schools, named like edubasealldata20261101.csv. "
        "It can be the whole of England: only your council's schools are read.",
        widget=GovFileInput(),
        validators=[FileRequired(message="Select a GIAS establishment extract")],
    )
    la_code = StringField(
        "Local authority code",
        description="The 3-digit DfE code of the schools to import",
        widget=GovTextInput(),
        filters=[strip],
        validators=[Regexp(r"^\d{3}$", message="Enter the local authority code as 3 digits, like 883")],
    )
    submit = SubmitField("Import schools", widget=GovSubmitInput())


class LinksUploadForm(FlaskForm):
    links = FileField(
        "GIAS links file",
        description="The CSV file named like links_edubasealldata20261101.csv. Successor links between schools "
        "on the register are recorded, and the successor inherits the old school's accounts.",
        widget=GovFileInput(),
        validators=[FileRequired(message="Select a GIAS links file")],
    )
    submit = SubmitField("Import links", widget=GovSubmitInput())


STATUS_FILTERS = [SelectChoice("open", "Open"), SelectChoice("closed", "Closed"), SelectChoice("all", "Open and closed")]


class SchoolFilterForm(Form):
    """A GET form: it changes nothing, so it needs no CSRF token, and its values stay in the URL."""

    q = StringField(
        "Name or URN",
        widget=GovTextInput(),
        filters=[strip],
        validators=[Optional(), Length(max=200, message="Name or URN must be 200 characters or fewer")],
    )
    phase = SelectField(
        "Phase",
        choices=[SelectChoice("", "Any phase")] + [SelectChoice(phase, phase) for phase in PHASES],
        widget=GovSelect(),
        validators=[Optional()],
        invalid_choice_message="Select a phase from the list",
    )
    trust = StringField(
        "Trust",
        widget=GovTextInput(),
        filters=[strip],
        validators=[Optional(), Length(max=200, message="Trust must be 200 characters or fewer")],
    )
    status = SelectField(
        "Status",
        choices=STATUS_FILTERS,
        default="open",
        widget=GovSelect(),
        invalid_choice_message="Select open, closed, or open and closed",
    )


YES_NO_GIAS = [
    SelectChoice("gias", "As GIAS says"),
    SelectChoice("yes", "Yes"),
    SelectChoice("no", "No"),
]


class SchoolDetailsForm(FlaskForm):
    """The fields GIAS does not own. Everything else comes from the next import."""

    has_early_years = RadioField(
        "Does the school have early years (nursery or reception)?",
        choices=YES_NO_GIAS,
        widget=GovRadioInput(),
        invalid_choice_message="Select whether the school has early years",
    )
    has_sixth_form = RadioField(
        "Does the school have a sixth form?",
        choices=YES_NO_GIAS,
        widget=GovRadioInput(),
        invalid_choice_message="Select whether the school has a sixth form",
    )
    contact_email = StringField(
        "Contact email address (optional)",
        description="Where the School Improvement Team writes to the school",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=254, message="Contact email address must be 254 characters or fewer"),
            Email(message="Enter an email address in the correct format, like office@school.example.org"),
        ],
    )
    submit = SubmitField("Save details", widget=GovSubmitInput())


class SuccessorForm(FlaskForm):
    successor_urn = StringField(
        "URN of the school that replaced it",
        description="6 or 7 digits, from GIAS",
        widget=GovTextInput(),
        filters=[strip],
        validators=[Regexp(URN_PATTERN, message="Enter a URN of 6 or 7 digits")],
    )
    submit = SubmitField("Link successor", widget=GovSubmitInput())
