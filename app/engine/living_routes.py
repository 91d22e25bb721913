"""A living plan's pages (app/engine/living.py): the plan, and one row with its timeline and the
form that adds an update. On the returns blueprint, in a module of its own.

The school's editors update rows of an accepted, current plan; officers read the same pages
without the form. Anyone else, and any return whose type has no living list or that has never been
accepted, gets 404. A POST works without JavaScript (Post/Redirect/Get) and, with htmx, answers the
row's fragment (`returns/_living_row.html`), which the page includes."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput
from wtforms import RadioField

from app.engine import living, registry, reviews
from app.engine.forms import long_text
from app.engine.policy import EDITORS
from app.engine.routes import _capacity, _context, bp
from app.htmx import is_htmx_request
from app.models import Return
from app.permissions import EVERY_ROLE, allow, return_or_404


class LivingUpdateForm(FlaskForm):
    status = RadioField(
        "Status",
        widget=GovRadioInput(),
        choices=[],
        validate_choice=False,  # the service refuses a status outside the type's list, with its message
    )
    note = long_text("Progress note", hint="What has happened since the last update. Do not name pupils.", limit=living.NOTE_LIMIT)


def _plan_or_404(return_id: int):
    """The return, its type's living list and its plan, for the return's editors and council
    staff: 404 for anyone else, for a type without a living list, and for a plan never accepted."""
    ret: Return = return_or_404(return_id)
    kind = registry.get(ret.return_type)
    if kind is None or kind.living is None:
        abort(404)
    editor = _capacity(ret) in EDITORS
    if not editor and not current_user.is_council_staff:
        abort(404)
    plan = living.plan_of(ret.id)
    if plan is None:
        abort(404)
    return ret, kind, plan, editor


def _row_or_404(ret: Return, row_id: str) -> living.RowState:
    found = living.row_of(ret.id, row_id) if len(row_id) <= 40 else None
    if found is None:
        abort(404)
    return found


@bp.route("/returns/<int:return_id>/plan")
@allow(*EVERY_ROLE)
def living_plan(return_id: int):
    ret, kind, plan, editor = _plan_or_404(return_id)
    reviews.record_read(ret)
    school, window = _context(ret)
    every = living.rows_of(ret.id, removed=True)
    response = Response(
        render_template(
            "returns/living.html",
            ret=ret, school=school, window=window, kind=kind, plan=plan, editor=editor,
            rows=[state for state in every if not state.row.removed], removed=[state for state in every if state.row.removed],
            read_only=living.read_only_reason(ret, plan), statuses=living.status_labels(kind.living, ret.form_version),
        )
    )
    response.vary.add("HX-Request")
    return response


def _render_row(ret, kind, plan, editor, found, form, *, status: int = 200, saved: bool = False):
    school, window = _context(ret)
    read_only = living.read_only_reason(ret, plan) or ("This action is no longer part of the plan" if found.row.removed else None)
    context = dict(
        ret=ret, school=school, window=window, kind=kind, plan=plan, editor=editor, found=found, form=form, saved=saved,
        read_only=read_only, statuses=living.status_labels(kind.living, ret.form_version),
        error_list=[{"text": error, "href": f"#{name}"} for name, errors in form.errors.items() if name for error in errors],
    )
    template = "returns/_living_row.html" if is_htmx_request() else "returns/living_row.html"
    response = Response(render_template(template, **context), status=status)
    response.vary.add("HX-Request")
    return response


def _form(kind, ret, found, formdata=None) -> LivingUpdateForm:
    """The update form: what was posted, or (formdata None, also after a saved htmx update) empty
    but for the row's current status, so the next update starts afresh."""
    if formdata is not None:
        form = LivingUpdateForm(formdata=formdata)
    else:
        form = LivingUpdateForm(formdata=None, data={"status": found.row.status})
    form.status.choices = list(kind.living.statuses(ret.form_version))
    return form


@bp.route("/returns/<int:return_id>/plan/<row_id>", methods=["GET", "POST"])
@allow(*EVERY_ROLE)
def living_row(return_id: int, row_id: str):
    ret, kind, plan, editor = _plan_or_404(return_id)
    found = _row_or_404(ret, row_id)
    reviews.record_read(ret)

    if request.method == "GET":
        return _render_row(ret, kind, plan, editor, found, _form(kind, ret, found))
    if not editor:
        abort(404)  # officers read the plan; only the school's editors update it
    form = _form(kind, ret, found, request.form)
    if not form.validate():
        return _render_row(ret, kind, plan, editor, found, form, status=400 if "csrf_token" in form.errors else 422)
    try:
        living.add_update(ret, found.row, user=current_user, status=form.status.data or "", note=form.note.data or "")
    except living.UpdateRefused as refused:
        if refused.field:
            getattr(form, refused.field).errors = [refused.message]
            return _render_row(ret, kind, plan, editor, found, form, status=422)
        form.form_errors = [refused.message]
        return _render_row(ret, kind, plan, editor, living.row_of(ret.id, row_id), form, status=409)
    found = living.row_of(ret.id, row_id)
    if is_htmx_request():
        return _render_row(ret, kind, plan, editor, found, _form(kind, ret, found), saved=True)
    flash(f"Your update to ‘{found.row.title}’ has been saved", "success")
    return redirect(url_for("returns.living_row", return_id=ret.id, row_id=row_id), code=303)
