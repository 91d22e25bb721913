"""The screens every return type shares on the school's side: start, task list, sections (saved,
autosaved, validated, with conflicts shown), check your answers, submit and withdraw."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from flask import Blueprint, Response, abort, flash, g, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.main import merger
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from sqlalchemy.exc import IntegrityError
from wtforms import FieldList, FormField, HiddenField, StringField

from app.extensions import db
from app.engine.forms import StartReturnForm, SubmitReturnForm, entry_answers
from app.htmx import redirect_after_post
from app.models import CollectionWindow, Return, Role, School, SectionVersion, User
from app.models.returns import RETURNED, SECTION_IN_PROGRESS, SECTION_LABELS, SUBMITTED
from app.models.types import utcnow
from app.permissions import EVERY_ROLE, allow, own_school_or_404, return_or_404
from app.engine import registry
from app.engine.display import EXPLANATION_LIMIT, EXPLANATIONS, answers_by_section, derived_values, raised_queries
from app.engine import drafts, lifecycle, reviews
from app.engine.history import history_of, submissions_of
from app.services import windows as window_service
from app.engine.drafts import SectionConflict
from app.engine.merge import INVALID, Draft, Fingerprint, Flat, digest, flatten, merge
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


def _render_section(ret, school, window, state, form, *, status=200, saved_at=None, answers=None, query_errors=None, merged=(), saved_anyway=False):
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
            merged=merged,
            merged_from=getattr(g, "merged_from", None),
            saved_anyway=saved_anyway,
            saved=saved_anyway or bool(merged),  # something on this page was just saved
            attention=len(state.saved.invalid or {}) if state.saved else 0,
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


COMPLETE, LATER = "complete", "later"  # "Save and continue" and "Save and come back later"
RESOLUTION_LIMIT = 200  # clashes one conflict page can resolve: more than a section has answers


@bp.route("/returns/<int:return_id>/sections/<key>", methods=["GET", "POST"])
@allow(Role.SCHOOL)
def section(return_id: int, key: str):
    """A section: shown with whatever was saved (invalid values too, with their messages); posted,
    everything typed is saved as a draft, merged answer by answer with anything a colleague saved
    since. "Save and continue" marks the section completed only when every answer is valid;
    "Save and come back later" saves it as it is."""
    ret, school, window, state = _section_or_404(return_id, key)
    form_class = state.section.form
    blocked = _editable(ret)
    if request.method == "GET":
        if blocked:
            return _read_only_section(ret, school, window, state, blocked)
        reviews.record_read(ret)
        return _render_section(
            ret, school, window, state, _saved_form(state), saved_at=state.saved.updated_at if state.saved else None
        )
    resolution = _resolution(form_class)
    form = form_class(formdata=resolution.formdata) if resolution else form_class()
    form.validate()  # CSRFProtect has already checked the token, for every POST
    rows = _row_action(form)
    if rows is not False:
        changed = form_class.load(rows, form.loaded_version() or 0)
        changed.loaded.data = form.loaded.data  # the page still started from what it was loaded with
        return _render_section(ret, school, window, state, changed)
    if blocked:
        return _not_saved(ret, school, window, state, form, blocked)
    intent = LATER if request.form.get("intent") == LATER else COMPLETE
    if resolution and resolution.missing:
        return _conflict(ret, school, window, state, form, state.saved, resolution.clashes, intent, missing=resolution.missing, chosen=resolution.chosen)
    draft, raised = _draft_posted(ret, form, state)
    problems = _query_problems(raised)
    valid = not form.errors and not problems and not draft.invalid and not draft.refused

    def status(merged) -> str:
        if merged.theirs:
            return SECTION_IN_PROGRESS  # someone else's answers came in: the section is checked again
        if intent == COMPLETE:
            return drafts.status_after_save(state.status, complete=valid, confirmed=True)
        return drafts.status_after_save(state.status, complete=valid, confirmed=False)

    try:
        saved, merged = drafts.save_draft(
            ret, key, draft, loaded_version=_loaded_version(form), loaded=Fingerprint.loads(form.loaded.data), user=current_user,
            status=status, refused=resolution.refused if resolution else frozenset(),
        )
    except SectionConflict as conflict:
        clashes = conflict.merged.clashes if conflict.merged else []
        return _conflict(ret, school, window, state, form, conflict.current, clashes, intent, chosen=resolution.chosen if resolution else None)
    except LifecycleError as error:
        # The window closed (or the return moved on) between the page's check and the save.
        return _not_saved(ret, school, window, state, form, error.message)
    state = drafts.SectionState(state.section, saved)
    if merged.theirs:
        # Both people's answers are kept: show the section as it is now, to be checked once more.
        g.merged_from = _author(saved, previous=True) or "A colleague"
        return _render_section(ret, school, window, state, _saved_form(state), saved_at=saved.updated_at, merged=_labels(form_class, merged.theirs, saved))
    if intent == COMPLETE and not valid:
        g.saved_with_errors = True  # the draft is kept; the 422 shows what still needs correcting
        form.version.data = str(saved.version)
        form.loaded.data = _page_fingerprint(draft)
        return _render_section(ret, school, window, state, form, status=422, saved_at=saved.updated_at, answers=draft.answers, query_errors=problems, saved_anyway=True)
    title = state.section.title
    if intent == COMPLETE:
        flash(f"‘{title}’ saved and marked as completed", "success")
    elif draft.invalid or draft.refused:
        count = len(draft.invalid) + len(draft.refused)
        flash(f"‘{title}’ saved. {count} {'answer needs' if count == 1 else 'answers need'} attention before the section can be completed", "success")
    else:
        flash(f"‘{title}’ saved. Its status is ‘{SECTION_LABELS[saved.status]}’", "success")
    return redirect_after_post(url_for("returns.overview", return_id=ret.id))


def _saved_form(state):
    """The section's form showing what is saved: the answers, and what was typed but is not valid yet."""
    return state.section.form.load(state.answers, state.version, state.saved.invalid if state.saved else None)


def _loaded_version(form) -> int:
    """The version the page was loaded at; a page without one (or a forged one) was loaded at no
    version, so every difference from what is saved is shown for the person to choose."""
    version = form.loaded_version()
    return version if version is not None and version >= 0 else -1


def _draft_posted(ret: Return, form, state):
    """Everything posted, as a draft keeps it, with the explanations of the queries it raises."""
    draft = form.draft()
    answers, raised = _answers_posted(ret, form, state)
    if EXPLANATIONS in answers:
        draft = Draft({**draft.answers, EXPLANATIONS: answers[EXPLANATIONS]}, draft.invalid, draft.refused)
    return draft, raised


def _page_fingerprint(draft) -> str:
    """What the page shows after a save: the starting point of its next save. A value too long to
    keep counts as changed, so it is refused (and the person told) again until it is shortened."""
    return Fingerprint.of(flatten(draft.answers, draft.invalid), changed=set(draft.refused)).dumps()


def _author(row, *, previous: bool = False) -> str | None:
    """The name of whoever saved `row` (or, with `previous`, the copy it replaced)."""
    if row is None:
        return None
    if previous:
        version = db.session.scalar(
            select(SectionVersion).where(SectionVersion.return_id == row.return_id, SectionVersion.key == row.key).order_by(SectionVersion.id.desc()).limit(1)
        )
        person = db.session.get(User, version.saved_by_id) if version and version.saved_by_id else None
    else:
        person = db.session.get(User, row.updated_by_id) if row.updated_by_id else None
    return person.name if person else None


def _labels(form_class, paths, row) -> list[str]:
    """The questions at these paths, in the section's own words."""
    rows = {item.key: item.label for item in form_class.rows(row.answers if row else {})}
    labels = []
    for path in paths:
        label = rows.get(path) or next((text for key, text in rows.items() if key.startswith(path + ".")), None)
        labels.append(label or "An answer that has since been removed")
    return list(dict.fromkeys(labels))


@dataclass
class Resolution:
    """The choices posted from a conflict page: for each clashing answer, keep mine, keep theirs or
    a combined text."""

    formdata: MultiDict
    clashes: list[str]
    refused: set[str]
    missing: list[str]
    chosen: dict[str, str]


def _resolution(form_class) -> Resolution | None:
    clashes = [path for path in request.form.getlist("clash")[:RESOLUTION_LIMIT] if isinstance(path, str) and len(path) <= 200]
    if not clashes:
        return None
    formdata = request.form.copy()
    fields = form_class(formdata=request.form, meta={"csrf": False}).path_fields()
    refused, missing, chosen = set(), [], {}
    for path in clashes:
        choice = request.form.get(f"resolve-{path}")
        chosen[path] = choice or ""
        if choice == "theirs":
            refused.add(path)
        elif choice == "combined" and _combinable(fields.get(path)):
            formdata.setlist(fields[path].name, [request.form.get(f"combined-{path}", "")])
        elif choice != "mine":
            missing.append(path)
    return Resolution(formdata, clashes, refused, missing, chosen)


def _combinable(field) -> bool:
    return isinstance(field, StringField) and not isinstance(field, HiddenField) and field.type in ("StringField", "TextAreaField")


def _conflict(ret, school, window, state, form, current, clashes, intent, *, missing=(), chosen=None) -> tuple[str, int]:
    """Only the answers both people changed, both texts in full: for each, keep yours, keep theirs,
    or write one combined text. Nothing is stored until the person chooses; every other answer of
    theirs and of yours is kept as it is."""
    form_class = state.section.form
    draft, _ = _draft_posted(ret, form, state)
    mine = flatten(draft.answers, draft.invalid)
    theirs = flatten(current.answers, current.invalid) if current else Flat()
    base = Fingerprint.loads(form.loaded.data)
    if not clashes:
        clashes = merge(None, mine, theirs).clashes
    mine_rows = {row.key: row for row in form_class.rows(draft.answers)}
    their_rows = {row.key: row for row in form_class.rows(current.answers if current else {})}
    fields = form.path_fields()
    chosen = chosen or {}
    differences = []
    for path in clashes:
        row = mine_rows.get(path) or their_rows.get(path)
        field = fields.get(path)
        differences.append(
            {
                "path": path,
                "label": row.label if row else (field.label.text if field else path),
                "mine": _shown(mine, path, mine_rows),
                "theirs": _shown(theirs, path, their_rows),
                "combinable": _combinable(field),
                "combined": request.form.get(f"combined-{path}") if f"combined-{path}" in request.form else "\n\n".join(
                    part for part in (_plain(mine, path), _plain(theirs, path)) if part
                ),
                "chosen": chosen.get(path, ""),
                "error": "Choose which answer to keep" if path in missing else "",
            }
        )
    # The next save starts from theirs for the clashing answers (so keeping mine, theirs or a
    # combined text is each a change from what is saved) and from what this page was loaded with
    # for every other answer (so their other changes still merge with mine).
    start = base or Fingerprint({}, {})
    start = Fingerprint({**start.values, **{path: digest(theirs.values.get(path)) for path in clashes}}, start.orders)
    skipped = {"csrf_token", "version", "loaded", "intent", "clash", *ROW_BUTTONS}
    passed_on = [
        (name, value) for name, value in request.form.items(multi=True)
        if name not in skipped and not name.startswith(("resolve-", "combined-"))
    ]
    author = db.session.get(User, current.updated_by_id) if current and current.updated_by_id else None
    error_list = [{"text": f"{item['label']}: choose which answer to keep", "href": f"#resolve-{item['path']}"} for item in differences if item["error"]]
    return (
        render_template(
            "returns/conflict.html", ret=ret, school=school, window=window, section=state.section, differences=differences,
            current=current, author=author, passed_on=passed_on, start=start.dumps(), intent=intent, error_list=error_list,
        ),
        422 if missing else 409,
    )


def _shown(flat, path, rows) -> str:
    value = flat.values.get(path)
    if isinstance(value, dict) and INVALID in value:
        typed = " ".join(str(part) for part in (value[INVALID] or []) if str(part))
        return f"{typed} (not a valid answer yet: {flat.messages.get(path, '')})"
    row = rows.get(path)
    return row.value if row else ("" if value is None else str(value))


def _plain(flat, path) -> str:
    value = flat.values.get(path)
    if isinstance(value, dict) and INVALID in value:
        return " ".join(str(part) for part in (value[INVALID] or []))
    return value if isinstance(value, str) else ""


@bp.route("/returns/<int:return_id>/sections/<key>/autosave", methods=["POST"])
@allow(Role.SCHOOL)
def autosave(return_id: int, key: str):
    """htmx saves the section as the user types: everything typed, invalid values with their
    messages, merged with a colleague's changes to other answers."""
    ret, school, window, state = _section_or_404(return_id, key)
    form = state.section.form()
    complete = form.validate()
    draft, raised = _draft_posted(ret, form, state)
    valid = complete and not _query_problems(raised) and not draft.invalid and not draft.refused

    def status_fragment(kind: str, message: str, code: int, *, saved=None, attention=(), derived=None, merged_labels=()):
        if saved is not None:
            form.version.data = str(saved.version)
            form.loaded.data = _page_fingerprint(draft)
        return (
            render_template(
                "returns/_autosave_status.html", form=form, kind=kind, message=message, ret=ret, section=state.section, derived=derived, oob=True,
                attention_list=attention, merged_labels=merged_labels, saved=saved is not None,
            ),
            code,
        )

    def status(merged) -> str:
        if merged.theirs:
            return SECTION_IN_PROGRESS
        return drafts.status_after_save(state.status, complete=valid, confirmed=False)

    try:
        saved, merged = drafts.save_draft(
            ret, key, draft, loaded_version=_loaded_version(form), loaded=Fingerprint.loads(form.loaded.data), user=current_user, status=status,
        )
    except SectionConflict as conflict:
        who = _author(conflict.current) or "Someone else at your school"
        labels = _labels(state.section.form, conflict.merged.clashes if conflict.merged else [], conflict.current) or ["answers in this section"]
        what = ", ".join(f"‘{label}’" for label in labels[:3]) + (f" and {len(labels) - 3} more" if len(labels) > 3 else "")
        return status_fragment("conflict", f"Not saved: {who} has also changed {what} since you opened this page.", 409)
    except LifecycleError as error:
        return _autosave_refused(ret, state.section, form, error.message)
    # What the type works out from the answers follows every saved keystroke (an out-of-band swap).
    derived = derived_values(ret.return_type, state.section, saved.answers)
    fields = form.path_fields()
    attention = [
        (message if path in draft.refused else draft.invalid[path]["message"], f"#{_field_anchor(fields.get(path))}")
        for path, message in [*((path, "") for path in draft.invalid), *draft.refused.items()]
    ]
    merged_labels = _labels(state.section.form, merged.theirs, saved) if merged.theirs else ()
    return status_fragment("saved", _saved_words(saved.updated_at), 200, saved=saved, attention=attention, derived=derived, merged_labels=merged_labels)


def _field_anchor(field) -> str:
    if field is None:
        return "main-content"
    return f"{field.id}-day" if field.type == "GovDateField" else field.id


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


# ---------------------------------------------------------------------------------------------
# When the answers cannot be changed now (the window closed while someone was typing, a colleague
# submitted the return): nothing typed is lost from sight, and the reason is told once.

# Travels in the autosave status once the person has been told their typing is not being saved:
# later autosaves from the same page then change nothing on it, so the message is not repeated.
TOLD_NOT_SAVED = "not-saved-told"


@dataclass(frozen=True)
class ShownAnswer:
    """An answer as the person typed it, with its question, for reading or copying."""

    label: str
    value: str
    note: str = ""  # why it is not a valid answer yet, or was not kept


def _typed(value) -> str:
    """What was typed for an answer kept as invalid (a date's parts, a number with letters)."""
    parts = value.get("value") if isinstance(value, dict) else value
    if isinstance(parts, (list, tuple)):
        return " ".join(str(part) for part in parts if str(part))
    return "" if parts is None else str(parts)


def _shown_answers(form_class, answers: dict, invalid: dict, refused: dict, fields: dict, queries=()) -> list[ShownAnswer]:
    """Every answer in the section's own words: the valid ones as they read on check your answers,
    the invalid ones as typed with what is wrong, the ones too long to keep in full, and the
    explanations given for queries."""
    shown, seen = [], set()
    for row in form_class.rows(answers):
        seen.add(row.key)
        if row.key in invalid:
            shown.append(ShownAnswer(row.label, _typed(invalid[row.key]), f"Not a valid answer yet: {invalid[row.key].get('message', '')}"))
        elif row.key in refused:
            shown.append(ShownAnswer(row.label, _raw_text(fields.get(row.key)), refused[row.key]))
        else:
            shown.append(ShownAnswer(row.label, row.value))
    for path, value in invalid.items():
        if path not in seen:
            field = fields.get(path)
            shown.append(ShownAnswer(field.label.text if field else path, _typed(value), f"Not a valid answer yet: {value.get('message', '')}"))
    for path, message in refused.items():
        if path not in seen:
            field = fields.get(path)
            shown.append(ShownAnswer(field.label.text if field else path, _raw_text(field), message))
    for item in queries:
        if item.explanation.strip():
            shown.append(ShownAnswer(f"Your explanation: {item.query.message}", item.explanation))
    return shown


def _raw_text(field) -> str:
    if field is None:
        return ""
    return "\n".join(str(part) for part in (field.raw_data or []))


def _not_saved(ret, school, window, state, form, reason: str):
    """A full post the person may no longer make (the window closed while they typed): nothing is
    stored, and the page shows the reason once and everything they posted, to copy."""
    draft = form.draft()
    _, raised = _answers_posted(ret, form, state)
    answers = _shown_answers(state.section.form, draft.answers, draft.invalid, draft.refused, form.path_fields(), raised)
    return (
        render_template("returns/closed.html", ret=ret, school=school, window=window, section=state.section, reason=reason, answers=answers),
        409,
    )


def _read_only_section(ret, school, window, state, reason: str):
    """A section the school may no longer change (the window closed, the return was submitted):
    its editors still read what they saved, invalid values too. Anyone else who may see the return
    (a peer review's host or readers) never sees the drafting school's draft."""
    if _capacity(ret) not in EDITORS:
        flash(reason, "error")
        return redirect_after_post(url_for("returns.overview", return_id=ret.id))
    reviews.record_read(ret)
    saved = state.saved
    invalid = dict(saved.invalid or {}) if saved else {}
    fields = _saved_form(state).path_fields() if invalid else {}
    queries = raised_queries(ret.return_type, state.section, state.answers, _explanations(state.answers))
    answers = _shown_answers(state.section.form, state.answers, invalid, {}, fields, queries)
    return render_template(
        "returns/section_read_only.html", ret=ret, school=school, window=window, state=state, section=state.section, reason=reason,
        answers=answers, saved_at=saved.updated_at if saved else None,
    )


def _autosave_refused(ret, section, form, reason: str):
    """An autosave the person may no longer make: told once, with their text still on the page and
    a button that shows all of it to copy. Later autosaves from that page change nothing on it."""
    if request.form.get(TOLD_NOT_SAVED):
        return Response(status=204)
    message = f"Not saved: {reason}. Your text is still on this page: copy it before you leave."
    return (
        render_template("returns/_autosave_closed.html", form=form, message=message, ret=ret, section=section, told=TOLD_NOT_SAVED),
        409,
    )
