"""A school's approvers, named by the head teacher (or another approver) as well as by administrators."""

from __future__ import annotations

from flask import Blueprint, flash, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app import audit
from app.extensions import db
from app.htmx import redirect_after_post
from app.models import Role, User
from app.permissions import allow, colleague_or_404, own_school_or_404
from app.services import users as user_service
from app.services.users import UserRuleError

bp = Blueprint("team", __name__)


def _page(school, *, status: int = 200, error: str = "", error_user_id: int | None = None):
    colleagues = list(
        db.session.scalars(
            select(User).where(User.school_id == school.id, User.role == Role.SCHOOL.value, User.active.is_(True)).order_by(User.name)
        )
    )
    return (
        render_template(
            "team/approvers.html",
            school=school,
            colleagues=colleagues,
            error_list=[{"text": error, "href": f"#approver-{error_user_id}" if error_user_id else "#people"}] if error else [],
        ),
        status,
    )


@bp.route("/school/approvers")
@allow(Role.SCHOOL)
def approvers():
    return _page(own_school_or_404())


@bp.route("/school/approvers/<int:user_id>", methods=["POST"])
@allow(Role.SCHOOL)
def set_approver(user_id: int):
    school = own_school_or_404()
    colleague = colleague_or_404(user_id)
    if not current_user.approver:
        return _page(school, status=403, error="Only an approver can name approvers. Ask your head teacher")
    choice = request.form.get("approver")
    if choice not in ("yes", "no"):
        return _page(school, status=422, error="Choose whether they can sign off returns", error_user_id=colleague.id)
    if choice == "no" and colleague.approver:
        others = db.session.scalar(
            select(func.count(User.id)).where(
                User.school_id == school.id, User.approver.is_(True), User.active.is_(True), User.id != colleague.id
            )
        )
        if not others:
            return _page(school, status=422, error="Your school needs at least one approver. Name another first", error_user_id=colleague.id)
    try:
        user_service.set_approver(colleague, choice == "yes")
    except UserRuleError as error:
        return _page(school, status=422, error=error.message, error_user_id=colleague.id)
    audit.record("approver_changed", subject=colleague, approver=colleague.approver)
    flash(f"{colleague.name} {'can now sign off' if colleague.approver else 'can no longer sign off'} your school's returns", "success")
    return redirect_after_post(url_for("team.approvers"))
