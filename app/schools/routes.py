"""Schools: a school's own home page, the school page and the officers' list of schools."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from app.exports import Table, csv_response, xlsx_response
from app.forms.schools import SchoolDetailsForm, SchoolFilterForm, SuccessorForm
from app.htmx import render_page_or_fragment
from app.models import Role
from app.engine import registry
from app.permissions import COUNCIL_STAFF, EVERY_ROLE, allow, own_school_or_404, school_or_404
from app.engine import school_returns
from app.officer import alerts, reminders, tracker
from app.services import golden_thread
from app.services import schools as school_service
from app.services.schools import SchoolFilter
from app.support.view import school_support

bp = Blueprint("schools", __name__)


@bp.route("/school")
@allow(Role.SCHOOL)
def home():
    school = own_school_or_404()
    return render_template(
        "schools/home.html",
        school=school,
        colleagues=school_service.users_of(school),
        windows=school_returns.for_school_home(school, current_user),
        others=school_returns.for_other_schools(current_user),
        state_labels=registry.all_state_labels(),
        support=school_support(school, with_suggestion=False),
        viewer_is_council=False,
    )


@bp.route("/schools/<int:school_id>")
@allow(*EVERY_ROLE)
def school_page(school_id: int):
    school = school_or_404(school_id)
    return render_school_page(school)


def render_school_page(school, *, details_form=None, successor_form=None, status=200):
    """The school page, the golden thread; admins' forms on it come back here with their errors."""
    returns = school_returns.for_school_page(school, current_user)
    if current_user.is_admin:
        details_form = details_form or SchoolDetailsForm(data=details_form_data(school))
        successor_form = successor_form or SuccessorForm()
    return (
        render_template(
            "schools/school.html",
            school=school,
            users=school_service.users_of(school),
            successor=school_service.successor_of(school),
            predecessors=school_service.predecessors_of(school),
            returns=returns,
            returns_grid=golden_thread.returns_by_year(returns),
            type_panels=golden_thread.type_panels(school, current_user),
            support=school_support(school, with_suggestion=current_user.is_council_staff),
            state_labels=registry.all_state_labels(),
            viewer_is_council=current_user.is_council_staff,
            reminders=reminders.for_school(school) if current_user.is_council_staff else [],
            alerts=alerts.for_school(school) if current_user.is_council_staff else [],
            details_form=details_form,
            successor_form=successor_form,
        ),
        status,
    )


def details_form_data(school) -> dict:
    def choice(value):
        return "gias" if value is None else ("yes" if value else "no")

    return {
        "has_early_years": choice(school.has_early_years),
        "has_sixth_form": choice(school.has_sixth_form),
        "contact_email": school.contact_email or "",
    }


def _school_filter() -> tuple[SchoolFilterForm, SchoolFilter]:
    form = SchoolFilterForm(request.args)
    if not request.args.get("status"):
        form.status.data = "open"
    if not form.validate():
        # A filter nobody could have chosen (a forged phase, say) shows its error and filters nothing out.
        return form, SchoolFilter(status="all" if form.status.errors else form.status.data)
    return form, SchoolFilter(q=form.q.data or "", phase=form.phase.data or "", trust=form.trust.data or "", status=form.status.data)


@bp.route("/schools")
@allow(*COUNCIL_STAFF)
def schools():
    form, criteria = _school_filter()
    page = request.args.get("page", 1, type=int) or 1
    result = school_service.search_schools(criteria, page=page, per_page=current_app.config["SCHOOLS_PER_PAGE"])
    query = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_page_or_fragment(
        "schools/list.html", "schools/_list_results.html", form=form, filter_form=form, result=result, query=query,
        states=tracker.school_states(result.schools),
    )


def _schools_table() -> Table:
    """The register as the filter in the URL shows it, every matching school, for download."""
    _, criteria = _school_filter()

    def rows():
        for s in school_service.each_matching(criteria):
            yield (s.urn, s.name, s.phase, s.establishment_type, s.trust_name, s.statutory_low_age, s.statutory_high_age,
                   s.postcode, s.status)

    return Table(
        "Schools",
        ["URN", "Name", "Phase", "Type", "Trust", "Lowest age", "Highest age", "Postcode", "Status"],
        rows(),
    )


@bp.route("/schools/export.csv")
@allow(*COUNCIL_STAFF)
def export_schools():
    return csv_response(_schools_table())


@bp.route("/schools/export.xlsx")
@allow(*COUNCIL_STAFF)
def export_schools_xlsx():
    return xlsx_response(_schools_table())
