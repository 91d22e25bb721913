"""Administrators setting up collection windows: which return, which schools, by when."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.forms.windows import WindowExceptionForm, WindowForm, WindowTypeForm, academic_years
from app.formatting import LONDON
from app.htmx import redirect_after_post
from app.models import Role
from app.models.types import utcnow
from app.officer import tracker
from app.permissions import allow, school_or_404, window_or_404
from app.engine import registry
from app.engine.registry import ReturnType
from app.engine.scope import ASKABLE_PHASES
from app.services import windows as window_service
from app.services.windows import WindowDetails, WindowRuleError

bp = Blueprint("windows", __name__, url_prefix="/admin/windows")


def _type_choices() -> list[SelectChoice]:
    return [SelectChoice(rt.key, rt.title) for rt in registry.all_types()]


def _type_page(form: WindowTypeForm, status: int = 200):
    """The first question of a new window: which return, each with the rule of who is asked."""
    # One hint per radio, in the order of the choices (both are registry.all_types()).
    hints = [{"hint": {"text": rt.scope.describe(None)}} for rt in registry.all_types()]
    return render_template("windows/choose_type.html", form=form, hints=hints), status


def _window_form(return_type: ReturnType, **kwargs) -> WindowForm:
    """The window form for this return; without the phase questions when its rule does not ask by phase."""
    form = WindowForm(**kwargs)
    form.return_type.choices = _type_choices()
    form.return_type.data = return_type.key
    years = academic_years(utcnow().astimezone(LONDON).date())
    form.academic_year.choices = [SelectChoice(year, year) for year in years]
    if form.academic_year.data is None:
        form.academic_year.data = years[1]
    if not return_type.scope.uses_phases:
        # Whatever is posted for them is ignored: the fields are not on this form at all.
        for name in ("phases", "include_special", "include_alternative_provision"):
            delattr(form, name)
    return form


def _details(form: WindowForm) -> WindowDetails:
    asks_by_phase = "phases" in form
    return WindowDetails(
        return_type=form.return_type.data,
        academic_year=form.academic_year.data,
        period=form.period.data,
        title=form.title.data,
        opens_on=form.opens_on.data,
        due_on=form.due_on.data,
        phases=list(form.phases.data or []) if asks_by_phase else [],
        include_special=asks_by_phase and bool(form.include_special.data),
        include_alternative_provision=asks_by_phase and bool(form.include_alternative_provision.data),
    )


def _field_error(form: WindowForm, error: WindowRuleError) -> None:
    """The service's refusal beside its field; beside the title when that field is not on this form."""
    field = form[error.field] if error.field and error.field in form and error.field != "return_type" else form.title
    field.errors.append(error.message)


def _form_page(form: WindowForm, return_type: ReturnType, window=None):
    return (
        render_template("windows/form.html", form=form, window=window, return_type=return_type),
        422 if form.errors else 200,
    )


@bp.route("")
@allow(Role.ADMIN)
def list_windows():
    return render_template("windows/list.html", windows=window_service.all_windows(), types=registry)


@bp.route("/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def new_window():
    if request.method == "GET":
        type_form = WindowTypeForm(request.args)
        type_form.return_type.choices = _type_choices()
        if "return_type" not in request.args and "continue" not in request.args:
            # "Change" on the next page comes back here with the return chosen so far.
            first = WindowTypeForm(formdata=None, return_type=request.args.get("change"))
            first.return_type.choices = type_form.return_type.choices
            return _type_page(first)
        if not type_form.validate():
            return _type_page(type_form, 422)
        return_type = registry.get(type_form.return_type.data)
        form = _window_form(return_type, formdata=None)
        if "phases" in form:
            form.phases.data = [phase for phase in return_type.scope.default_phases if phase in ASKABLE_PHASES]
        return _form_page(form, return_type)

    return_type = registry.get(request.form.get("return_type", ""))
    if return_type is None:
        # Only a forged or stale post gets here: ask the first question again.
        type_form = WindowTypeForm(formdata=None)
        type_form.return_type.choices = _type_choices()
        type_form.return_type.errors = ["Select the return this window collects"]
        return _type_page(type_form, 422)
    form = _window_form(return_type)
    if form.validate_on_submit():
        try:
            window = window_service.create_window(_details(form), current_user)
        except WindowRuleError as error:
            _field_error(form, error)
        else:
            flash(f"Window ‘{window.title}’ saved", "success")
            return redirect_after_post(url_for("windows.window", window_id=window.id))
    return _form_page(form, return_type)


@bp.route("/<int:window_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def edit_window(window_id: int):
    window = window_or_404(window_id)
    return_type = registry.get(window.return_type)
    if return_type is None:
        abort(404)  # a return no longer offered: its windows can be read, not changed
    # The return a window collects is fixed: whatever is posted for it, the window's own stands.
    form = _window_form(return_type, obj=window)
    if form.validate_on_submit():
        try:
            window_service.update_window(window, _details(form))
        except WindowRuleError as error:
            _field_error(form, error)
        else:
            flash("Window saved", "success")
            return redirect_after_post(url_for("windows.window", window_id=window.id))
    return _form_page(form, return_type, window)


def _exception_form(window, **kwargs) -> WindowExceptionForm:
    form = WindowExceptionForm(**kwargs)
    form.school_id.choices = [SelectChoice("", "Select a school")] + [
        SelectChoice(str(school.id), school.name) for school, _ in window_service.schools_in_scope(window)
    ]
    return form


def _window_page(window, exception_form=None, status=200):
    schools = window_service.schools_in_scope(window)
    return (
        render_template(
            "windows/window.html",
            window=window,
            return_type=registry.get(window.return_type),
            rule=window_service.scope_of(window).describe(window),
            schools=schools,
            undecided=window_service.undecided_schools(window),
            due_at=window_service.due_at,
            school_due_on=window_service.school_due_on,
            form=exception_form or _exception_form(window),
            tracked={row.school_id: row for row in tracker.tracker(window, tracker.Filters()).rows},
        ),
        status,
    )


@bp.route("/<int:window_id>")
@allow(Role.ADMIN)
def window(window_id: int):
    return _window_page(window_or_404(window_id))


def _for_everyone(window_id: int, change, message: str):
    window = window_or_404(window_id)
    change(window)
    flash(message.format(title=window.title), "success")
    return redirect_after_post(url_for("windows.window", window_id=window.id))


@bp.route("/<int:window_id>/close", methods=["GET", "POST"])
@allow(Role.ADMIN)
def close_window(window_id: int):
    """Closing early stops every school mid-edit: the administrator sees how many have a draft open
    and confirms first. A post without the confirmation shows the question again and changes nothing."""
    window = window_or_404(window_id)
    if window.closed_at is not None:
        flash(f"‘{window.title}’ is already closed", "success")
        return redirect_after_post(url_for("windows.window", window_id=window.id))
    if request.method == "POST" and request.form.get("confirm") == "yes":
        return _for_everyone(
            window_id, window_service.close_early, "‘{title}’ is closed: schools can no longer change their returns in it"
        )
    return render_template("windows/close.html", window=window, drafts=window_service.open_drafts(window))


@bp.route("/<int:window_id>/reopen", methods=["POST"])
@allow(Role.ADMIN)
def reopen_window(window_id: int):
    return _for_everyone(window_id, window_service.reopen, "‘{title}’ is open again")


@bp.route("/<int:window_id>/exceptions", methods=["POST"])
@allow(Role.ADMIN)
def set_exception(window_id: int):
    window = window_or_404(window_id)
    form = _exception_form(window)
    if form.validate_on_submit():
        if not form.school_id.data:
            form.school_id.errors.append("Select a school from the list")
        else:
            school = school_or_404(int(form.school_id.data))
            try:
                window_service.set_exception(
                    window, school, due_on=form.due_on.data, close=bool(form.close.data), reason=form.reason.data or "", by=current_user
                )
            except WindowRuleError as error:
                getattr(form, error.field or "due_on").errors.append(error.message)
            else:
                flash(f"Saved for {school.name}", "success")
                return redirect_after_post(url_for("windows.window", window_id=window.id))
    return _window_page(window, form, status=422)


@bp.route("/<int:window_id>/exceptions/<int:school_id>/remove", methods=["POST"])
@allow(Role.ADMIN)
def remove_exception(window_id: int, school_id: int):
    window = window_or_404(window_id)
    school = school_or_404(school_id)
    window_service.remove_exception(window, school)
    flash(f"{school.name} follows the window's own dates again", "success")
    return redirect_after_post(url_for("windows.window", window_id=window.id))
