"""The officer's form that sets a school's support category."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.forms.fields import GovDateField
from app.forms.users import strip

REASON_LIMIT = 2000


class SupportCategoryForm(FlaskForm):
    category = RadioField(
        "Support category",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select a support category")],
        invalid_choice_message="Select a support category from the list",
    )
    reason = TextAreaField(
        "Reason",
        description="The school reads this: the evidence you weighed and what the category means for it.",
        widget=GovTextArea(),
        filters=[strip],
        validators=[DataRequired(message="Enter the reason for this category"),
                    Length(max=REASON_LIMIT, message=f"Reason must be {REASON_LIMIT:,} characters or fewer")],
    )
    departure = TextAreaField(
        "Why it differs from the suggested category",
        description="Needed only when you choose other than the suggested category.",
        widget=GovTextArea(),
        filters=[strip],
        validators=[Optional(), Length(max=REASON_LIMIT, message=f"Why it differs must be {REASON_LIMIT:,} characters or fewer")],
    )
    review_on = GovDateField("Review date", description="When the council will look at this category again. For example, 27 3 2027",
                             validators=[InputRequired(message="Enter the review date")])
    submit = SubmitField("Set the support category", widget=GovSubmitInput())

    def offer(self, criteria) -> None:
        self.category.choices = [SelectChoice(category.key, category.name) for category in criteria.categories]
