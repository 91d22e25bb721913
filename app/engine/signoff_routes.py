"""Asking the approvers to sign off: a contributor who has completed every section of a return, and
cannot submit it, mails the people who can (its type's policy names them).

On the returns blueprint (the URL sits under the return's), in a module of its own so the task list
and this change apart. Only the return's authors ask; anyone who has no part in the return gets a
404, as if it did not exist, and an approver, or a return not ready to ask about, is told why."""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_login import current_user

from app.engine import drafts, notices
from app.engine.lifecycle import LifecycleError
from app.engine.policy import APPROVER, AUTHOR
from app.engine.routes import _capacity, _context, bp
from app.htmx import redirect_after_post
from app.models import Role
from app.permissions import allow, return_or_404


def _names(people) -> str:
    names = [person.name for person in people]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@bp.route("/returns/<int:return_id>/ask-for-sign-off", methods=["POST"])
@allow(Role.SCHOOL)
def ask_for_sign_off(return_id: int):
    ret = return_or_404(return_id)
    who = _capacity(ret)
    if who not in (AUTHOR, APPROVER):
        abort(404)  # the host of a visit, a reader: the return is not theirs to write
    back = url_for("returns.overview", return_id=ret.id)
    if who == APPROVER:
        flash("You can sign off this return yourself: check your answers, then submit it.", "error")
        return redirect_after_post(back)
    school, _ = _context(ret)
    try:
        drafts.check_editable(ret, current_user)
        if drafts.incomplete(drafts.section_states(ret, school)):
            raise LifecycleError("Complete every section before you ask for sign-off")
        asked = notices.ask_for_sign_off(ret, current_user._get_current_object())
    except (LifecycleError, notices.SignOffRefused) as error:
        flash(f"{error.message}.", "error")
    else:
        flash(f"We have emailed {_names(asked)} to ask them to check the return and submit it.", "success")
    return redirect_after_post(back)
