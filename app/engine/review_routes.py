"""Officers' review of returns: the queue, taking and assigning, the review page with comments and
the internal note, returning for changes, accepting and reopening. Printing and comparing
submissions are open to the school as well, for its own returns."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.auth_session import safe_next_path
from app.extensions import db
from app.engine.forms import ReopenForm
from app.engine.review_forms import ACCEPT as ACCEPT_DECISION, DECISIONS, RETURN, SAVE, AssignReturnForm, CompareForm, QueueFilterForm, review_form
from app.htmx import redirect_after_post
from app.models import CollectionWindow, Return, School, Submission, User
from app.models.returns import ACCEPTED
from app.permissions import COUNCIL_STAFF, EVERY_ROLE, allow, refuse, return_or_404
from app.engine import registry
from app.engine.display import OFFICER, answers_by_section, audience_of
from app.engine import drafts, lifecycle, reviews
from app.engine.history import history_of, submissions_of
from app.engine.lifecycle import LifecycleError
from app.engine.reviews import ReviewError
from app.engine.policy import EDITORS

bp = Blueprint("review", __name__)



def _return_type_or_404(ret: Return):
    kind = registry.get(ret.return_type)
    if kind is None:
        abort(404)
    return kind


def _context(ret: Return) -> tuple[School, CollectionWindow]:
    return db.session.get(School, ret.school_id), db.session.get(CollectionWindow, ret.window_id)


# The queue.


@bp.route("/review")
@allow(*COUNCIL_STAFF)
def queue():
    types = registry.all_types()
    filter_form = QueueFilterForm(request.args)
    filter_form.return_type.choices = [SelectChoice("", "All return types")] + [SelectChoice(kind.key, kind.title) for kind in types]
    chosen = ""
    if request.args.get("return_type") and filter_form.validate():
        chosen = filter_form.return_type.data or ""
    rows = reviews.review_queue(current_user, chosen or None)
    return render_template(
        "review/queue.html",
        rows=rows,
        types={kind.key: kind for kind in types},
        filter_form=filter_form if len(types) > 1 else None,
        form=filter_form if filter_form.errors else None,
        chosen=chosen,
        counts=reviews.window_counts(),
        days_since=reviews.days_since,
    )


# Taking and assigning.


def _back(ret: Return) -> str:
    return safe_next_path(request.form.get("next")) or url_for("review.review", return_id=ret.id)


@bp.route("/returns/<int:return_id>/take", methods=["POST"])
@allow(*COUNCIL_STAFF)
def take(return_id: int):
    ret = return_or_404(return_id)
    school = db.session.get(School, ret.school_id)
    try:
        lifecycle.perform(lifecycle.TAKE, ret, current_user)
    except LifecycleError as error:
        db.session.rollback()
        flash(f"{error.message}. Nothing has changed.", "error")
    else:
        flash(f"You have taken the return from {school.name} for review", "success")
    return redirect_after_post(_back(ret))


def _assign_form(ret: Return, *, posted: bool = False) -> AssignReturnForm:
    form = AssignReturnForm() if posted else AssignReturnForm(formdata=None)
    form.officer.choices = [SelectChoice("", "Select an officer")] + [
        SelectChoice(str(user.id), user.name + (" (you)" if user.id == current_user.id else "")) for user in reviews.council_staff(ret)
    ]
    if not posted:
        form.held_by.data = str(ret.assigned_to_id or "")
    return form


@bp.route("/returns/<int:return_id>/assign", methods=["POST"])
@allow(*COUNCIL_STAFF)
def assign(return_id: int):
    ret = return_or_404(return_id)
    form = _assign_form(ret, posted=True)
    if form.validate_on_submit():
        if not form.officer.data:
            form.officer.errors.append("Select an officer")
        else:
            colleague = db.session.get(User, int(form.officer.data))
            try:
                lifecycle.assign(ret, current_user, colleague, held_by_id=form.held_by_id())
            except LifecycleError as error:
                db.session.rollback()
                flash(f"{error.message}. Nothing has changed.", "error")
                return redirect_after_post(url_for("review.review", return_id=ret.id))
            who = "yourself" if colleague.id == current_user.id else colleague.name
            flash(f"The return is assigned to {who}", "success")
            return redirect_after_post(url_for("review.review", return_id=ret.id))
    return _review_page(ret, assign_form=form, status=422)


# The review page.


def _checklist(kind, answers: dict | None = None, *, posted: bool = False):
    """The type's own review form (a checklist) beside the comments, if it has one."""
    if kind.review_form is None:
        return None
    if posted:
        return kind.review_form(prefix="checklist-", meta={"csrf": False})
    return kind.review_form.load(answers or {}, prefix="checklist-", meta={"csrf": False})


def _review_page(ret: Return, *, review=None, checklist=None, assign_form=None, problem: str = "", status: int = 200):
    kind = _return_type_or_404(ret)
    reviews.record_read(ret)
    school, window = _context(ret)
    submissions = submissions_of(ret)
    history = history_of(ret)
    latest = submissions[-1].submission if submissions else None
    sections = answers_by_section(ret.return_type, latest.form_version, school, latest.answers or {}, ret, audience=OFFICER) if latest else []
    # A resubmission opens on what changed since the submission before, beside what was said about it.
    since = reviews.since_last(ret, school, [row.submission for row in submissions], history, current_user)
    comments = reviews.comments_on(latest) if latest else {}
    note = reviews.note_on(latest) if latest else None
    deciding = reviews.may_decide(current_user, ret)
    reviewing = latest is not None and ret.state in reviews.waiting_states(kind) and deciding
    steps = reviews.step_views(kind, latest)
    if reviewing and checklist is None:
        saved = reviews.step_answers_of(latest).get(reviews.REVIEW_CHECKLIST)
        checklist = _checklist(kind, saved.answers if saved else {})
    if reviewing and review is None:
        review = review_form(
            [item.section for item in sections],
            data={
                **{f"comment_{key}": comment.text for key, comment in comments.items()},
                "note": note.text if note else "",
            },
            formdata=None,
        )
    assign_form = assign_form or (_assign_form(ret) if reviewing else None)
    assigned = db.session.get(User, ret.assigned_to_id) if ret.assigned_to_id else None
    form_with_errors = next((f for f in (review, checklist, assign_form) if f is not None and f.errors), None)
    saved_checklist = reviews.step_answers_of(latest).get(reviews.REVIEW_CHECKLIST) if (latest and kind.review_form) else None
    return (
        render_template(
            "review/review.html",
            ret=ret,
            kind=kind,
            school=school,
            window=window,
            submissions=submissions,
            latest=submissions[-1] if submissions else None,
            sections=sections,
            since=since,
            comments=comments,
            note=note,
            history=history,
            decision=reviews.decision_on(latest.number, history) if latest else None,
            review=review if reviewing else None,
            # A decision refused because the return moved on meanwhile: show what was typed, so it is not lost.
            unsaved=review if (review is not None and not reviewing and review.is_submitted()) else None,
            assign_form=assign_form,
            assigned=assigned,
            form=form_with_errors,
            problem=problem,
            state_label=kind.state_label(ret.state),
            action_labels=lifecycle.action_labels(kind),
            days_since=reviews.days_since,
            reopen_allowed=ret.state == ACCEPTED and deciding,
            checklist=checklist if reviewing else None,
            checklist_rows=kind.review_form.rows(saved_checklist.answers) if saved_checklist else [],
            steps=steps,
            decision_open=ret.state == kind.decision_state,
            waiting_for=kind.next_step(ret.state),
        ),
        status,
    )


@bp.route("/returns/<int:return_id>/review", methods=["GET", "POST"])
@allow(*COUNCIL_STAFF)
def review(return_id: int):
    ret = return_or_404(return_id)
    if request.method == "GET":
        return _review_page(ret)

    school = db.session.get(School, ret.school_id)
    rows = submissions_of(ret)
    if not rows:
        flash("This return has not been submitted, so there is nothing to review", "error")
        return redirect_after_post(url_for("review.review", return_id=ret.id))
    latest = rows[-1].submission
    sections = [item.section for item in answers_by_section(ret.return_type, latest.form_version, school, latest.answers or {}, ret)]
    form = review_form(sections)
    kind = _return_type_or_404(ret)
    checklist = _checklist(kind, posted=True)
    if ret.state not in reviews.waiting_states(kind):
        # A colleague decided (or the school withdrew it) while this officer was writing.
        state = kind.state_label(ret.state).lower()
        return _review_page(ret, review=form, problem=f"This return is no longer waiting for review (it is {state}), so nothing was saved", status=409)
    decision = request.form.get("decision", SAVE)
    if decision not in DECISIONS:
        decision = SAVE
    checklist_ok = True
    if checklist is not None:
        # Saving keeps a half-done checklist; accepting needs it complete. A wrong value is never kept.
        complete = checklist.validate()
        checklist_ok = complete if decision == ACCEPT_DECISION else not checklist.draft_errors()
        if not checklist_ok and decision != ACCEPT_DECISION:
            checklist_problems = checklist.draft_errors()
            for field in checklist:
                if field.name not in checklist_problems:
                    field.errors = []
    if form.validate_on_submit() and checklist_ok:
        if decision == RETURN and not form.reason.data:
            form.reason.errors.append("Enter the reason for returning it, so the school knows what to change")
        else:
            answers = checklist.answers() if checklist is not None else None
            try:
                if decision == SAVE:
                    reviews.save_review(ret, latest, current_user, form.comments(), form.note.data or "", answers)
                    message = "Your comments are saved. The school sees them only if you return it for changes"
                else:
                    action = lifecycle.RETURN_FOR_CHANGES if decision == RETURN else lifecycle.ACCEPT
                    reviews.decide(action, ret, latest, current_user, form.comments(), form.note.data or "", reason=form.reason.data or "", checklist=answers)
                    message = f"The return from {school.name} is " + ("returned for changes" if decision == RETURN else "accepted")
            except (LifecycleError, ReviewError) as error:
                db.session.rollback()
                return _review_page(ret, review=form, checklist=checklist, problem=error.message, status=409)
            flash(message, "success")
            if decision == SAVE:
                return redirect_after_post(url_for("review.review", return_id=ret.id))
            return redirect_after_post(url_for("review.queue"))
    return _review_page(ret, review=form, checklist=checklist, status=422)


# Reopening an accepted return.


@bp.route("/returns/<int:return_id>/reopen", methods=["GET", "POST"])
@allow(*COUNCIL_STAFF)
def reopen(return_id: int):
    ret = return_or_404(return_id)
    school, window = _context(ret)
    if ret.state != ACCEPTED:
        flash("Only an accepted return can be reopened", "error")
        return redirect_after_post(url_for("review.review", return_id=ret.id))
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            lifecycle.perform(lifecycle.REOPEN, ret, current_user, reason=form.reason.data)
        except LifecycleError as error:
            db.session.rollback()
            form.reason.errors.append(error.message)
        else:
            flash(f"The return from {school.name} is reopened: the school can change it and submit it again", "success")
            return redirect_after_post(url_for("review.review", return_id=ret.id))
    return render_template("review/reopen.html", ret=ret, school=school, window=window, form=form), 422 if form.errors else 200


# Printing and comparing: the school for its own returns, and officers.


def _submission_or_404(ret: Return, rows, number: int):
    row = next((row for row in rows if row.submission.number == number), None)
    if row is None:
        abort(404)
    return row


@bp.route("/returns/<int:return_id>/submissions/<int:number>")
@allow(*EVERY_ROLE)
def submission(return_id: int, number: int):
    ret = return_or_404(return_id)
    reviews.record_read(ret)
    kind = _return_type_or_404(ret)
    school, window = _context(ret)
    rows = submissions_of(ret)
    row = _submission_or_404(ret, rows, number)
    submission = row.submission
    history = history_of(ret)
    decision = reviews.decision_on(number, history)
    if current_user.is_council_staff:
        comments = {key: comment.text for key, comment in reviews.comments_on(submission).items() if comment.text.strip()}
        note = reviews.note_on(submission)
    elif lifecycle.capacity(current_user, ret.return_type, ret.school_id, ret) in EDITORS:
        comments = reviews.sent_comments(submission, history)
        note = None  # the internal note is never the school's to see
    else:
        comments, note = {}, None  # a reader sees the answers, not the officers' comments to the school
    return render_template(
        "review/print.html",
        ret=ret,
        kind=kind,
        school=school,
        window=window,
        row=row,
        submission=submission,
        sections=answers_by_section(ret.return_type, submission.form_version, school, submission.answers or {}, ret, audience=audience_of(current_user)),
        comments=comments,
        note=note,
        decision=decision,
        action_labels=lifecycle.action_labels(kind),
        count=len(rows),
        steps=reviews.step_views(kind, submission),
    )


@bp.route("/returns/<int:return_id>/compare")
@allow(*EVERY_ROLE)
def compare(return_id: int):
    ret = return_or_404(return_id)
    reviews.record_read(ret)
    kind = _return_type_or_404(ret)
    school, window = _context(ret)
    rows = submissions_of(ret)
    form = CompareForm(request.args)
    choices = [SelectChoice(str(row.submission.number), f"Submission {row.submission.number}") for row in rows]
    form["from"].choices = choices
    form["to"].choices = choices
    status = 200
    comparison = earlier = later = None
    if len(rows) >= 2:
        if "from" not in request.args and "to" not in request.args:
            form["from"].data, form["to"].data = str(rows[-2].submission.number), str(rows[-1].submission.number)
            valid = True
        else:
            valid = form.validate()
            if valid and form["from"].data == form["to"].data:
                form["to"].errors.append("Select two different submissions")
                valid = False
        if valid:
            by_number = {str(row.submission.number): row for row in rows}
            earlier, later = sorted((by_number[form["from"].data], by_number[form["to"].data]), key=lambda row: row.submission.number)
            comparison = reviews.compare(ret, school, earlier.submission, later.submission)
        else:
            status = 422
    return (
        render_template(
            "review/compare.html",
            ret=ret,
            kind=kind,
            school=school,
            window=window,
            rows=rows,
            earlier=earlier,
            later=later,
            form_url=url_for("review.compare", return_id=ret.id),
            form=form if form.errors else None,
            compare_form=form,
            **_comparison_view(
                comparison,
                earlier and f"Submission {earlier.submission.number}",
                later and f"Submission {later.submission.number}",
                url_for("review.compare", return_id=ret.id, **({"from": earlier.submission.number, "to": later.submission.number} if comparison else {})),
            ),
        ),
        status,
    )


def _comparison_view(comparison, earlier_label: str | None, later_label: str | None, page_url: str) -> dict:
    """What compare.html shows of a comparison, the same within a return and across years: the
    sections (all, or with ?changed=1 only those that changed, which needs no JavaScript), how many
    changed, and the two links between the views."""
    only_changed = request.args.get("changed") == "1"
    changed = reviews.changed_sections(comparison) if comparison is not None else []
    joiner = "&" if "?" in page_url else "?"
    return {
        "comparison": comparison,
        "sections": changed if only_changed else comparison,
        "changed_sections": changed,
        "only_changed": only_changed,
        "earlier_label": earlier_label,
        "later_label": later_label,
        "all_url": page_url,
        "changed_url": f"{page_url}{joiner}changed=1",
    }


# This year's return against last year's: any two submissions of the school's returns of one type,
# across collection windows.


@bp.route("/schools/<int:school_id>/compare/<return_type>")
@allow(*EVERY_ROLE)
def compare_years(school_id: int, return_type: str):
    kind = registry.get(return_type)
    school = db.session.get(School, school_id)
    if kind is None or school is None:
        abort(404)
    found = reviews.school_submissions(school, kind, current_user)
    # The same rule as opening the returns: council staff for any school; anyone else only where
    # the type's policy gives them a part (a school's staff, their own school's returns).
    if not found and not current_user.is_council_staff and current_user.school_id != school.id:
        refuse("another school's returns")
    form = CompareForm(request.args)
    choices = [SelectChoice(str(row.submission.id), row.label) for row in found]
    form["from"].choices = choices
    form["to"].choices = choices
    status = 200
    comparison = earlier = later = None
    if len(found) >= 2:
        if "from" not in request.args and "to" not in request.args:
            earlier, later = reviews.default_pair(found)
            form["from"].data, form["to"].data = str(earlier.submission.id), str(later.submission.id)
        elif not form.validate():
            status = 422
        elif form["from"].data == form["to"].data:
            form["to"].errors.append("Select two different submissions")
            status = 422
        else:
            place = {str(row.submission.id): index for index, row in enumerate(found)}
            earlier, later = (found[index] for index in sorted((place[form["from"].data], place[form["to"].data])))
    if status == 200 and earlier is not None:
        for row in {earlier.ret.id: earlier, later.ret.id: later}.values():
            reviews.record_read(row.ret)
        comparison = reviews.compare(later.ret, school, earlier.submission, later.submission, earlier_return=earlier.ret)
    else:
        earlier = later = None
    page_url = url_for("review.compare_years", school_id=school.id, return_type=kind.key,
                       **({"from": earlier.submission.id, "to": later.submission.id} if comparison else {}))
    return (
        render_template(
            "review/compare.html",
            kind=kind,
            school=school,
            found=found,
            earlier=earlier,
            later=later,
            form_url=url_for("review.compare_years", school_id=school.id, return_type=kind.key),
            form=form if form.errors else None,
            compare_form=form,
            **_comparison_view(comparison, earlier and earlier.label, later and later.label, page_url),
        ),
        status,
    )


@bp.app_template_global()
def earlier_accepted_submission(school: School, return_type: str, window: CollectionWindow) -> Submission | None:
    """For the review page's link to compare with last year: the school's accepted return of this
    type from an earlier window, as accepted."""
    return drafts.last_accepted(school, return_type, window)
