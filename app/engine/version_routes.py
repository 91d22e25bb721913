"""Earlier versions of a section on the school's side: the list, one version read-only, and
restoring one as the working copy while the return can still be changed.

On the returns blueprint (the URLs sit under the section's), in a module of its own so the section
screens and these change apart. The same gate as the section page, and then only the return's
editors: the people who read a return once it is submitted never see its drafts."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user

from app.engine import drafts, reviews, versions
from app.engine.drafts import SectionConflict
from app.engine.lifecycle import LifecycleError
from app.engine.policy import EDITORS
from app.engine.routes import _capacity, _editable, _section_or_404, bp
from app.formatting import govuk_datetime
from app.htmx import redirect_after_post
from app.models import Role
from app.models.returns import SECTION_LABELS
from app.permissions import allow

OUT_OF_DATE = "This page was out of date. Check this version again before you restore it"
CHANGED_SINCE = (
    "Not restored: someone has saved this section since you opened this page. "
    "Check the answers below again, or look at the current version first, then restore this version if you still want it"
)


def _editors_section_or_404(return_id: int, key: str):
    """The section, as the section page gives it, for the return's editors only: 404 for anyone else."""
    ret, school, window, state = _section_or_404(return_id, key)
    if _capacity(ret) not in EDITORS:
        abort(404)
    return ret, school, window, state


def _version_or_404(ret, key: str, version_id: int) -> versions.VersionRow:
    found = versions.version_of(ret.id, key, version_id)
    if found is None:
        abort(404)
    return found


@bp.route("/returns/<int:return_id>/sections/<key>/versions", endpoint="versions")
@allow(Role.SCHOOL)
def versions_list(return_id: int, key: str):
    ret, school, window, state = _editors_section_or_404(return_id, key)
    reviews.record_read(ret)
    return render_template(
        "returns/versions.html",
        ret=ret,
        school=school,
        window=window,
        state=state,
        section=state.section,
        current_by=versions.saved_by(state.saved),
        kept=versions.versions_of(ret.id, key),
        blocked=_editable(ret),
        section_labels=SECTION_LABELS,
    )


def _render_version(ret, school, window, state, found, *, current_version: int, problem: str = "", status: int = 200):
    version = found.version
    return (
        render_template(
            "returns/version.html",
            ret=ret,
            school=school,
            window=window,
            section=state.section,
            found=found,
            version=version,
            rows=state.section.form.rows(version.answers or {}),
            invalid=versions.invalid_values(state.section, version),
            blocked=_editable(ret),
            current_version=current_version,
            error_list=[{"text": problem, "href": "#restore"}] if problem else [],
            section_labels=SECTION_LABELS,
        ),
        status,
    )


@bp.route("/returns/<int:return_id>/sections/<key>/versions/<int:version_id>")
@allow(Role.SCHOOL)
def version(return_id: int, key: str, version_id: int):
    ret, school, window, state = _editors_section_or_404(return_id, key)
    found = _version_or_404(ret, key, version_id)
    reviews.record_read(ret)
    return _render_version(ret, school, window, state, found, current_version=state.version)


def _posted_version() -> int | None:
    value = request.form.get("version", "")
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        return None
    return int(value)


@bp.route("/returns/<int:return_id>/sections/<key>/versions/<int:version_id>/restore", methods=["POST"])
@allow(Role.SCHOOL)
def restore_version(return_id: int, key: str, version_id: int):
    """The version becomes the working copy again, if nobody has saved the section since the
    version page was loaded (its hidden `version`); the copy it replaces is kept."""
    ret, school, window, state = _editors_section_or_404(return_id, key)
    found = _version_or_404(ret, key, version_id)
    blocked = _editable(ret)
    if blocked:
        flash(blocked, "error")
        return redirect_after_post(url_for("returns.overview", return_id=ret.id))
    loaded = _posted_version()
    if loaded is None:
        return _render_version(ret, school, window, state, found, current_version=state.version, problem=OUT_OF_DATE, status=409)
    try:
        drafts.restore_version(ret, found.version, loaded_version=loaded, user=current_user)
    except SectionConflict as conflict:
        current = conflict.current.version if conflict.current is not None else 0
        return _render_version(ret, school, window, state, found, current_version=current, problem=CHANGED_SINCE, status=409)
    except LifecycleError as error:
        flash(error.message, "error")
        return redirect_after_post(url_for("returns.overview", return_id=ret.id))
    who = f" by {found.saved_by}" if found.saved_by else ""
    flash(
        f"The version of ‘{state.section.title}’ saved on {govuk_datetime(found.version.saved_at)}{who} has been restored. "
        "The version it replaced is kept. Check the answers and save the section to mark it as completed",
        "success",
    )
    return redirect_after_post(url_for("returns.section", return_id=ret.id, key=key))
