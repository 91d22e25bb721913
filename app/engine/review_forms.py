"""Officers' review forms: a comment per section of the return being reviewed, the internal note,
the reason for returning it, and handing it to a colleague."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import HiddenField, SelectField

from app.engine.forms import TEXT_LIMIT, AssignForm, long_text
from app.engine.registry import Section

SAVE, RETURN, ACCEPT = "save", "return", "accept"
DECISIONS = (SAVE, RETURN, ACCEPT)


def comment_field_name(key: str) -> str:
    return f"comment_{key}"


class ReviewForm(FlaskForm):
    """The fields every review has; review_form() adds one comment box per section."""

    reason = long_text(
        "Reason for returning it",
        hint="Needed to return it for changes. The school sees this with your comments.",
        rows=4,
    )
    note = long_text(
        "Internal note",
        hint="For officers only: the school never sees this.",
        rows=4,
    )

    sections: list[Section] = []

    def comment_fields(self):
        return [(section, self[comment_field_name(section.key)]) for section in self.sections]

    def comments(self) -> dict[str, str]:
        return {section.key: field.data or "" for section, field in self.comment_fields()}


def review_form(sections: list[Section], **kwargs) -> ReviewForm:
    """A review form for these sections: a class of its own, so each section's box is a real field
    with its own label, length limit and error."""
    fields = {
        comment_field_name(section.key): long_text(
            f"Comment on {section.title[0].lower() + section.title[1:]}",
            hint="The school sees this beside the section if you return it for changes.",
            limit=TEXT_LIMIT,
            rows=3,
        )
        for section in sections
    }
    form_class = type("SectionReviewForm", (ReviewForm,), {**fields, "sections": list(sections)})
    return form_class(**kwargs)


class AssignReturnForm(AssignForm):
    # Who the officer saw holding the return: if that has changed by the time they send, they are told.
    held_by = HiddenField()

    def held_by_id(self) -> int | None:
        try:
            return int(self.held_by.data) if self.held_by.data else None
        except ValueError:
            return -1  # matches nobody: treated as "someone else has it now"


def _submission_select(label: str) -> SelectField:
    return SelectField(label, widget=GovSelect(), coerce=str, validate_choice=True, invalid_choice_message="Select a submission from the list")


class _NoCsrf:
    csrf = False  # GET forms: they change nothing


# The URL reads ?from=1&to=2, and "from" is a Python keyword: the fields are set by name.
CompareForm = type(
    "CompareForm",
    (FlaskForm,),
    {"Meta": _NoCsrf, "from": _submission_select("Compare submission"), "to": _submission_select("with submission")},
)


class QueueFilterForm(FlaskForm):
    Meta = _NoCsrf

    return_type = SelectField("Return type", widget=GovSelect(), coerce=str, validate_choice=True, invalid_choice_message="Select a return type from the list")
