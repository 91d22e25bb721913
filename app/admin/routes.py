"""Administration: accounts (schools, triads and windows join as their issues land)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, render_template, request, url_for
from flask_login import current_user

from app import audit
from app.extensions import db
from app.forms.schools import GiasUploadForm, LinksUploadForm, SchoolDetailsForm, SuccessorForm
from app.forms.users import ChangeRoleForm, InviteManyForm, NewUserForm
from app.htmx import redirect_after_post, render_page_or_fragment
from app.models import Role, School
from app.models.types import utcnow
from app.permissions import allow, import_run_or_404, managed_user_or_404, school_or_404
from app.schools.routes import render_school_page
from app.security import body_limit
from app.services import gias
from app.services import invitations
from app.services import schools as school_service
from app.services import users as user_service
from app.services.invitations import MailLimitError
from app.services.users import UserRuleError

bp = Blueprint("admin", __name__)


@bp.route("/")
@allow(Role.ADMIN)
def index():
    return render_template(
        "admin/index.html",
        role_counts=user_service.counts_by_role(),
        phase_counts=school_service.phase_counts(),
        without_approver=school_service.schools_without_approver(),
    )


@bp.route("/users")
@allow(Role.ADMIN)
def users():
    query = request.args.get("q", "")[:200]
    page = request.args.get("page", 1, type=int) or 1
    result = user_service.search_users(query, page=page, per_page=current_app.config["USERS_PER_PAGE"])
    return render_page_or_fragment(
        "admin/users.html", "admin/_users_results.html", result=result, query=query, status_of=_status_of()
    )


def _status_of():
    """One clock for the whole page: status_of(user) is "active", "invited", "locked" or "deactivated"."""
    now = utcnow()
    return lambda person: invitations.account_status(person, now)


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
            user = invitations.invite(
                form.name.data, form.email.data, form.role.data, _school_for(form), invited_by=current_user
            )
        except UserRuleError as error:
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            flash(f"Account created for {user.name}. We have sent an invitation to {user.email}", "success")
            return redirect_after_post(url_for("admin.user", user_id=user.id))
    return render_template("admin/new_user.html", form=form), 422 if form.errors else 200


def _invite_many_page(form, *, problems=None, problem_count=0, problem_file=None, status=200):
    return (
        render_template(
            "admin/invite_many.html",
            form=form,
            problems=problems,
            problem_count=problem_count,
            problem_file=problem_file,
            max_rows=invitations.MAX_ROWS,
        ),
        status,
    )


@bp.route("/users/invite-many", methods=["GET", "POST"])
@allow(Role.ADMIN)
def invite_many():
    form = InviteManyForm()
    if request.method == "GET":
        return _invite_many_page(form)
    if not form.validate_on_submit():
        return _invite_many_page(form, status=422)
    upload = form.people.data
    try:
        checked = invitations.read_invitation_file(upload.stream)
    except invitations.InvitationFileError as error:
        form.people.errors.append(error.message)
        return _invite_many_page(form, status=422)
    if not checked.ok:
        form.people.errors.append(
            f"{checked.problem_count} {'problem' if checked.problem_count == 1 else 'problems'} in the file. "
            "Nobody was invited"
        )
        return _invite_many_page(
            form, problems=checked.problems, problem_count=checked.problem_count,
            problem_file=upload.filename, status=422,
        )
    try:
        people = invitations.invite_many(checked.invitees, invited_by=current_user)
    except UserRuleError as error:
        # Someone else created one of these accounts while the file was being checked.
        form.people.errors.append(f"{error.message}. Nobody was invited")
        return _invite_many_page(form, status=422)
    count = len(people)
    flash(f"{count} {'account' if count == 1 else 'accounts'} created and {'an invitation' if count == 1 else 'invitations'} sent", "success")
    return redirect_after_post(url_for("admin.users"))


def _user_page(user, role_form=None, status=200, rule_error=None, rule_error_target="deactivate"):
    if role_form is None:
        role_form = ChangeRoleForm(data={"role": user.role, "school_id": str(user.school_id or "")})
        role_form.set_school_choices(school_service.open_schools())
    now = utcnow()
    return (
        render_template(
            "admin/user.html",
            managed=user,
            form=role_form,
            rule_error=rule_error,
            rule_error_target=rule_error_target,
            status=invitations.account_status(user, now),
            invitation=invitations.pending_invitation(user) if invitations.is_invited(user) else None,
        ),
        status,
    )


@bp.route("/users/<int:user_id>")
@allow(Role.ADMIN)
def user(user_id: int):
    managed = managed_user_or_404(user_id)
    return _user_page(managed)


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@allow(Role.ADMIN)
def change_role(user_id: int):
    managed = managed_user_or_404(user_id)
    form = ChangeRoleForm()
    form.set_school_choices(school_service.open_schools())
    if form.validate_on_submit():
        before = (managed.role, managed.school_id)
        try:
            user_service.change_role(managed, role=form.role.data, school=_school_for(form))
        except UserRuleError as error:
            getattr(form, error.field or "role").errors.append(error.message)
        else:
            if (managed.role, managed.school_id) != before:
                # A new school is a change of what they may see, as much as a new role is.
                audit.record(
                    "role_changed",
                    subject=managed,
                    **{"from": before[0], "to": managed.role, "from_school_id": before[1], "to_school_id": managed.school_id},
                )
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
        return _user_page(managed, status=422, rule_error=error.message)
    audit.record("deactivated", subject=managed)
    flash(f"{managed.name} can no longer sign in", "success")
    return redirect_after_post(url_for("admin.user", user_id=managed.id))


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@allow(Role.ADMIN)
def reactivate_user(user_id: int):
    managed = managed_user_or_404(user_id)
    user_service.reactivate(managed)
    audit.record("reactivated", subject=managed)
    flash(f"{managed.name} can sign in again", "success")
    return redirect_after_post(url_for("admin.user", user_id=managed.id))


def _account_action(user_id: int, action, done: str, target: str):
    """Run one administrator's action on an account; a broken rule is shown on the user's page."""
    managed = managed_user_or_404(user_id)
    try:
        action(managed)
    except MailLimitError as error:
        return _user_page(managed, status=429, rule_error=error.message, rule_error_target=target)
    except UserRuleError as error:
        return _user_page(managed, status=422, rule_error=error.message, rule_error_target=target)
    flash(done.format(name=managed.name, email=managed.email), "success")
    return redirect_after_post(url_for("admin.user", user_id=managed.id))


@bp.route("/users/<int:user_id>/invitation/resend", methods=["POST"])
@allow(Role.ADMIN)
def resend_invitation(user_id: int):
    return _account_action(
        user_id,
        lambda managed: invitations.resend_invitation(managed, invited_by=current_user),
        "A new invitation has been sent to {email}. The earlier link no longer works",
        "invitation",
    )


@bp.route("/users/<int:user_id>/invitation/revoke", methods=["POST"])
@allow(Role.ADMIN)
def revoke_invitation(user_id: int):
    return _account_action(
        user_id,
        invitations.revoke_invitation,
        "The invitation to {name} no longer works",
        "invitation",
    )


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@allow(Role.ADMIN)
def unlock_user(user_id: int):
    return _account_action(user_id, invitations.unlock, "{name}'s account is unlocked", "unlock")


@bp.route("/users/<int:user_id>/sign-out-everywhere", methods=["POST"])
@allow(Role.ADMIN)
def sign_out_everywhere(user_id: int):
    return _account_action(
        user_id, invitations.sign_out_everywhere, "{name} has been signed out everywhere", "sign-out-everywhere"
    )


@bp.route("/users/<int:user_id>/mfa/reset", methods=["POST"])
@allow(Role.ADMIN)
def reset_mfa(user_id: int):
    return _account_action(
        user_id,
        invitations.reset_mfa,
        "{name}'s two-step verification has been reset. They will set it up again when they next sign in, if it is required",
        "mfa",
    )


@bp.route("/users/<int:user_id>/approver", methods=["POST"])
@allow(Role.ADMIN)
def set_approver(user_id: int):
    managed = managed_user_or_404(user_id)
    choice = request.form.get("approver")
    if choice not in ("yes", "no"):
        return _user_page(managed, status=422, rule_error="Select whether they can sign off returns", rule_error_target="approver")
    try:
        user_service.set_approver(managed, choice == "yes")
    except UserRuleError as error:
        return _user_page(managed, status=422, rule_error=error.message, rule_error_target="approver")
    audit.record("approver_changed", subject=managed, approver=managed.approver)
    flash(
        f"{managed.name} {'can now sign off' if managed.approver else 'can no longer sign off'} their school's returns",
        "success",
    )
    return redirect_after_post(url_for("admin.user", user_id=managed.id))


# The schools register ------------------------------------------------------------------------


def _import_page(gias_form=None, links_form=None, problems=None, problem_count=0, problem_file=None, status=200):
    gias_form = gias_form or GiasUploadForm(data={"la_code": current_app.config["LA_CODE"]})
    return (
        render_template(
            "admin/schools_import.html",
            form=gias_form if gias_form.errors or not (links_form and links_form.errors) else links_form,
            gias_form=gias_form,
            links_form=links_form or LinksUploadForm(),
            problems=problems,
            problem_count=problem_count,
            problem_file=problem_file,
            recent=school_service.recent_import_runs(),
        ),
        status,
    )


@bp.route("/schools/import", methods=["GET"])
@allow(Role.ADMIN)
def import_schools():
    return _import_page()


@bp.route("/schools/import", methods=["POST"])
@allow(Role.ADMIN)
@body_limit("GIAS_MAX_UPLOAD_BYTES")
def import_schools_upload():
    form = GiasUploadForm()
    if not form.validate_on_submit():
        return _import_page(gias_form=form, status=422)
    upload = form.establishments.data
    try:
        result = gias.import_establishments(upload.stream, form.la_code.data)
    except gias.GiasFileError as error:
        form.establishments.errors.append(error.message)
        return _import_page(gias_form=form, status=422)
    if not result.applied:
        form.establishments.errors.append(
            f"{result.problem_count} {'row' if result.problem_count == 1 else 'rows'} of the file could not be read. "
            "Nothing was imported"
        )
        return _import_page(
            gias_form=form, problems=result.problems, problem_count=result.problem_count,
            problem_file=upload.filename, status=422,
        )
    run = school_service.record_import_run("gias", upload.filename, form.la_code.data, current_user, result)
    return redirect_after_post(url_for("admin.import_run", run_id=run.id))


@bp.route("/schools/links/import", methods=["POST"])
@allow(Role.ADMIN)
@body_limit("GIAS_MAX_UPLOAD_BYTES")
def import_links_upload():
    form = LinksUploadForm()
    if not form.validate_on_submit():
        return _import_page(links_form=form, status=422)
    upload = form.links.data
    try:
        result = gias.import_links(upload.stream)
    except gias.GiasFileError as error:
        form.links.errors.append(error.message.replace("not a GIAS extract", "not a GIAS links file"))
        return _import_page(links_form=form, status=422)
    if not result.applied:
        form.links.errors.append(f"{result.problem_count} rows of the links file could not be used. Nothing was linked")
        return _import_page(
            links_form=form, problems=result.problems, problem_count=result.problem_count,
            problem_file=upload.filename, status=422,
        )
    run = school_service.record_import_run("links", upload.filename, None, current_user, result)
    return redirect_after_post(url_for("admin.import_run", run_id=run.id))


@bp.route("/schools/imports/<int:run_id>")
@allow(Role.ADMIN)
def import_run(run_id: int):
    run = import_run_or_404(run_id)
    return render_template("admin/import_run.html", run=run)


@bp.route("/schools/<int:school_id>/details", methods=["POST"])
@allow(Role.ADMIN)
def edit_school_details(school_id: int):
    school = school_or_404(school_id)
    form = SchoolDetailsForm()
    if not form.validate_on_submit():
        return render_school_page(school, details_form=form, status=422)
    as_bool = {"gias": None, "yes": True, "no": False}
    school_service.update_council_details(
        school,
        has_early_years=as_bool[form.has_early_years.data],
        has_sixth_form=as_bool[form.has_sixth_form.data],
        contact_email=form.contact_email.data,
    )
    flash("School details saved", "success")
    return redirect_after_post(url_for("schools.school_page", school_id=school.id))


@bp.route("/schools/<int:school_id>/successor", methods=["POST"])
@allow(Role.ADMIN)
def link_school_successor(school_id: int):
    school = school_or_404(school_id)
    form = SuccessorForm()
    if form.validate_on_submit():
        successor = school_service.school_by_urn(form.successor_urn.data)
        if successor is None:
            form.successor_urn.errors.append("No school with this URN is on the register. Import it from GIAS first")
        else:
            try:
                moved = gias.link_successor(school, successor)
            except gias.SuccessorError as error:
                form.successor_urn.errors.append(error.message)
            else:
                flash(
                    f"{successor.name} is recorded as the successor of {school.name}"
                    + (f"; {moved} {'account' if moved == 1 else 'accounts'} moved to it" if moved else ""),
                    "success",
                )
                return redirect_after_post(url_for("schools.school_page", school_id=school.id))
    return render_school_page(school, successor_form=form, status=422)
