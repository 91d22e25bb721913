"""Schools: a school's own home page, the school page and the officers' overview."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from app.models import Role
from app.permissions import COUNCIL_STAFF, EVERY_ROLE, allow, own_school_or_404, school_or_404
from app.services import schools as school_service

bp = Blueprint("schools", __name__)


@bp.route("/school")
@allow(Role.SCHOOL)
def home():
    school = own_school_or_404()
    return render_template(
        "schools/home.html", school=school, colleagues=school_service.users_of(school)
    )


@bp.route("/schools/<int:school_id>")
@allow(*EVERY_ROLE)
def school_page(school_id: int):
    school = school_or_404(school_id)
    return render_template(
        "schools/school.html",
        school=school,
        users=school_service.users_of(school),
        viewer_is_council=current_user.is_council_staff,
    )


@bp.route("/review")
@allow(*COUNCIL_STAFF)
def review_overview():
    return render_template(
        "schools/review_overview.html",
        phase_counts=school_service.phase_counts(),
        schools=school_service.schools_with_user_counts(),
    )
