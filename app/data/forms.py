"""The upload form of the DfE data import."""

from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField
from wtforms.validators import InputRequired

from app.data.catalogue import FORMAT_NAMES, catalogue, latest_results_year, year_label
from app.formatting import LONDON


class DataUploadForm(FlaskForm):
    data_file = FileField(
        "DfE data file",
        description="A CSV file from the performance tables (one row per school, with RECTYPE and URN columns) or from "
        "Explore Education Statistics (tidy data, with time_period, geographic_level and school_urn columns).",
        widget=GovFileInput(),
        validators=[FileRequired(message="Select a DfE data file")],
    )
    academic_year = SelectField(
        "Academic year",
        description="The year the results or figures are for. An earlier import for the same kind of data and year is replaced.",
        widget=GovSelect(),
        validators=[InputRequired(message="Select the academic year the file is for")],
        validate_choice=True,
    )
    kind = SelectField("Kind of data", widget=GovSelect(), validate_choice=True)
    submit = SubmitField("Import data", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        the_catalogue = catalogue()
        latest = latest_results_year(datetime.now(LONDON).date())
        self.academic_year.choices = [("", "Select a year")] + [(year, year_label(year)) for year in the_catalogue.years(latest)]
        self.kind.choices = [("", "Work it out from the file’s columns")] + [
            (key, f"{kind.label} ({' or '.join(FORMAT_NAMES[f] for f in kind.formats)})")
            for key, kind in the_catalogue.kinds.items()
        ]
