"""Support categories: the published criteria (everyone signed in), an officer setting a school's
category, the schools whose review has fallen due, and an administrator publishing a new version."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_login import current_user

from app.engine.living import today_in_london
from app.exports import Table, download
from app.htmx import redirect_after_post
from app.models import Role
from app.models.types import utcnow
from app.permissions import COUNCIL_STAFF, EVERY_ROLE, allow, school_or_404
from app.support import criteria as criteria_data
from app.support import decisions
from app.officer.home import HomeCount, HomePanel, register_panel
from app.support.forms import SupportCategoryForm, criteria_form
from app.support.view import school_support

bp = Blueprint("support", __name__)


@bp.route("/support/criteria")
@allow(*EVERY_ROLE)
def criteria():
    versions = criteria_data.all_versions()
    return render_template("support/criteria.html", criteria=versions[0], versions=versions, current=True)


@bp.route("/support/criteria/<int:number>")
@allow(*EVERY_ROLE)
def criteria_version(number: int):
    found = criteria_data.version(number)
    if found is None:
        abort(404)
    versions = criteria_data.all_versions()
    return render_template("support/criteria.html", criteria=found, versions=versions, current=found.number == versions[0].number)


@bp.route("/schools/<int:school_id>/support", methods=["GET", "POST"])
@allow(*COUNCIL_STAFF)
def set_category(school_id: int):
    school = school_or_404(school_id)
    now = utcnow()
    support = school_support(school, with_suggestion=True, now=now)
    form = SupportCategoryForm()
    form.offer(support.criteria)
    if form.is_submitted() and form.validate():
        today = today_in_london(now)
        if form.review_on.data < today:
            form.review_on.errors.append("The review date must be today or in the future")
        against = form.category.data != support.suggestion.category.key
        if against and not form.departure.data:
            form.departure.errors.append(f"Enter why you chose other than the suggested category, {support.suggestion.category.name}")
        if not form.errors:
            decisions.decide(school, category=form.category.data, reason=form.reason.data, departure=form.departure.data or "",
                             review_on=form.review_on.data, suggestion=support.suggestion, by=current_user, today=today)
            category = support.criteria.category(form.category.data)
            flash(f"{school.name} is now in the {category.name} support category", "success")
            return redirect_after_post(url_for("schools.school_page", school_id=school.id) + "#support")
    elif not form.is_submitted() and support.decision is not None:
        form.category.data = support.decision.row.category
    status = 422 if form.errors else 200
    return render_template("support/set_category.html", school=school, support=support, form=form if form.errors else None,
                           category_form=form), status


@bp.route("/support/reviews-due")
@allow(*COUNCIL_STAFF)
def reviews_due():
    today = today_in_london()
    due = decisions.reviews_due(today)
    fmt = request.args.get("download")
    if fmt:
        return download(Table("Support category reviews due", ["School", "URN", "Category", "Review date", "Days since"],
                              [(row.school_name, row.urn, row.category, row.review_on, (today - row.review_on).days) for row in due]), fmt)
    return render_template("support/reviews_due.html", due=due, today=today)


def reviews_due_counts(user, moment) -> list[HomeCount]:
    """On the officers' home: how many schools' category reviews have fallen due."""
    count = decisions.reviews_due_count(today_in_london(moment))
    return [HomeCount("Category reviews fallen due", count, url_for("support.reviews_due"), "Schools whose review date has passed", urgent=True)]


register_panel(HomePanel("support", "Support categories", reviews_due_counts, order=35))


@bp.route("/support/criteria/change", methods=["GET", "POST"])
@allow(Role.ADMIN)
def change_criteria():
    """An administrator publishes a new version; decisions already made keep the version they were made under."""
    current = criteria_data.current()
    form = criteria_form(current)
    meanwhile = f"Version {current.number} was published while you were making these changes: read it and make yours again"
    if form.validate_on_submit():
        if form.based_on.data != str(current.number):
            form.note.errors.append(meanwhile)
        else:
            categories, rules = criteria_data.as_data(current)
            for category in categories:
                for part in ("name", "description", "criteria"):
                    category[part] = form[f"category_{category['key']}_{part}"].data
            for rule in rules:
                rule["wording"] = form[f"rule_{rule['key']}_wording"].data
                rule["category"] = form[f"rule_{rule['key']}_category"].data
                if "days" in rule["params"]:
                    rule["params"]["days"] = int(form[f"rule_{rule['key']}_days"].data)
            try:
                published = criteria_data.publish(categories, rules, form.note.data, current_user, based_on=current.number)
            except criteria_data.PublishedMeanwhile:
                form.note.errors.append(meanwhile)
            else:
                flash(f"Version {published.number} of the support criteria is published", "success")
                return redirect_after_post(url_for("support.criteria"))
    status = 422 if form.errors else 200
    return render_template("support/change_criteria.html", criteria=current, form=form if form.errors else None, criteria_form=form), status
