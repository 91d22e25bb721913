"""Administration: accounts (schools, triads and windows join as their issues land)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, render_template, request, url_for

from app.extensions import db
from app.forms.users import ChangeRoleForm, NewUserForm
from app.htmx import redirect_after_post, render_page_or_fragment
from app.models import Role, School
from app.permissions import allow, managed_user_or_404
from app.services import schools as school_service
from app.services import users as user_service
from app.services.users import UserRuleError

bp = Blueprint("admin", __name__)


@bp.route("/")
@allow(Role.ADMIN)
def index():
    return render_template(
        "admin/index.html",
        role_counts=user_service.counts_by_role(),
        phase_counts=school_service.phase_counts(),
    )


@bp.route("/users")
@allow(Role.ADMIN)
def users():
    query = request.args.get("q", "")[:200]
    page = request.args.get("page", 1, type=int) or 1
    result = user_service.search_users(query, page=page, per_page=current_app.config["USERS_PER_PAGE"])
    return render_page_or_fragment("admin/users.html", "admin/_users_results.html", result=result, query=query)


def _school_for(form) -> School | None:
    school_id = form.school_id.school_id
    return db.session.get(School, school_id) if school_id else None


@bp.route("/users/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def new_user():
    form = NewUserForm()
    form.set_school_choices(school_service.open_schools())
    if form.validate_on_submit():
        try:
            user = user_service.create_user(
                name=form.name.data,
                email=form.email.data,
                role=form.role.data,
                school=_school_for(form),
                password=form.password.data,
            )
        except UserRuleError as error:
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            flash(f"Account created for {user.name}", "success")
            return redirect_after_post(url_for("admin.user", user_id=user.id))
    return render_template("admin/new_user.html", form=form), 422 if form.errors else 200


def _user_page(user, role_form, status=200, rule_error=None):
    return (
        render_template("admin/user.html", managed=user, form=role_form, rule_error=rule_error),
        status,
    )


@bp.route("/users/<int:user_id>")
@allow(Role.ADMIN)
def user(user_id: int):
    managed = managed_user_or_404(user_id)
    form = ChangeRoleForm(data={"role": managed.role, "school_id": str(managed.school_id or "")})
    form.set_school_choices(school_service.open_schools())
    return _user_page(managed, form)


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@allow(Role.ADMIN)
def change_role(user_id: int):
    managed = managed_user_or_404(user_id)
    form = ChangeRoleForm()
    form.set_school_choices(school_service.open_schools())
    if form.validate_on_submit():
        try:
            user_service.change_role(managed, role=form.role.data, school=_school_for(form))
        except UserRuleError as error:
            getattr(form, error.field or "role").errors.append(error.message)
        else:
            flash(f"{managed.name}'s role is now {Role(managed.role).label.lower()}", "success")
            return redirect_after_post(url_for("admin.user", user_id=managed.id))
    return _user_page(managed, form, status=422)


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@allow(Role.ADMIN)
def deactivate_user(user_id: int):
    managed = managed_user_or_404(user_id)
    try:
        user_service.deactivate(managed)
    except UserRuleError as error:
        form = ChangeRoleForm(data={"role": managed.role, "school_id": str(managed.school_id or "")})
        form.set_school_choices(school_service.open_schools())
        return _user_page(managed, form, status=422, rule_error=error.message)
    flash(f"{managed.name} can no longer sign in", "success")
    return redirect_after_post(url_for("admin.user", user_id=managed.id))


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@allow(Role.ADMIN)
def reactivate_user(user_id: int):
    managed = managed_user_or_404(user_id)
    user_service.reactivate(managed)
    flash(f"{managed.name} can sign in again", "success")
    return redirect_after_post(url_for("admin.user", user_id=managed.id))
