"""The screens every return type shares on the school's side: start, task list, sections (saved,
autosaved, validated, with conflicts shown), check your answers, submit and withdraw."""

from __future__ import annotations

import copy

from flask import Blueprint, Response, abort, flash, g, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.main import merger
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from wtforms import FieldList, FormField

from app.extensions import db
from app.engine.forms import StartReturnForm, SubmitReturnForm, entry_answers
from app.htmx import redirect_after_post
from app.models import CollectionWindow, Return, Role, School, User
from app.models.returns import RETURNED, SECTION_LABELS, SUBMITTED
from app.models.types import utcnow
from app.permissions import EVERY_ROLE, allow, own_school_or_404, return_or_404
from app.engine import registry
from app.engine.display import EXPLANATION_LIMIT, EXPLANATIONS, answers_by_section, derived_values, raised_queries
from app.engine import drafts, lifecycle, reviews
from app.engine.history import history_of, submissions_of
from app.services import windows as window_service
from app.engine.drafts import SectionConflict
from app.engine.lifecycle import LifecycleError
from app.engine.text import normalise_text
from app.engine.policy import APPROVER, DECIDER, EDITORS, READER, RESPONDENT

bp = Blueprint("returns", __name__)


@bp.app_template_filter()
def answer_html(value: str, empty: str = "Not answered") -> Markup:
    """An answer for a summary list's "html": escaped, keeping the line breaks people typed."""
    return Markup('<span class="gt-preserve-lines">{}</span>').format(value or empty)


@bp.app_template_global()
def field_params(field, extra: dict) -> dict:
    """A field's own GOV.UK params (a suffix, a width) merged with the page's (a legend), which would
    otherwise replace them."""
    return merger.merge(copy.deepcopy(((field.render_kw or {}).get("params")) or {}), copy.deepcopy(extra))


def _context(ret: Return) -> tuple[School, CollectionWindow]:
    return db.session.get(School, ret.school_id), db.session.get(CollectionWindow, ret.window_id)


def _window_for_school_or_404(window_id: int, school: School) -> CollectionWindow:
    """A window that asks this school: any other is 404, as if it did not exist."""
    window = db.session.get(CollectionWindow, window_id)
    if window is None or not window_service.asks(window, school):
        abort(404)
    return window


def _approvers(ret: Return) -> list[User]:
    """Who may submit this return: its type's policy says (the school's own approvers for a
    self-evaluation; the visiting school's for a write-up about another school)."""
    people = db.session.scalars(registry.get(ret.return_type).policy.people(ret, (APPROVER,)))
    return sorted(people, key=lambda person: (person.name, person.id))


def _editable(ret: Return) -> str | None:
    """None when the current user may change the answers now, or the reason they may not."""
    try:
        drafts.check_editable(ret, current_user)
    except LifecycleError as error:
        return error.message
    return None


@bp.route("/windows/<int:window_id>/start", methods=["GET", "POST"])
@bp.route("/windows/<int:window_id>/schools/<int:school_id>/start", methods=["GET", "POST"])
@allow(Role.SCHOOL)
def start_page(window_id: int, school_id: int | None = None):
    """Start the return of the user's own school, or of another school where the type's policy
    makes the user its author (a peer review's lead reviewer)."""
    own = own_school_or_404()
    school = own if school_id is None or school_id == own.id else db.session.get(School, school_id)
    if school is None:
        abort(404)
    window = _window_for_school_or_404(window_id, school)
    if lifecycle.capacity(current_user, window.return_type, school.id, None) not in EDITORS:
        abort(404)
    existing = drafts.return_for(window, school)
    if existing is not None:
        return redirect_after_post(url_for("returns.overview", return_id=existing.id))
    return_type = registry.get(window.return_type)
    previous = drafts.last_accepted(school, window.return_type, window)
    form = StartReturnForm()
    if request.method == "POST" and (previous is None or form.validate_on_submit()):
        try:
            with db.session.begin_nested():
                ret = drafts.start_return(current_user, window, school, from_previous=previous is not None and form.start_from.data == "previous")
        except IntegrityError:  # a colleague started it a moment ago: theirs is the one
            ret = drafts.return_for(window, school)
            return redirect_after_post(url_for("returns.overview", return_id=ret.id))
        except LifecycleError as error:
            form.start_from.errors = [error.message]
        else:
            flash(f"You have started your {return_type.title.lower()}. Colleagues at your school can work on it too.", "success")
            return redirect_after_post(url_for("returns.overview", return_id=ret.id))
    status = 422 if form.errors else 200
    return render_template("returns/start.html", form=form, window=window, school=school, return_type=return_type, previous=previous), status


def _capacity(ret: Return) -> str | None:
    return lifecycle.capacity(current_user, ret.return_type, ret.school_id, ret)


def _not_editing(ret: Return, who: str | None) -> str:
    """Why someone who does not write this return sees it but cannot change its answers."""
    if who in (DECIDER, READER) and current_user.is_council_staff:
        return "Officers review the submitted return, not the draft"
    if who == RESPONDENT:
        return "Your school responds once the return is submitted: you cannot change its answers"
    return "You can read this return once it is submitted: you cannot change its answers"


@bp.route("/returns/<int:return_id>")
@allow(*EVERY_ROLE)
def overview(return_id: int):
    ret = return_or_404(return_id)
    school, window = _context(ret)
    kind = registry.get(ret.return_type)
    who = _capacity(ret)
    reviews.record_read(ret)
    states = drafts.section_states(ret, school)
    history = history_of(ret)
    submissions = submissions_of(ret)
    next_step = kind.next_step(ret.state)
    return render_template(
        "returns/overview.html",
        ret=ret,
        school=school,
        window=window,
        return_type=kind,
        states=states,
        incomplete=drafts.incomplete(states),
        comments=reviews.comments_for_school(ret) if who in EDITORS else {},
        reason=_latest_reason(ret, history),
        editor=who in EDITORS,
        blocked=_editable(ret) if who in EDITORS else _not_editing(ret, who),
        submissions=[row.submission for row in submissions],
        history=history,
        action_labels=lifecycle.action_labels(kind),
        approvers=_approvers(ret),
        due_on=window_service.school_due_on(window, lifecycle.window_exception(window, ret.school_id)),
        overdue=lifecycle.is_overdue(ret, window, ret.school_id),
        state_labels=kind.state_labels,
        section_labels=SECTION_LABELS,
        can_withdraw=ret.state == SUBMITTED and who == APPROVER and ret.assigned_to_id is None,
        steps=reviews.step_views(kind, submissions[-1].submission if submissions else None),
        step_to_take=next_step if next_step is not None and who == next_step.capacity else None,
    )


@bp.route("/returns/<int:return_id>/steps/<step_key>", methods=["GET", "POST"])
@allow(*EVERY_ROLE)
def step(return_id: int, step_key: str):
    """A step the return type adds after submission (a host school's response to its peer review),
    taken by the capacity the step names, with a form of its own."""
    ret = return_or_404(return_id)
    kind = registry.get(ret.return_type)
    step = kind.step(step_key)
    if step is None or _capacity(ret) != step.capacity:
        abort(404)
    school, window = _context(ret)
    reviews.record_read(ret)
    rows = submissions_of(ret)
    latest = rows[-1].submission if rows else None
    form = (step.form() if request.method == "POST" else step.form.load({})) if step.form else None
    problem = ""
    if request.method == "POST":
        if form is None or form.validate():
            try:
                reviews.take_step(ret, step, current_user, form.answers() if form else {})
            except LifecycleError as error:
                db.session.rollback()
                problem = error.message
            else:
                following = kind.next_step(ret.state)
                then = f"Next: {following.title.lower()}." if following else "The officer who decides on it has been told."
                flash(f"Thank you: ‘{step.title}’ is done and cannot be changed now. {then}", "success")
                return redirect_after_post(url_for("returns.overview", return_id=ret.id))
    sections = answers_by_section(ret.return_type, latest.form_version, school, latest.answers or {}, ret) if latest else []
    error_list = (_error_list(form) if form is not None else []) + ([{"text": problem, "href": "#step-form"}] if problem else [])
    status = 409 if problem else (422 if form is not None and form.errors else 200)
    return (
        render_template(
            "returns/step.html", ret=ret, school=school, window=window, kind=kind, step=step, form=form, sections=sections, error_list=error_list,
            open=ret.state in lifecycle.rules_for(kind)[step.key].from_states,
        ),
        status,
    )


def _latest_reason(ret: Return, history) -> str:
    """Why an officer sent the return back, while it is back with the school."""
    if ret.state != RETURNED:
        return ""
    sent_back = [row.transition for row in history if row.transition.to_state == RETURNED]
    return sent_back[-1].reason if sent_back else ""


def _section_or_404(return_id: int, key: str) -> tuple[Return, School, CollectionWindow, drafts.SectionState]:
    """The return (through the permission gate), its school and window, and the section asked for."""
    ret = return_or_404(return_id)
    school, window = _context(ret)
    state = drafts.section_state(ret, school, key)
    if state is None:
        abort(404)
    return ret, school, window, state


ROW_BUTTONS = ("add-row", "remove-row", "move-row-up", "move-row-down")


def _row_list(form, name: str):
    """The form's list of rows called ``name``, or None (the name comes from the request)."""
    field = form[name] if name in form else None
    return field if isinstance(field, FieldList) else None


def _row_number(value: str) -> tuple[str, int | None]:
    """("priorities", 1) from "priorities-1": ASCII digits only, as RowList reads them."""
    name, _, index = value.rpartition("-")
    if index.isascii() and index.isdigit() and len(index) <= 4:
        return name, int(index)
    return name, None


def _row_action(form) -> dict | bool:
    """"Add another", "Remove", "Move up" and "Move down" change the rows shown and save nothing,
    with or without JavaScript: the answers with the rows changed, or False for any other post.

    A button naming no list, or a row that is not there, changes nothing. The row the person acted
    on is remembered (g.row_focus) so the page can put the keyboard focus back on it."""
    pressed = [(button, request.form.get(button, "")) for button in ROW_BUTTONS if request.form.get(button) is not None]
    if not pressed:
        return False
    button, value = pressed[0]
    answers = form.answers()
    name, index = (value, None) if button == "add-row" else _row_number(value)
    field = _row_list(form, name)
    if field is None:
        return answers
    # Every row shown, blank or not, so that a blank row keeps its place.
    rows = [entry_answers(entry) for entry in field.entries]
    most = getattr(form, "max_rows", {}).get(name, field.max_entries or len(rows) + 1)
    least = field.min_entries
    focus = None
    if button == "add-row":
        if len(rows) < most:
            rows.append(None)  # a blank row, whatever its fields
            focus = f"{field.id}-{len(rows) - 1}-row"
    elif index is None or index >= len(rows):
        pass
    elif button == "remove-row":
        if len(rows) > least:
            del rows[index]
            focus = f"{field.id}-{min(index, len(rows) - 1)}-row"
    elif button == "move-row-up":
        if index > 0:
            rows[index - 1], rows[index] = rows[index], rows[index - 1]
            # The moved row keeps the focus: on its own "Move up" unless it is now first.
            focus = f"{field.id}-{index - 1}-" + ("move-up" if index - 1 > 0 else "move-down")
    elif button == "move-row-down":
        if index < len(rows) - 1:
            rows[index], rows[index + 1] = rows[index + 1], rows[index]
            focus = f"{field.id}-{index + 1}-" + ("move-down" if index + 1 < len(rows) - 1 else "move-up")
    g.row_focus = focus
    answers[name] = rows
    return answers


def _render_section(ret, school, window, state, form, *, status=200, saved_at=None, answers=None, query_errors=None):
    """The section page. `answers` are what the derived values and queries are worked out from:
    what was saved, or what was just posted."""
    answers = state.answers if answers is None else answers
    query_errors = query_errors or {}
    queries = raised_queries(ret.return_type, state.section, answers, _explanations(answers))
    error_list = _error_list(form) + [{"text": message, "href": f"#explain-{key}"} for key, message in query_errors.items()]
    return (
        render_template(
            "returns/section.html",
            ret=ret,
            school=school,
            window=window,
            state=state,
            section=state.section,
            form=form,
            error_list=error_list,
            comment=reviews.comments_for_school(ret).get(state.section.key, ""),
            saved_at=saved_at,
            section_labels=SECTION_LABELS,
            derived=derived_values(ret.return_type, state.section, answers),
            queries=queries,
            query_errors=query_errors,
            explanation_limit=EXPLANATION_LIMIT,
        ),
        status,
    )


def _explanations(answers: dict) -> dict[str, str]:
    return dict((answers or {}).get(EXPLANATIONS) or {})


def _answers_posted(ret: Return, form, state) -> tuple[dict, list]:
    """The posted answers with the school's explanations of the queries they raise: each from its
    box on the page, else the one already saved. Explanations of queries no longer raised go."""
    answers = form.answers()
    saved = _explanations(state.answers)
    asked = raised_queries(ret.return_type, state.section, answers, {})
    raised = raised_queries(
        ret.return_type,
        state.section,
        answers,
        # An explanation is an answer too: one form of its text (so its limit counts what is stored).
        {item.query.key: normalise_text(str(request.form.get(f"explain-{item.query.key}", saved.get(item.query.key, "")))) for item in asked},
    )
    if raised:
        answers[EXPLANATIONS] = {item.query.key: item.explanation.strip() for item in raised if item.explanation.strip()}
    return answers, raised


def _query_problems(raised) -> dict[str, str]:
    problems = {}
    for item in raised:
        if not item.explained:
            problems[item.query.key] = f"{item.query.message} Explain why this answer is right, or change it"
        elif len(item.explanation.strip()) > EXPLANATION_LIMIT:
            problems[item.query.key] = f"The explanation must be {EXPLANATION_LIMIT:,} characters or fewer"
    return problems


@bp.route("/returns/<int:return_id>/sections/<key>", methods=["GET", "POST"])
@allow(Role.SCHOOL)
def section(return_id: int, key: str):
    ret, school, window, state = _section_or_404(return_id, key)
    form_class = state.section.form
    blocked = _editable(ret)
    if request.method == "GET":
        if blocked:
            flash(blocked, "error")
            return redirect_after_post(url_for("returns.overview", return_id=ret.id))
        reviews.record_read(ret)
        return _render_section(ret, school, window, state, form_class.load(state.answers, state.version), saved_at=state.saved.updated_at if state.saved else None)
    form = form_class()
    form.validate()  # CSRFProtect has already checked the token, for every POST
    rows = _row_action(form)
    if rows is not False:
        changed = form_class.load(rows, form.loaded_version() or 0)
        return _render_section(ret, school, window, state, changed)
    if blocked:
        flash(blocked, "error")
        return redirect_after_post(url_for("returns.overview", return_id=ret.id))
    loaded = form.loaded_version()
    answers, raised = _answers_posted(ret, form, state)
    if loaded is not None and loaded != state.version and (state.saved is None or state.saved.answers != answers):
        # Someone saved since this page was loaded: they choose first, before any field errors.
        return _conflict(ret, school, window, state, form, state.saved)
    if form.errors or loaded is None:
        if loaded is None:
            form.version.errors = ["This page was out of date. Check your answers and save again"]
            form.version.data = str(state.version)
        return _render_section(ret, school, window, state, form, status=422, answers=answers)
    # A query is not a refusal: the answer stands once the school says why it is right.
    problems = _query_problems(raised)
    if problems:
        return _render_section(ret, school, window, state, form, status=422, answers=answers, query_errors=problems)
    status = drafts.status_after_save(state.status, complete=True, confirmed=True)
    try:
        drafts.save_section(ret, key, answers, loaded_version=loaded, user=current_user, status=status)
    except SectionConflict as conflict:
        if conflict.current is not None and conflict.current.answers == answers:
            # What is saved is exactly what was sent (an autosave got there first): nothing to choose.
            drafts.save_section(ret, key, answers, loaded_version=conflict.current.version, user=current_user, status=status)
        else:
            return _conflict(ret, school, window, state, form, conflict.current)
    except LifecycleError as error:
        flash(error.message, "error")
        return redirect_after_post(url_for("returns.overview", return_id=ret.id))
    flash(f"‘{state.section.title}’ saved and marked as completed", "success")
    return redirect_after_post(url_for("returns.overview", return_id=ret.id))


def _conflict(ret, school, window, state, form, current) -> tuple[str, int]:
    """Both versions side by side: the user keeps theirs (saving over the newer version knowingly) or takes the saved one."""
    mine = {row.key: row for row in state.section.form.rows(form.answers())}
    theirs = {row.key: row for row in state.section.form.rows(current.answers if current else {})}
    keys = list(dict.fromkeys([*mine, *theirs]))
    differences = [
        (mine.get(key) or theirs.get(key), mine[key].value if key in mine else "", theirs[key].value if key in theirs else "")
        for key in keys
        if (mine[key].value if key in mine else "") != (theirs[key].value if key in theirs else "")
    ]
    author = db.session.get(User, current.updated_by_id) if current and current.updated_by_id else None
    passed_on = [(name, value) for name, value in request.form.items(multi=True) if name not in ("csrf_token", "version", *ROW_BUTTONS)]
    return (
        render_template(
            "returns/conflict.html",
            ret=ret,
            school=school,
            window=window,
            section=state.section,
            differences=differences,
            current=current,
            author=author,
            passed_on=passed_on,
        ),
        409,
    )


@bp.route("/returns/<int:return_id>/sections/<key>/autosave", methods=["POST"])
@allow(Role.SCHOOL)
def autosave(return_id: int, key: str):
    """htmx saves the section as the user types: a draft may be incomplete, never wrong."""
    ret, school, window, state = _section_or_404(return_id, key)
    form = state.section.form()
    complete = form.validate()
    loaded = form.loaded_version()

    answers, raised = _answers_posted(ret, form, state)
    complete = complete and not _query_problems(raised)

    def status_fragment(kind: str, message: str, code: int, version: int | None = None, derived=None):
        form.version.data = str(version if version is not None else (loaded if loaded is not None else state.version))
        return (
            render_template("returns/_autosave_status.html", form=form, kind=kind, message=message, ret=ret, section=state.section, derived=derived, oob=True),
            code,
        )

    problems = form.draft_errors()
    if problems:
        first = next(iter(problems.values()))[0]
        return status_fragment("error", f"Not saved: {first}", 422)
    if loaded is None:
        return status_fragment("conflict", "Not saved: this page is out of date. Save the section to check your answers", 409)
    # What the type works out from the answers follows every saved keystroke (an out-of-band swap).
    derived = derived_values(ret.return_type, state.section, answers)
    try:
        saved = drafts.save_section(
            ret, key, answers, loaded_version=loaded, user=current_user, status=drafts.status_after_save(state.status, complete=complete, confirmed=False)
        )
    except SectionConflict as conflict:
        if conflict.current is not None and conflict.current.answers == answers:
            return status_fragment("saved", _saved_words(conflict.current.updated_at), 200, conflict.current.version, derived)
        return status_fragment(
            "conflict",
            "Not saved: someone else has saved this section since you opened it. Select ‘Save and continue’ to compare your answers with theirs",
            409,
        )
    except LifecycleError as error:
        return status_fragment("error", f"Not saved: {error.message}", 409)
    return status_fragment("saved", _saved_words(saved.updated_at), 200, saved.version, derived)


def _saved_words(moment) -> str:
    from app.formatting import LONDON

    local = (moment or utcnow()).astimezone(LONDON)
    return f"Saved at {local:%H:%M}"


@bp.route("/returns/<int:return_id>/sections/<key>/validate", methods=["POST"])
@allow(Role.SCHOOL)
def validate_field(return_id: int, key: str):
    """htmx checks one field as the user leaves it and sends back that field, with its error if it has one."""
    ret, school, window, state = _section_or_404(return_id, key)
    form = state.section.form()
    form.validate()
    field = _find_field(form, request.args.get("field", ""))
    if field is None:
        abort(404)
    response = Response(render_template("returns/_field.html", field=field, ret=ret, section=state.section))
    response.vary.add("HX-Request")
    return response


def _find_field(form, name: str):
    for field in form:
        if field.name == name:
            return field
        if isinstance(field, FieldList):
            for entry in field.entries:
                if isinstance(entry, FormField):
                    for sub in entry.form:
                        if sub.name == name:
                            return sub
    return None


def _error_list(form) -> list[dict]:
    """The error summary's entries, in page order, for fields inside rows too (WTForms' own list
    misses errors added to a row after its list was validated)."""
    found = []

    def walk(fields):
        for field in fields:
            if field.short_name == "csrf_token":
                continue
            if isinstance(field, FieldList):
                for message in [error for error in field.errors if isinstance(error, str)]:
                    found.append({"text": message, "href": f"#{field.id}-error"})
                for entry in field.entries:
                    walk(entry.form if isinstance(entry, FormField) else [entry])
            elif isinstance(field, FormField):
                walk(field.form)
            elif field.errors:
                href = f"#{field.id}-day" if field.type == "GovDateField" else f"#{field.id}"
                found.append({"text": field.errors[0], "href": href})

    walk(form)
    return found


@bp.route("/returns/<int:return_id>/check", methods=["GET", "POST"])
@allow(Role.SCHOOL)
def check(return_id: int):
    ret = return_or_404(return_id)
    reviews.record_read(ret)
    school, window = _context(ret)
    states = drafts.section_states(ret, school)
    working = {state.section.key: state.answers for state in states if state.saved}
    form = SubmitReturnForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            drafts.submit(ret, school, current_user)
        except LifecycleError as error:
            form.declaration.errors = [error.message]
        else:
            flash("Your return has been submitted. The School Improvement Team will review it.", "success")
            return redirect_after_post(url_for("returns.overview", return_id=ret.id))
    return (
        render_template(
            "returns/check.html",
            ret=ret,
            school=school,
            window=window,
            form=form,
            return_type=registry.get(ret.return_type),
            states={state.section.key: state for state in states},
            incomplete=drafts.incomplete(states),
            answers=answers_by_section(ret.return_type, ret.form_version, school, working, ret),
            blocked=_editable(ret),
            approvers=_approvers(ret),
            section_labels=SECTION_LABELS,
        ),
        422 if form.errors else 200,
    )


@bp.route("/returns/<int:return_id>/withdraw", methods=["POST"])
@allow(Role.SCHOOL)
def withdraw(return_id: int):
    ret = return_or_404(return_id)
    try:
        lifecycle.perform(lifecycle.WITHDRAW, ret, current_user)
    except LifecycleError as error:
        flash(error.message, "error")
    else:
        flash("Your return has been withdrawn. Make your changes and submit it again.", "success")
    return redirect_after_post(url_for("returns.overview", return_id=ret.id))
