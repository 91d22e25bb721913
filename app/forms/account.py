"""A signed-in person's own account: their password, two-step verification and what mail they get."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from app.services.passwords import MAX_LENGTH

ENTER_CODE = "Enter the 6-digit code from your authenticator app"
CODE_FORMAT = "The code must be 6 digits"
WRONG_CODE = "The code is wrong or has expired. Enter the code your app shows now"
WRONG_PASSWORD = "Your password is wrong"
# Longer than any password we accept; a bigger body is refused before it costs a hash.
LONGEST_PASSWORD_TYPED = 1024


def strip(value):
    return value.strip() if isinstance(value, str) else value


def current_password_field(label: str = "Your current password", description: str | None = None) -> PasswordField:
    return PasswordField(
        label,
        description=description,
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Enter your current password"),
            Length(max=LONGEST_PASSWORD_TYPED, message="Password must be 1,024 characters or fewer"),
        ],
    )


class ChangePasswordForm(FlaskForm):
    current_password = current_password_field("Current password")
    new_password = PasswordField(
        "New password",
        description=(
            f"Use 12 characters or more. Three or more random words make a password that is easy to "
            f"remember and hard to guess. Spaces and any characters are allowed, up to {MAX_LENGTH}."
        ),
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Enter a new password"),
            Length(max=MAX_LENGTH, message=f"Password must be {MAX_LENGTH} characters or fewer"),
        ],
    )
    confirm_password = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Confirm your new password"),
            Length(max=LONGEST_PASSWORD_TYPED, message="Password must be 1,024 characters or fewer"),
        ],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())


def normalise_code(code: str | None) -> str:
    """What people type: "123 456" or "123-456" are the code 123456."""
    return "".join((code or "").split()).replace("-", "")


class EnrolmentForm(FlaskForm):
    """The code that proves the app holds the secret; the password too when enrolling by choice."""

    code = StringField(
        "Code from your authenticator app",
        description="For example, 123456",
        widget=GovTextInput(),
        filters=[strip],
        # DataRequired, not InputRequired: only spaces is no code at all.
        validators=[DataRequired(message=ENTER_CODE), Length(max=20, message=CODE_FORMAT)],
    )
    password = current_password_field(description="We ask for it to make sure it is you")
    submit = SubmitField("Turn on two-step verification", widget=GovSubmitInput())

    def validate_code(self, field):
        code = normalise_code(field.data)
        if not (code.isdigit() and len(code) == 6):
            raise ValidationError(CODE_FORMAT)


class EnrolmentWithoutPasswordForm(EnrolmentForm):
    """Just signed in with the password and sent here to enrol: it is not asked for again."""

    password = None


class RecoveryCodesForm(FlaskForm):
    password = current_password_field(description="Your current recovery codes will stop working")
    submit = SubmitField("Get new recovery codes", widget=GovSubmitInput())


class TurnOffForm(FlaskForm):
    password = current_password_field()
    submit = SubmitField("Turn off two-step verification", widget=GovSubmitInput())


CHOOSE_SUBMISSION_NOTICES = "Select yes if you want an email when a school submits a return"


class SubmissionNoticesForm(FlaskForm):
    """An officer's choice to be mailed about submissions. Not a sign-in detail, so no password:
    the session and the CSRF token are proof enough, and the worst a stolen session does here is
    change which mail the owner gets (and the change is in the audit trail)."""

    submission_notices = RadioField(
        "Email me when a school submits a return",
        description=(
            "While a return is not assigned to anyone, every officer who says yes is emailed when a school "
            "submits it. You are always emailed when a school resubmits a return assigned to you."
        ),
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        invalid_choice_message=CHOOSE_SUBMISSION_NOTICES,
        widget=GovRadioInput(),
        validators=[InputRequired(message=CHOOSE_SUBMISSION_NOTICES)],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())
