"""Fields shared by every form module."""

from __future__ import annotations

import re
from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovTextInput
from wtforms import DateField, IntegerField


class GovDateField(DateField):
    """Day, month and year boxes. Whatever arrives — none, one, two or four parts, words, 31 February —
    is an error beside the field, never a server error (GovDateInput itself expects exactly three)."""

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", "%d %m %Y")
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        parts = [str(part).strip() for part in valuelist][:3]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        self.data = None
        if not valuelist or not any(parts):
            return
        if len(valuelist) != 3 or not all(part.isdigit() for part in parts) or len(parts[2]) != 4:
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 2027")
        day, month, year = (int(part) for part in parts)
        try:
            self.data = date(year, month, day)
        except ValueError:
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 2027") from None


class WholeNumberField(IntegerField):
    """A count: whole numbers only, with a message that names the field (WTForms' own does not).
    `words` finishes the message: "<label> must be <words>"."""

    widget = GovTextInput()
    words = "a whole number, like 240"

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not str(valuelist[0]).strip():
            return
        text = str(valuelist[0]).strip().replace(",", "")
        # ASCII digits only (str.isdigit() also accepts "²"), and few enough that int() cannot balk.
        if not re.fullmatch(r"[0-9]{1,9}", text):
            raise ValueError(f"{self.label.text} must be {self.words}")
        self.data = int(text)
