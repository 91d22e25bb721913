"""Choosing a password from an invitation or reset link, and asking for a reset."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import Email, EqualTo, InputRequired, Length

from app.forms.users import strip

PASSWORD_HINT = (
    "Use 12 characters or more. You can use any characters, including spaces. "
    "A good way to make a strong password is to put three random words together."
)


class NewPasswordForm(FlaskForm):
    """The password policy itself (length, common passwords, the service's and their own names) is
    checked by the service with the person's email address; here only what needs no account."""

    password = PasswordField(
        "Create a password",
        description=PASSWORD_HINT,
        widget=GovPasswordInput(),
        # Not stripped: spaces at either end are part of the password.
        validators=[
            InputRequired(message="Enter a password"),
            Length(max=1024, message="Password must be 128 characters or fewer"),
        ],
    )
    confirm = PasswordField(
        "Confirm password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Enter your password again to confirm it"),
            EqualTo("password", message="The passwords do not match. Enter the same password twice"),
        ],
    )
    submit = SubmitField("Save password", widget=GovSubmitInput())


class ForgottenPasswordForm(FlaskForm):
    email = StringField(
        "Email address",
        description="The address you sign in with",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            InputRequired(message="Enter your email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(message="Enter an email address in the correct format, like name@example.org"),
        ],
    )
    submit = SubmitField("Send me a link", widget=GovSubmitInput())
