"""The officers' monitoring pages (issue 16): the collection tracker of each window, reminding the
schools that have not submitted, the officers' home and its alerts. Routes read the request,
call app.officer's plain functions and render."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_login import current_user

from app.exports import Table, download
from app.extensions import db
from app.models import CollectionWindow, School
from app.models.monitoring import ReturnAlert
from app.htmx import redirect_after_post
from app.officer import alerts
from app.officer import filters as choices
from app.officer import home as home_panels
from app.officer import reminders as rm
from app.officer import tracker as tr
from app.permissions import COUNCIL_STAFF, allow

bp = Blueprint("monitoring", __name__)


def _window_or_404(window_id: int) -> CollectionWindow:
    """A collection window of a type the app offers: council staff follow every one."""
    window = db.session.get(CollectionWindow, window_id)
    if window is None or tr.registry.get(window.return_type) is None:
        abort(404)
    return window


def _filters() -> tuple[tr.Filters, list[dict], list[str], list[tuple[int, str]]]:
    """The filters from the URL. One nobody could choose is an error beside its field and filters
    nothing out."""
    chosen = choices.phase_and_trust()
    phase, trust, trusts, errors = chosen.phase, chosen.trust, chosen.trusts, list(chosen.errors)
    state = request.args.get("state", "")
    if state and state not in tr.FILTERABLE:
        errors.append({"text": "Choose a state from the list", "href": "#state"})
        state = ""
    staff = tr.council_staff()
    officer = request.args.get("officer", "")
    if officer and officer != tr.NOBODY and not (officer.isdigit() and int(officer) in {user_id for user_id, _ in staff}):
        errors.append({"text": "Choose an officer from the list", "href": "#officer"})
        officer = ""
    return tr.Filters(phase, trust, state, officer), errors, trusts, staff


@bp.route("/tracker")
@allow(*COUNCIL_STAFF)
def windows():
    on = tr.today()
    return render_template("officer/tracker_windows.html", windows=tr.windows(), today=on, is_open=tr.is_open, registry=tr.registry)


@bp.route("/tracker/<int:window_id>")
@allow(*COUNCIL_STAFF)
def tracker(window_id: int):
    window = _window_or_404(window_id)
    filters, errors, trusts, staff = _filters()
    found = tr.tracker(window, filters)
    fmt = request.args.get("download")
    if fmt:
        title = f"Collection tracker – {window.title}"
        return download(Table(title, tr.HEADINGS, tr.export_rows(found)), fmt)
    return render_template(
        "officer/tracker.html",
        window=window, return_type=tr.registry.get(window.return_type), found=found, filters=filters, errors=errors, error_list=errors,
        trusts=trusts, staff=staff, phases=choices.phases(), statuses=tr.STATUSES, flags=tr.FLAGS, filterable=tr.FILTERABLE, nobody=tr.NOBODY,
        is_open=tr.is_open(window, found.today),
    )


def _chosen_schools(values: list[str]) -> set[int]:
    """School ids from the form; anything that is not one is dropped (it can match no school)."""
    return {int(value) for value in values if value.isdigit() and len(value) < 12}


@bp.route("/tracker/<int:window_id>/remind", methods=["GET", "POST"])
@allow(*COUNCIL_STAFF)
def remind(window_id: int):
    """GET: which schools a reminder would go to, and the mail (nothing is sent). POST, confirmed:
    send it and go back to the tracker."""
    window = _window_or_404(window_id)
    if request.method == "POST":
        chosen = _chosen_schools(request.form.getlist("school"))
        back = {key: request.form.get(key, "") for key in ("phase", "trust", "state", "officer")}
        back = {key: value for key, value in back.items() if value}
        choice = rm.choose(window, tr.Filters(), chosen)
        if not chosen or not choice.reminded:
            flash("No reminder was sent: none of the schools chosen can be reminded now", "error")
            return redirect_after_post(url_for("monitoring.tracker", window_id=window.id, **back))
        sent = rm.send(window, choice, current_user)
        count = len(sent)
        flash(f"Reminder sent to {count} {'school' if count == 1 else 'schools'}: {', '.join(row.school_name for row in choice.reminded)}", "success")
        return redirect_after_post(url_for("monitoring.tracker", window_id=window.id, **back))

    filters, errors, _, _ = _filters()
    every = request.args.get("which") == "all"
    chosen = None if every else _chosen_schools(request.args.getlist("school"))
    if chosen is not None and not chosen:
        errors = [{"text": "Select at least one school to remind, or remind every school shown", "href": url_for("monitoring.tracker", window_id=window.id, **filters.query()) + "#remind-form"}]
        choice = rm.Choice()
    else:
        choice = rm.choose(window, filters, chosen)
    return render_template(
        "officer/tracker_remind.html", window=window, choice=choice, preview=rm.preview(window, choice, current_user),
        filters=filters, errors=errors, error_list=errors,
    ), 422 if errors else 200


# The officers' home.


@bp.route("/home")
@allow(*COUNCIL_STAFF)
def home():
    moment = tr.now()
    return render_template("officer/home.html", panels=home_panels.gather(current_user, moment), alerts=alerts.open_alerts(), today=tr.today(moment))


@bp.route("/home/returns")
@allow(*COUNCIL_STAFF)
def returns_list():
    show = request.args.get("show", home_panels.WAITING)
    if show not in home_panels.LISTS:
        abort(404)
    return render_template(
        "officer/home_returns.html", show=show, title=home_panels.LISTS[show], rows=home_panels.returns_list(current_user, show),
        types={kind.key: kind for kind in tr.registry.all_types()}, shown_at=tr.now().isoformat(), seen_at=home_panels.seen_at(current_user),
        new=home_panels.NEW,
    )


@bp.route("/home/seen", methods=["POST"])
@allow(*COUNCIL_STAFF)
def mark_seen():
    """The officer has looked at the new submissions: those up to when the list was shown are seen."""
    from datetime import datetime

    raw = request.form.get("up_to", "")
    try:
        up_to = datetime.fromisoformat(raw) if len(raw) <= 40 else None
    except ValueError:
        up_to = None
    if up_to is None or up_to.tzinfo is None:
        flash("Nothing was marked as seen: the list was out of date. Here it is again", "error")
        return redirect_after_post(url_for("monitoring.returns_list", show=home_panels.NEW))
    home_panels.mark_seen(current_user, min(up_to, tr.now()))
    flash("The new submissions are marked as seen", "success")
    return redirect_after_post(url_for("monitoring.home"))


@bp.route("/home/alerts/<int:alert_id>/acknowledge", methods=["POST"])
@allow(*COUNCIL_STAFF)
def acknowledge_alert(alert_id: int):
    alert = db.session.get(ReturnAlert, alert_id)
    if alert is None:
        abort(404)
    school = db.session.get(School, alert.school_id)
    if alerts.acknowledge(alert, current_user):
        flash(f"Alert acknowledged: {alert.title} at {school.name}", "success")
    else:
        flash(f"{alerts.acknowledged_by(alert) or 'A colleague'} had already acknowledged the alert about {school.name}", "success")
    return redirect_after_post(url_for("monitoring.home"))
