"""The DfE data import: administrators upload performance tables and EES files; council staff read the catalogue."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_login import current_user

from app.data import cli, queries
from app.data.catalogue import FORMAT_NAMES, FORMATS, GROUPS, UNITS, catalogue, year_label
from app.data.forms import DataUploadForm
from app.data.importer import DataFileError, import_file
from app.htmx import redirect_after_post
from app.models import Role
from app.permissions import COUNCIL_STAFF, allow, data_import_or_404
from app.security import body_limit

bp = Blueprint("data", __name__, cli_group="data")
cli.register(bp)  # `flask data import`


def _import_page(form=None, problems=None, problem_count=0, problem_file=None, status=200):
    return (
        render_template(
            "data/import.html",
            form=form or DataUploadForm(),
            problems=problems,
            problem_count=problem_count,
            problem_file=problem_file,
            recent=queries.recent_imports(),
            holdings=queries.holdings(),
            catalogue=catalogue(),
            year_label=year_label,
        ),
        status,
    )


@bp.route("/admin/data", methods=["GET"])
@allow(Role.ADMIN)
def import_page():
    return _import_page()


@bp.route("/admin/data", methods=["POST"])
@allow(Role.ADMIN)
@body_limit("DATA_MAX_UPLOAD_BYTES")
def upload():
    form = DataUploadForm()
    if not form.validate_on_submit():
        return _import_page(form, status=422)
    data_file = form.data_file.data
    try:
        result = import_file(
            data_file.stream, year=form.academic_year.data, kind=form.kind.data or None,
            filename=data_file.filename, user=current_user,
        )
    except DataFileError as error:
        form.data_file.errors.append(error.message)
        return _import_page(form, status=422)
    if not result.applied:
        form.data_file.errors.append(
            f"{result.problem_count} {'row' if result.problem_count == 1 else 'rows'} of the file could not be read. "
            "Nothing was imported"
        )
        return _import_page(form, problems=result.problems, problem_count=result.problem_count,
                            problem_file=data_file.filename, status=422)
    return redirect_after_post(url_for("data.import_result", import_id=result.run.id))


@bp.route("/admin/data/imports/<int:import_id>")
@allow(Role.ADMIN)
def import_result(import_id: int):
    run = data_import_or_404(import_id)
    the_catalogue = catalogue()
    return render_template(
        "data/import_result.html",
        run=run,
        kind=the_catalogue.kinds[run.kind],
        format_label=FORMATS[run.source_format],
        year_label=year_label,
        not_published=the_catalogue.not_published(run.kind, run.academic_year),
        status_counts=queries.status_counts(run.kind, run.academic_year),
        catalogue=the_catalogue,
    )


@bp.route("/data/measures")
@allow(*COUNCIL_STAFF)
def measures():
    the_catalogue = catalogue()
    return render_template(
        "data/measures.html", catalogue=the_catalogue, formats=FORMAT_NAMES, groups=GROUPS, units=UNITS, year_label=year_label
    )
