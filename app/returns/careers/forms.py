"""The careers return's sections. Labels and lists come from the benchmarks version a return follows;
the year groups and key phases asked come from the school's statutory age range.

Every count is a whole number from 0 to the year group's number on roll, and a subset never exceeds
its set; a year group the school does not teach is not asked, and figures posted for one are refused.
"""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import urlsplit

from flask import has_request_context, request
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovTextInput
from wtforms import RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.engine.forms import SectionForm, long_text
from app.forms.fields import WholeNumberField
from app.forms.users import strip
from app.returns.careers.benchmarks import ANSWERS, Benchmark, Version

YES_NO = (("yes", "Yes"), ("no", "No"))
NO_PUPIL = "Do not name or describe any pupil."
# Years 7 to 13; a pupil in year N is N + 4 at the start of the year and N + 5 by its end.
YEARS = tuple(range(7, 14))
# The key phases of the provider access legislation: two encounters in each are the law.
KEY_PHASES = ((8, 9), (10, 11), (12, 13))
MAX_ON_ROLL = 2000  # one year group: more is a typing mistake
MAX_ENCOUNTERS = 99
URL_LIMIT = 500

NUMBER_INPUT = {"params": {"classes": "govuk-input--width-5", "attributes": {"inputmode": "numeric", "spellcheck": "false"}}}
INLINE = {"params": {"classes": "govuk-radios--inline"}}


def years_taught(low: int | None, high: int | None) -> tuple[int, ...]:
    """The year groups from 7 to 13 a school with this statutory age range teaches: a 4–16 school
    years 7 to 11, a 9–13 middle school years 7 and 8, a 16–19 college years 12 and 13. With no age
    range recorded the school is not asked (the window lists it), so nothing is taught here."""
    if high is None:
        return ()
    low = 0 if low is None else low
    return tuple(year for year in YEARS if year + 4 >= low and year + 5 <= high)


def phases_taught(years: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    return tuple(phase for phase in KEY_PHASES if any(year in years for year in phase))


def phase_key(phase: tuple[int, int]) -> str:
    return f"encounters_{phase[0]}_{phase[1]}"


def phase_words(phase: tuple[int, int]) -> str:
    return f"years {phase[0]} and {phase[1]}"


class CountField(WholeNumberField):
    """A count of pupils or encounters."""

    words = "a whole number from 0 upwards, like 120"


def count(label: str, *, most: int, required: str, hint: str = "") -> CountField:
    return CountField(
        label,
        description=hint,
        validators=[InputRequired(message=required), NumberRange(min=0, max=most, message=f"{label} must be between 0 and {most:,}")],
        render_kw=NUMBER_INPUT,
    )


def short_text(label: str, *, required: str | None = None, limit: int = 200, hint: str = "", optional: bool = True) -> StringField:
    validators = [DataRequired(message=required)] if required else [Optional()] if optional else []
    validators.append(Length(max=limit, message=f"{label} must be {limit:,} characters or fewer"))
    return StringField(label, description=hint, widget=GovTextInput(), filters=[strip], validators=validators)


def radios(label: str, items, *, required: str, invalid: str, inline: bool = False, hint: str = "") -> RadioField:
    return RadioField(
        label,
        description=hint,
        choices=[SelectChoice(*item) for item in items],
        widget=GovRadioInput(),
        validators=[InputRequired(message=required)],
        validate_choice=True,
        invalid_choice_message=invalid,
        render_kw=INLINE if inline else None,
    )


EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class LeaderForm(SectionForm):
    officer_labels = {"name": "Careers leader", "on_slt": "Careers leader on the senior leadership team"}

    name = short_text("Name of your careers leader", required="Enter the name of the careers leader")
    role = short_text("Their role in the school", hint="For example, assistant headteacher.", required="Enter the careers leader's role")
    email = short_text("Their email address", required="Enter the careers leader's email address", limit=254)
    phone = short_text("Their telephone number (optional)", limit=30)
    on_slt = radios(
        "Are they on the senior leadership team?", YES_NO, required="Select whether the careers leader is on the senior leadership team",
        invalid="Select yes or no", inline=True,
    )

    def validate_email(self, field):
        if field.data and not EMAIL.fullmatch(field.data):
            raise ValidationError("Enter an email address in the correct format, like name@school.example.org")

    def validate_phone(self, field):
        if field.data and not re.fullmatch(r"[0-9+() -]{6,30}", field.data):
            raise ValidationError("Enter a telephone number, like 01632 960 001")


@cache
def adviser_form(version: Version) -> type[SectionForm]:
    class AdviserForm(SectionForm):
        officer_labels = {"name": "Careers adviser", "qualification": "Adviser's qualification"}

        name = short_text("Name of the careers adviser who gives personal guidance", required="Enter the name of the careers adviser")
        organisation = short_text("Who employs them (optional)", hint="The school, the council or a careers company.")
        qualification = SelectField(
            "Their highest careers guidance qualification",
            choices=[SelectChoice("", "Select a qualification level"), *(SelectChoice(*item) for item in version.qualifications)],
            widget=GovSelect(),
            filters=[lambda value: value or ""],
            validators=[DataRequired(message="Select the careers adviser's qualification level")],
            validate_choice=True,
            invalid_choice_message="Select a qualification level from the list",
        )

    AdviserForm.__name__ = f"AdviserForm_{version.version}"
    return AdviserForm


def is_https_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    host = parts.hostname or ""
    return parts.scheme == "https" and "." in host and not re.search(r"\s", text) and not parts.username


@cache
def provider_access_form(phases: tuple[tuple[int, int], ...]) -> type[SectionForm]:
    """The policy statement, and the provider encounters in each key phase the school teaches."""
    fields: dict = {
        "officer_labels": {"published": "Provider access policy statement published"},
        "published": radios(
            "Is the school's provider access policy statement published on its website?", YES_NO,
            required="Select whether the provider access policy statement is published", invalid="Select yes or no", inline=True,
            hint="The law since January 2023 asks every school with pupils in years 8 to 13 to publish one.",
        ),
        "url": short_text(
            "The statement's web address", limit=URL_LIMIT, optional=False,
            hint="Only if it is published. It must start with https://", 
        ),
    }
    for phase in phases:
        words = phase_words(phase)
        fields[phase_key(phase)] = count(
            f"Encounters with providers of technical education and apprenticeships for pupils in {words}",
            most=MAX_ENCOUNTERS, required=f"Enter the number of provider encounters for pupils in {words}",
            hint="The law asks for at least two in each key phase. Fewer is possible: you will be asked to explain.",
        )

    def validate_url(self, field):
        if not field.data:
            if self.published.data == "yes":
                raise ValidationError("Enter the statement's web address")
            return
        if not is_https_url(field.data):
            raise ValidationError("Enter a web address that starts with https://, like https://www.school.example.org/careers")

    fields["validate_url"] = validate_url
    form = type("ProviderAccessForm_" + "_".join(f"{a}{b}" for a, b in phases), (SectionForm,), fields)
    form.phases = phases
    return form


@cache
def benchmark_form(version: Version, benchmark: Benchmark) -> type[SectionForm]:
    """A benchmark's criteria, each answered yes, partly or no, and a short note of the evidence."""
    fields: dict = {}
    for number, criterion in enumerate(benchmark.criteria, start=1):
        fields[criterion.key] = radios(
            criterion.text, ANSWERS,
            required=f"Select yes, partly or no for criterion {number} of benchmark {benchmark.number}",
            invalid="Select yes, partly or no", inline=True,
        )
    fields["evidence"] = long_text(
        "Evidence for your answers",
        hint=f"A short note of what the school does and how you know. {NO_PUPIL}",
        required=f"Enter the evidence for your answers to benchmark {benchmark.number}",
        limit=1500, rows=4,
    )
    form = type(f"BenchmarkForm_{version.version}_{benchmark.number}", (SectionForm,), fields)
    form.benchmark = benchmark
    form.framework = version
    return form


def year_fields(year: int) -> tuple[str, ...]:
    names = [f"y{year}_on_roll", f"y{year}_employer", f"y{year}_stem", f"y{year}_workplace"]
    if year in (11, 13):
        names.append(f"y{year}_guidance")
    return tuple(names)


YEAR_FIELD = re.compile(r"y(\d{1,2})_(on_roll|employer|stem|workplace|guidance)")


@cache
def year_groups_form(years: tuple[int, ...]) -> type[SectionForm]:
    """Per year group taught, from 7 to 13: pupils on roll, with a meaningful employer encounter (of
    those, with a STEM employer), with a meaningful workplace experience; and guidance interviews by
    the end of years 11 and 13 where the school teaches them."""
    fields: dict = {}
    for year in years:
        roll = f"Year {year}: pupils on roll"
        fields[f"y{year}_on_roll"] = count(roll, most=MAX_ON_ROLL, required=f"Enter the number of pupils on roll in year {year}")
        fields[f"y{year}_employer"] = count(
            f"Year {year}: pupils with at least one meaningful encounter with an employer", most=MAX_ON_ROLL,
            required=f"Enter the number of year {year} pupils with an employer encounter",
        )
        fields[f"y{year}_stem"] = count(
            f"Year {year}: of those, pupils with an encounter with a STEM employer", most=MAX_ON_ROLL,
            required=f"Enter the number of year {year} pupils with a STEM employer encounter",
        )
        fields[f"y{year}_workplace"] = count(
            f"Year {year}: pupils with a meaningful experience of a workplace", most=MAX_ON_ROLL,
            required=f"Enter the number of year {year} pupils with a workplace experience",
        )
        if year in (11, 13):
            fields[f"y{year}_guidance"] = count(
                f"Year {year}: pupils who had a personal guidance interview by the end of year {year}", most=MAX_ON_ROLL,
                required=f"Enter the number of year {year} pupils who had a personal guidance interview",
            )

    def validate(self, extra_validators=None) -> bool:
        valid = SectionForm.validate(self, extra_validators)
        for year in self.years:
            roll = getattr(self, f"y{year}_on_roll").data
            for name in year_fields(year)[1:]:
                field = getattr(self, name)
                if roll is not None and field.data is not None and not field.errors and field.data > roll:
                    field.errors = [*field.errors, f"{field.label.text} cannot be more than the {roll:,} pupils on roll in year {year}"]
                    valid = False
            employer, stem = getattr(self, f"y{year}_employer"), getattr(self, f"y{year}_stem")
            if employer.data is not None and stem.data is not None and not stem.errors and stem.data > employer.data:
                stem.errors = [*stem.errors, f"Year {year}: pupils with a STEM employer encounter cannot be more than the {employer.data:,} with any employer encounter"]
                valid = False
        refused = self.years_not_taught()
        if refused and self.years:
            first = getattr(self, f"y{self.years[0]}_on_roll")
            names = ", ".join(str(year) for year in refused)
            first.errors = [*first.errors, f"The school does not teach year {names}: figures for it cannot be given"]
            valid = False
        return valid

    def years_not_taught(self) -> list[int]:
        """Year groups whose figures were posted although the school does not teach them."""
        if not has_request_context() or request.method != "POST":
            return []
        posted = {int(match.group(1)) for name in request.form if (match := YEAR_FIELD.fullmatch(name))}
        return sorted(year for year in posted if year not in self.years)

    fields["validate"] = validate
    fields["years_not_taught"] = years_not_taught
    fields["fields_of"] = staticmethod(year_fields)
    form = type("YearGroupsForm_" + "_".join(str(year) for year in years), (SectionForm,), fields)
    form.years = years
    return form


@cache
def entitlement_form(version: Version) -> type[SectionForm]:
    """The council's nine-point young person's entitlement: met or not, with a note per point."""
    fields: dict = {}
    for number, (key, words) in enumerate(version.entitlement, start=1):
        fields[key] = radios(
            f"{number}. {words}", YES_NO, required=f"Select whether the school meets point {number} of the entitlement",
            invalid="Select yes or no", inline=True, hint="Does every pupil the school teaches have this?",
        )
        fields[f"{key}_note"] = long_text(f"Note on point {number} (optional)", hint=NO_PUPIL, limit=500, rows=2)
    form = type(f"EntitlementForm_{version.version}", (SectionForm,), fields)
    form.framework = version
    return form
