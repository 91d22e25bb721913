"""The officer's form that sets a school's support category."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import Field, HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

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


NAME_LIMIT, TEXT_LIMIT = 40, 1000


class CriteriaForm(FlaskForm):
    """An administrator's change to the published criteria: the words of each category and rule,
    which category each rule points to, and a rule's number of days. The fields are made per
    version by `criteria_form`, one set per category and per rule."""

    based_on = HiddenField()
    note = TextAreaField(
        "What has changed and why",
        description="Published with the new version, for schools and officers to read.",
        widget=GovTextArea(),
        filters=[strip],
        validators=[DataRequired(message="Enter what has changed and why"), Length(max=500, message="What has changed must be 500 characters or fewer")],
    )
    submit = SubmitField("Publish a new version", widget=GovSubmitInput())


def _text(label: str, limit: int, *, area: bool, required: str) -> Field:
    kind, widget = (TextAreaField, GovTextArea()) if area else (StringField, GovTextInput())
    return kind(label, widget=widget, filters=[strip],
                validators=[DataRequired(message=required), Length(max=limit, message=f"{label} must be {limit:,} characters or fewer")])


def criteria_form(criteria) -> CriteriaForm:
    """The change form for this version, filled with its words."""

    class Form(CriteriaForm):
        pass

    data: dict = {"based_on": str(criteria.number)}
    for n, category in enumerate(criteria.categories, start=1):
        prefix = f"category_{category.key}_"
        setattr(Form, prefix + "name", _text(f"Name of category {n}", NAME_LIMIT, area=False, required=f"Enter the name of category {n}"))
        setattr(Form, prefix + "description", _text(f"What category {n} means", TEXT_LIMIT, area=True, required=f"Enter what category {n} means"))
        setattr(Form, prefix + "criteria", _text(f"Criteria for category {n}", TEXT_LIMIT, area=True, required=f"Enter the criteria for category {n}"))
        data.update({prefix + "name": category.name, prefix + "description": category.description, prefix + "criteria": category.criteria})
    choices = [SelectChoice(category.key, category.name) for category in criteria.categories]
    for n, rule in enumerate(criteria.rules, start=1):
        prefix = f"rule_{rule.key}_"
        setattr(Form, prefix + "wording", _text(f"Wording of rule {n}", 300, area=False, required=f"Enter the wording of rule {n}"))
        setattr(Form, prefix + "category", RadioField(f"Rule {n} suggests", widget=GovRadioInput(), choices=choices,
                                                      validators=[InputRequired(message=f"Select the category rule {n} suggests")],
                                                      invalid_choice_message=f"Select the category rule {n} suggests from the list"))
        data.update({prefix + "wording": rule.wording, prefix + "category": rule.category})
        if "days" in rule.params:
            # Text checked by pattern, so "fourteen" gets the same clear message as 400.
            setattr(Form, prefix + "days", StringField(
                f"Days overdue for rule {n}", widget=GovTextInput(), filters=[strip],
                validators=[InputRequired(message=f"Enter the number of days for rule {n}"),
                            Regexp(r"^(36[0-5]|3[0-5][0-9]|[12]?[0-9]{1,2})$", message=f"Days for rule {n} must be a whole number from 0 to 365")]))
            data[prefix + "days"] = str(rule.params["days"])
    return Form(data=data)  # on a POST, what was posted wins
