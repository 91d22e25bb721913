"""Administrators managing accounts."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms.fields.choices import SelectChoice
from wtforms import RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, InputRequired, Length, ValidationError

from app.models.users import ROLE_LABELS, Role

ROLE_CHOICES = [SelectChoice(role.value, ROLE_LABELS[role]) for role in Role]


def strip(value):
    return value.strip() if isinstance(value, str) else value


class SchoolChoiceField(SelectField):
    """A school picked from a list; an empty choice or an unknown id is an error, never a 500."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", str)
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)

    def pre_validate(self, form):
        if self.data and self.data not in {choice.value for choice in self.choices}:
            raise ValidationError("Select a school from the list")

    @property
    def school_id(self) -> int | None:
        return int(self.data) if self.data and str(self.data).isdigit() else None


# Made before the role fields so that WTForms, which orders fields by when they were made, puts
# them first on the page and in the error summary, as the page shows them.
NAME_FIELD = StringField(
    "Full name",
    widget=GovTextInput(),
    filters=[strip],
    validators=[
        DataRequired(message="Enter the person's full name"),
        Length(max=120, message="Full name must be 120 characters or fewer"),
    ],
)
EMAIL_FIELD = StringField(
    "Email address",
    description="They sign in with this address",
    widget=GovTextInput(),
    filters=[strip],
    validators=[
        DataRequired(message="Enter an email address"),
        Length(max=254, message="Email address must be 254 characters or fewer"),
        Email(message="Enter an email address in the correct format, like name@example.org"),
    ],
)


class _RoleFields(FlaskForm):
    role = RadioField(
        "Role",
        choices=ROLE_CHOICES,
        invalid_choice_message="Select a role from the list",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select a role")],
    )
    school_id = SchoolChoiceField(
        "School",
        description="Only for school staff",
        widget=GovSelect(),
    )

    def set_school_choices(self, schools) -> None:
        self.school_id.choices = [SelectChoice("", "Select a school")] + [
            SelectChoice(str(s.id), f"{s.name} ({s.urn})") for s in schools
        ]

    def validate_school_id(self, field):
        if self.role.data == Role.SCHOOL and not field.data:
            raise ValidationError("Select the school this person works at")


class NewUserForm(_RoleFields):
    """An invitation: the person chooses their own password from the link we mail them."""

    name = NAME_FIELD
    email = EMAIL_FIELD
    submit = SubmitField("Create account and send invitation", widget=GovSubmitInput())


class InviteManyForm(FlaskForm):
    people = FileField(
        "CSV file of people to invite",
        description="Columns name, email, role and school_urn, with those names in the first row. "
        "Up to 500 people. Save it from your spreadsheet as ‘CSV UTF-8’.",
        widget=GovFileInput(),
        validators=[FileRequired(message="Select a CSV file of people to invite")],
    )
    submit = SubmitField("Check the file and send invitations", widget=GovSubmitInput())


class ChangeRoleForm(_RoleFields):
    submit = SubmitField("Save role", widget=GovSubmitInput())
