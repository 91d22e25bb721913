"""Forms the return engine shares: the base every section form builds on, and the lifecycle's own forms
(starting, declaring and submitting, reviewing, taking, returning for changes, reopening)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache

from flask import current_app
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, Signer
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovCheckboxInput, GovRadioInput, GovSelect
from wtforms import BooleanField, DateField, DecimalField, Field, IntegerField, FieldList, Form, FormField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.engine.display import OFFICER, ROW_ID, AnswerRow, current_audience, is_row_id, new_row_id, with_row_ids
from app.engine.merge import Draft, Fingerprint, flatten
from app.engine.text import normalise_text
from app.forms.users import strip
from app.formatting import govuk_date

TEXT_LIMIT = 5000  # every long answer: enough for evidence, short enough to read
# Longer than this, a value is not kept even in a draft (a paste gone wrong, or an attack): the
# person is told, and the rest of the section is saved.
HARD_LIMIT = 50_000
SKIPPED = {"csrf_token", "version", "loaded"}


def long_text(label: str, *, hint: str = "", required: str | None = None, limit: int = TEXT_LIMIT, rows: int = 6) -> TextAreaField:
    """A long answer with the GOV.UK character count, limited on the server as well as in the browser."""
    validators = [DataRequired(message=required)] if required else [Optional()]
    validators.append(Length(max=limit, message=f"{label} must be {limit:,} characters or fewer"))
    return TextAreaField(
        label,
        description=hint,
        filters=[strip],
        widget=GovCharacterCount(),
        validators=validators,
        render_kw={"params": {"maxlength": limit}, "rows": rows},
    )


class SectionForm(FlaskForm):
    """One section of a return. Its answers are plain JSON; the engine saves, versions, freezes,
    displays and compares them without knowing which return type the section belongs to."""

    version = HiddenField()
    # What the page showed when it was loaded, answer by answer (app/engine/merge.py), so that a
    # save after someone else's merges with theirs instead of replacing it.
    loaded = HiddenField()
    # Officers' words for a question whose label speaks to the school ("Your self-evaluated grade"
    # reads "Self-evaluated grade" to an officer), by field name. A row form of a list (a plain
    # Form) may declare its own. Only where the school's wording does not fit an officer.
    officer_labels: dict[str, str] = {}

    @classmethod
    def load(cls, answers: dict | None, version: int = 0, invalid: dict | None = None, **kwargs) -> SectionForm:
        """The form showing saved answers (no request data), with what was typed but is not valid
        yet in its fields, each with its message."""
        answers = with_row_ids(answers or {})
        form = cls(formdata=None, data=_to_field_data(cls, answers), **kwargs)
        form.version.data = str(version)
        if invalid:
            for path, field in _leaves(form):
                typed = invalid.get(path)
                if isinstance(typed, dict):
                    _show_typed(field, typed)
        form.loaded.data = Fingerprint.of(flatten(answers, invalid)).dumps()
        return form

    def draft(self) -> Draft:
        """Everything typed, as a draft keeps it: the valid answers; each invalid value (wrong, not
        missing) by its path with its message, apart; and the values too long to keep at all.

        Call after validate()."""
        _normalise_fields(self)
        invalid: dict[str, dict] = {}
        refused: dict[str, str] = {}
        for path, field in _leaves(self):
            raw = [str(part) for part in (field.raw_data or [])]
            longest = max((len(part) for part in raw), default=0)
            if longest > HARD_LIMIT:
                refused[path] = (
                    f"{field.label.text} was not saved: it is {longest:,} characters long, and the most that can be saved is "
                    f"{HARD_LIMIT:,}. Copy it somewhere safe, then shorten it"
                )
            elif field.errors and _has_value(field):
                value = [field.data] if isinstance(field.data, str) else raw[:3]
                invalid[path] = {"value": value, "message": str(field.errors[0])}
        answers = _answers_of(self, keep=set(invalid) | set(refused))
        return Draft(answers, invalid, refused)

    def fingerprint(self, *, changed: set[str] = frozenset()) -> str:
        """What this page shows now (after a save, the page is the new starting point)."""
        draft = self.draft()
        return Fingerprint.of(flatten(draft.answers, draft.invalid), changed=set(changed) | set(draft.refused)).dumps()

    def path_fields(self) -> dict[str, Field]:
        """Each answer's field by its path (app/engine/merge.py)."""
        return dict(_leaves(self))

    def validate(self, extra_validators=None) -> bool:
        """Every text in its one form (app/engine/text.py) before any check, so a length limit
        counts the text as it will be stored (a line break is one character, whichever way the
        browser sent it) and every path (full save, autosave, steps) validates the same text."""
        _normalise_fields(self)
        return super().validate(extra_validators)

    def answers(self) -> dict:
        """What to store: every answer field's data as JSON-safe values, every text normalised
        (app/engine/text.py), whether or not the form was validated first."""
        _normalise_fields(self)
        return _answers_of(self)

    def loaded_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None

    def draft_errors(self) -> dict[str, list[str]]:
        """The errors that stop a draft being saved: a value that is wrong, not one that is missing.

        Call after validate(). A section may be saved half-done, but never with a value that is too
        long or not one of the field's choices."""
        return {name: errors for name, errors in _errors_with_values(self).items()}

    @classmethod
    def rows(cls, answers: dict | None, audience: str | None = None, **kwargs) -> list[AnswerRow]:
        """The section's answers as label/value rows, in the form's own words for this audience
        (app/engine/display.py; None: the signed-in reader's), for check your answers, the
        officer's view of a snapshot, print and compare."""
        form = cls.load(answers, meta={"csrf": False}, **kwargs)
        return list(_rows_of(form, prefix="", officer=(audience or current_audience()) == OFFICER))


# Row ids (what they are, and how snapshots are read: app/engine/display.py). The server gives a
# row its id (a fresh row, or one posted with no id or a bad one); the page carries it in a hidden
# field, signed, so an id the server did not give is never stored as sent.

_LONGEST_SIGNED = 100  # an id and its signature; anything longer is not one of ours


def _signer() -> Signer:
    return Signer(current_app.secret_key, salt="golden-thread.row-id")


class RowIdField(HiddenField):
    """A row's id. The page carries it signed; what comes back is taken only if the signature is
    ours and the id well formed. Anything else (missing, made up, hostile text) leaves the row
    without one, and its list gives it a fresh id, as it does a second row sent with the same id."""

    def process_data(self, value):
        self.data = value if is_row_id(value) else None

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist:
            return
        value = valuelist[0]
        if not isinstance(value, str) or len(value) > _LONGEST_SIGNED:
            return
        try:
            row_id = _signer().unsign(value).decode("ascii")
        except (BadSignature, UnicodeError):
            return
        if is_row_id(row_id):
            self.data = row_id

    def _value(self):
        return _signer().sign(self.data).decode("ascii") if self.data else ""


class RowForm(Form):
    """The base of every row of a list answer: a hidden id the engine keeps. A RowList gives any
    row form this base itself, so a return type writes nothing for it."""

    id = RowIdField()


@cache
def _row_form(form_class: type[Form]) -> type[Form]:
    if issubclass(form_class, RowForm):
        return form_class
    if ROW_ID in dir(form_class):
        raise TypeError(f"{form_class.__name__}: a row of a list may not have a field called {ROW_ID!r}: the engine keeps the row's id there")
    return type(form_class.__name__, (RowForm, form_class), {"__doc__": form_class.__doc__})


def _with_row_form(unbound):
    """FormField(SomeForm, ...) as FormField(SomeForm with the row id, ...); any other field as it is."""
    if unbound is None or not issubclass(getattr(unbound, "field_class", object), FormField):
        return unbound
    args, kwargs = list(unbound.args), dict(unbound.kwargs)
    if args:
        args[0] = _row_form(args[0])
    else:
        kwargs["form_class"] = _row_form(kwargs["form_class"])
    return unbound.field_class(*args, **kwargs)


class RowList(FieldList):
    """A list of rows ("add another"). Every row of FormFields has an id (see RowForm), unique in
    the list: a row without one, or with one an earlier row has, gets a fresh one.

    Its row numbers in the request are ASCII digits only. WTForms takes any key whose index passes
    str.isdigit(): "priorities-²-title" then fails in int() (a 500), and "priorities-٣-title"
    quietly becomes row 3. Such keys are not rows: they are ignored, like any other field the form
    does not have. Every list in a section form is a RowList."""

    def __new__(cls, unbound_field=None, *args, **kwargs):
        # The class attribute itself names the row form with its id, so that loading stored answers
        # (which reads the class, not a bound form) keeps the ids too.
        return super().__new__(cls, _with_row_form(unbound_field), *args, **kwargs)

    def __init__(self, unbound_field, *args, **kwargs):
        super().__init__(_with_row_form(unbound_field), *args, **kwargs)

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters=extra_filters)
        seen = set()
        for entry in self.entries:
            field = getattr(entry, "form", None) and entry.form._fields.get(ROW_ID)
            if not isinstance(field, RowIdField):
                continue
            if not field.data or field.data in seen:
                field.data = new_row_id()
            seen.add(field.data)

    def _extract_indices(self, prefix, formdata):
        offset = len(prefix) + 1
        for key in formdata:
            if key.startswith(prefix + self._field_separator):
                index = key[offset:].split(self._field_separator, 1)[0]
                # Few enough digits that int() is cheap and no list could be that long.
                if index.isascii() and index.isdigit() and len(index) <= 4:
                    yield int(index)


def _normalise_fields(form) -> None:
    """Every text a person typed (text and textarea fields, in rows too) in its one form. A choice
    is not typed: one sent as "good " stays wrong and is refused, never quietly made right."""
    for field in _answer_fields(form):
        if isinstance(field, FieldList):
            for entry in field.entries:
                if isinstance(entry, FormField):
                    _normalise_fields(entry.form)
                elif _typed(entry):
                    entry.data = normalise_text(entry.data)
        elif isinstance(field, FormField):
            _normalise_fields(field.form)
        elif _typed(field):
            field.data = normalise_text(field.data)


def _typed(field: Field) -> bool:
    return isinstance(field, StringField) and not isinstance(field, HiddenField) and isinstance(field.data, str)


def _answer_fields(form) -> list[Field]:
    return [field for name, field in form._fields.items() if name not in SKIPPED and field.type not in ("SubmitField",)]


def _json_value(field: Field):
    if isinstance(field, FieldList):
        # Rows left wholly blank are not answers (the form shows its minimum number of rows anyway).
        return [value for value in (_json_value(entry) for entry in field.entries) if not _blank(value)]
    if isinstance(field, FormField):
        return _answers_of(field.form)
    data = field.data
    if isinstance(data, date):
        return data.isoformat()
    if isinstance(data, Decimal):
        return str(data)
    if isinstance(data, str):
        return data
    return data


def entry_answers(entry: Field):
    """One row of a list of fields, as stored (blank or not: removing a row counts every row)."""
    return _json_value(entry)


def _blank(value) -> bool:
    if isinstance(value, dict):
        # A row's id is the engine's, not an answer: a row with nothing else is blank.
        return all(_blank(item) for key, item in value.items() if key != ROW_ID)
    if isinstance(value, list):
        return all(_blank(item) for item in value)
    return value in (None, "")


def _answers_of(form, keep: set[str] = frozenset(), prefix: str = "") -> dict:
    """The answers; a row that is blank but has a path in `keep` (a value typed there that is not
    valid, or too long) stays, so its typed value has a row to go back into."""
    answers = {}
    for field in _answer_fields(form):
        path = f"{prefix}{field.short_name}"
        if isinstance(field, FieldList) and keep and any(item.startswith(path + ".") for item in keep):
            rows = []
            for entry in field.entries:
                if isinstance(entry, FormField):
                    row_path = f"{path}.{_row_id(entry)}."
                    value = _answers_of(entry.form, keep, row_path)
                    if not _blank(value) or any(item.startswith(row_path) for item in keep):
                        rows.append(value)
                else:
                    value = _json_value(entry)
                    if not _blank(value):
                        rows.append(value)
            answers[field.short_name] = rows
        elif isinstance(field, FormField) and keep:
            answers[field.short_name] = _answers_of(field.form, keep, path + ".")
        else:
            answers[field.short_name] = _json_value(field)
    return answers


def _row_id(entry: FormField) -> str:
    own = entry.form._fields.get(ROW_ID)
    return own.data if isinstance(own, RowIdField) and own.data else ""


def _leaves(form, prefix: str = ""):
    """(path, field) for every answer field, in rows too; paths as in app/engine/merge.py. A list of
    plain values is one answer."""
    for field in _answer_fields(form):
        if isinstance(field, RowIdField):
            continue
        path = f"{prefix}{field.short_name}"
        if isinstance(field, FieldList) and any(isinstance(entry, FormField) for entry in field.entries):
            for entry in field.entries:
                if isinstance(entry, FormField):
                    yield from _leaves(entry.form, f"{path}.{_row_id(entry)}.")
        elif isinstance(field, FormField):
            yield from _leaves(field.form, path + ".")
        elif not isinstance(field, FieldList):
            yield path, field


def _show_typed(field: Field, typed: dict) -> None:
    """Put a stored typed value back in its field, as if it had just been posted, with its message."""
    value = typed.get("value")
    parts = [str(part) for part in value] if isinstance(value, list) else [] if value is None else [str(value)]
    if isinstance(field, DateField):
        parts = (parts + ["", "", ""])[:3]  # the day, month and year boxes, always three
    field.raw_data = parts
    field.data = parts[0] if parts and isinstance(field, (StringField, RadioField, SelectField)) and not isinstance(field, (DecimalField, IntegerField)) else None
    if isinstance(field, DateField):
        field.data = None
    message = str(typed.get("message") or "")
    field.errors = [message] if message else []


def _to_field_data(form_class, answers: dict) -> dict:
    """Stored JSON back into the Python values the fields expect."""
    data = {}
    unbound = {
        name: getattr(form_class, name)
        for name in dir(form_class)
        if not name.startswith("_") and hasattr(getattr(form_class, name), "_formfield")
    }
    for name, value in answers.items():
        field = unbound.get(name)
        if field is None:
            continue
        data[name] = _to_python(field, value)
    return data


def _to_python(unbound, value):
    field_class = unbound.field_class
    if value is None:
        return None
    if issubclass(field_class, DateField) and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    if issubclass(field_class, DecimalField):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return None
    if issubclass(field_class, FieldList) and isinstance(value, list):
        inner = unbound.args[0] if unbound.args else unbound.kwargs.get("unbound_field")
        return [_to_python(inner, item) for item in value]
    if issubclass(field_class, FormField) and isinstance(value, dict):
        inner_form = unbound.args[0] if unbound.args else unbound.kwargs["form_class"]
        return _to_field_data(inner_form, value)
    return value


def _has_value(field: Field) -> bool:
    if isinstance(field, (FieldList, FormField)):
        return True
    raw = field.raw_data
    if raw is None:
        return field.data not in (None, "", [])
    return any(str(part).strip() for part in raw)


def _errors_with_values(form) -> dict:
    found = {}
    for field in _answer_fields(form):
        if isinstance(field, FieldList):
            for entry in field.entries:
                inner = _errors_with_values(entry.form) if isinstance(entry, FormField) else (
                    {entry.name: entry.errors} if entry.errors and _has_value(entry) else {}
                )
                found.update(inner)
        elif isinstance(field, FormField):
            found.update(_errors_with_values(field.form))
        elif field.errors and _has_value(field):
            found[field.name] = list(field.errors)
    return found


def display_value(field: Field) -> str:
    data = field.data
    if data in (None, "", []):
        return ""
    if isinstance(field, BooleanField):
        return "Yes" if data else "No"
    if isinstance(field, (RadioField, SelectField)):
        return str(dict((str(value), label) for value, label, *_ in field.iter_choices()).get(str(data), data))
    if isinstance(field, DateField):
        return govuk_date(data)
    suffix = ((field.render_kw or {}).get("params") or {}).get("suffix", {}).get("text", "")
    return f"{data}{suffix}"


def _label(form, field: Field, officer: bool) -> str:
    """The field's label, or the officers' words for it where the form gives them."""
    if officer:
        own = getattr(form, "officer_labels", None) or {}
        if field.short_name in own:
            return own[field.short_name]
    return field.label.text


def _rows_of(form, prefix: str, officer: bool = False):
    for field in _answer_fields(form):
        if isinstance(field, RowIdField):
            continue
        label = _label(form, field, officer)
        if isinstance(field, FieldList):
            number = 0
            for entry in field.entries:
                if isinstance(entry, FormField):
                    if _blank(_answers_of(entry.form)):
                        continue
                    number += 1  # blank rows are not stored, so they take no number
                    own = entry.form._fields.get(ROW_ID)
                    row_key = f"{field.short_name}.{own.data if isinstance(own, RowIdField) and own.data else number}"
                    for row in _rows_of(entry.form, prefix="", officer=officer):
                        # "Priority 2" for the row's main field, "Priority 2: intended impact" for the rest;
                        # the key names the row by its id, so it stays the row's wherever it moves.
                        name = f"{label} {number}" if row.label == label else f"{label} {number}: {row.label}"
                        yield AnswerRow(
                            key=f"{row_key}.{row.key}", label=name, value=row.value, field=field.short_name,
                            row=row_key, row_label=f"{label} {number}", part=row.label,
                        )
                else:
                    number += 1
                    yield AnswerRow(key=f"{field.short_name}.{number}", label=f"{label} {number}", value=display_value(entry), field=field.short_name)
        elif isinstance(field, FormField):
            yield from _rows_of(field.form, prefix=f"{prefix}{label}: ", officer=officer)
        else:
            yield AnswerRow(key=field.short_name, label=f"{prefix}{label}", value=display_value(field), field=field.short_name)


# The lifecycle's own forms.


class StartReturnForm(FlaskForm):
    start_from = RadioField(
        "How do you want to start?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select how you want to start")],
        invalid_choice_message="Select how you want to start",
        choices=[SelectChoice("previous", "Start from our last accepted return"), SelectChoice("blank", "Start with a blank return")],
    )


class SubmitReturnForm(FlaskForm):
    declaration = BooleanField(widget=GovCheckboxInput(), validators=[DataRequired(message="Confirm the declaration to submit the return")])


def reason_field(label: str, message: str, hint: str = "") -> TextAreaField:
    return TextAreaField(
        label,
        description=hint,
        filters=[strip],
        widget=GovCharacterCount(),
        validators=[DataRequired(message=message), Length(max=TEXT_LIMIT, message=f"{label} must be {TEXT_LIMIT:,} characters or fewer")],
        render_kw={"params": {"maxlength": TEXT_LIMIT}, "rows": 4},
    )


class ReasonForm(FlaskForm):
    reason = reason_field("Reason", "Enter the reason")


class ReopenForm(FlaskForm):
    reason = reason_field(
        "Why are you reopening this return?",
        "Enter why you are reopening this return, so the school knows what to change",
        hint="The school sees this.",
    )


class AssignForm(FlaskForm):
    officer = SelectField(
        "Assign to",
        widget=GovSelect(),
        validators=[InputRequired(message="Select an officer")],
        invalid_choice_message="Select an officer from the list",
        coerce=str,
    )
