"""The migrations build exactly what the models describe, and the demo borough seeds through the CLI."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from app import create_app
from app.demo import academic_year_start
from app.extensions import db
from app.mail import outbox
from app.models import CollectionWindow, Return, ReturnSection, ReturnTransition, Role, School, SectionComment, Submission, User
from app.models.schools import PHASES
from app.engine import registry


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == [], f"the models and the migrations disagree: {diff}"


@pytest.fixture
def fresh_app(tmp_path):
    from flask_migrate import upgrade

    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/demo.db")
    with app.app_context():
        upgrade()
    return app


@pytest.mark.own_database
def test_seed_demo_builds_the_borough_with_the_given_password(fresh_app, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "a demo password for tests")
    result = fresh_app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "admin@example.org" in result.output and "head@alderbrook-primary-school.example.org" in result.output
    with fresh_app.app_context():
        schools = db.session.scalars(select(School)).all()
        assert 20 <= len(schools) <= 30
        assert {s.la_code for s in schools} == {"883"}
        assert {s.phase for s in schools} == set(PHASES)
        assert any(s.is_special for s in schools) and any(s.is_alternative_provision for s in schools)
        approvers = db.session.scalars(select(User).where(User.role == Role.SCHOOL, User.approver.is_(True))).all()
        assert len(approvers) == len(schools) and all(user.email.startswith("head@") for user in approvers)
        staff = db.session.scalars(select(User).where(User.role == Role.SCHOOL, User.approver.is_(False))).all()
        assert 3 <= len(staff) <= 8 and all(user.email.startswith("staff@") for user in staff)
        assert "staff@orchard-lane-primary-academy.example.org" in result.output
        admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
        assert admin.role == "admin"
        check_seeded_returns()
        check_seeded_wellbeing()
        check_seeded_careers()
        check_seeded_support()
    client = fresh_app.test_client()
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/sign-in").text).group(1)
    response = client.post(
        "/sign-in", data={"email": "admin@example.org", "password": "a demo password for tests", "csrf_token": token}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/admin/"
    staff_client = fresh_app.test_client()
    token = re.search(r'name="csrf-token" content="([^"]+)"', staff_client.get("/sign-in").text).group(1)
    response = staff_client.post(
        "/sign-in",
        data={"email": "staff@orchard-lane-primary-academy.example.org", "password": "a demo password for tests", "csrf_token": token},
    )
    assert response.status_code == 303 and response.headers["Location"] == "/school"
    home = staff_client.get("/school").text
    year = academic_year_start(date.today())
    assert f"Self-evaluation, autumn {year}" in home and f"Self-evaluation, autumn {year - 1}" in home
    assert "In progress" in home and "Continue" in home and "Accepted" in home

    again = fresh_app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "not seeded again" in again.output
    refused = fresh_app.test_cli_runner().invoke(args=["seed-demo"])
    assert refused.exit_code != 0


@pytest.mark.own_database
def test_seed_demo_generates_and_prints_a_password_when_none_is_given(fresh_app, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    result = fresh_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    password = re.search(r"password \(set DEMO_PASSWORD to choose one\): (\S+)", result.output).group(1)
    assert len(password) >= 12
    client = fresh_app.test_client()
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/sign-in").text).group(1)
    response = client.post(
        "/sign-in", data={"email": "officer@example.org", "password": password, "csrf_token": token}
    )
    assert response.headers["Location"] == "/home"


@pytest.mark.own_database
def test_create_admin_command(fresh_app):
    result = fresh_app.test_cli_runner().invoke(
        args=["create-admin", "--email", "Boss@Example.org", "--name", "Boss"],
        input="a long admin password\na long admin password\n",
    )
    assert result.exit_code == 0, result.output
    with fresh_app.app_context():
        user = db.session.scalar(select(User).where(User.email == "boss@example.org"))
        assert user.role == "admin"
    short = fresh_app.test_cli_runner().invoke(
        args=["create-admin", "--email", "x@example.org", "--name", "X"], input="short\nshort\n"
    )
    assert short.exit_code != 0 and "12 characters" in short.output


def check_seeded_returns() -> None:
    """Last year's self-evaluations accepted, this year's window open with schools at every state,
    all made through the lifecycle (a transition for every move), and nobody mailed about them."""
    today = date.today()
    year = academic_year_start(today)
    last, current = db.session.scalars(select(CollectionWindow).where(CollectionWindow.return_type == "sef").order_by(CollectionWindow.opens_on)).all()
    assert (last.title, current.title) == (f"Self-evaluation, autumn {year - 1}", f"Self-evaluation, autumn {year}")
    assert last.closed_at is not None and current.closed_at is None
    assert current.opens_on < today and 14 <= (current.due_on - today).days <= 28

    schools = {school.id: school for school in db.session.scalars(select(School))}
    accepted_last_year = db.session.scalars(select(Return).where(Return.window_id == last.id)).all()
    assert len(accepted_last_year) >= len(schools) * 2 // 3
    assert {ret.state for ret in accepted_last_year} == {"accepted"}
    assert sum(ret.late for ret in accepted_last_year) == 1
    kind = registry.get("sef")
    grades, priority_counts = set(), set()
    for ret in accepted_last_year:
        [submission] = db.session.scalars(select(Submission).where(Submission.return_id == ret.id)).all()
        school = schools[ret.school_id]
        sections = kind.sections_for(ret.form_version, school)
        assert set(submission.answers) == {section.key for section in sections}
        for section in sections:
            answers = submission.answers[section.key]
            # Every answer is in the shape the section's form saves, with nothing missing.
            assert section.form.load(answers, meta={"csrf": False}).answers() == answers, section.key
            assert all(value not in (None, "", []) for value in answers.values()), (school.name, section.key)
        grades |= {submission.answers[key]["grade"] for key in submission.answers if "grade" in submission.answers[key]}
        priority_counts.add(len(submission.answers["priorities"]["priorities"]))
        assert last.opens_on <= submission.submitted_at.date() <= last.due_on + timedelta(days=3)
    assert len(grades) >= 4 and len(priority_counts) >= 3 and min(priority_counts) >= 3 and max(priority_counts) <= 6

    states = {}
    for ret in db.session.scalars(select(Return).where(Return.window_id == current.id)):
        states.setdefault(ret.state, []).append(ret)
    in_scope = len(schools)
    assert set(states) == {"draft", "submitted", "returned", "accepted"}
    assert in_scope - sum(len(found) for found in states.values()) >= 2  # not started
    assert all(len(found) >= 2 for found in states.values())
    for ret in states["draft"]:
        assert db.session.scalar(select(func.count()).select_from(ReturnSection).where(ReturnSection.return_id == ret.id)) >= 2
    assert sum(ret.assigned_to_id is not None for ret in states["submitted"]) == 1
    for ret in states["returned"]:
        reason = db.session.scalar(
            select(ReturnTransition.reason).where(ReturnTransition.return_id == ret.id, ReturnTransition.to_state == "returned")
        )
        assert reason
        latest = db.session.scalar(select(Submission.id).where(Submission.return_id == ret.id).order_by(Submission.number.desc()).limit(1))
        assert db.session.scalar(select(func.count()).select_from(SectionComment).where(SectionComment.submission_id == latest)) >= 1
    # Every move went through the lifecycle: each return's history ends in its state.
    for ret in db.session.scalars(select(Return)):
        last_move = db.session.scalar(
            select(ReturnTransition).where(ReturnTransition.return_id == ret.id).order_by(ReturnTransition.at.desc(), ReturnTransition.id.desc()).limit(1)
        )
        assert last_move.to_state == ret.state
    assert outbox() == []


def check_seeded_wellbeing() -> None:
    """The mental-health action plans: a window of their own with schools at every state, answers
    in the shape the forms save, actions that fit each school's phase, some due soon and overdue."""
    today = date.today()
    year = academic_year_start(today)
    last, current = db.session.scalars(select(CollectionWindow).where(CollectionWindow.return_type == "wellbeing").order_by(CollectionWindow.opens_on)).all()
    assert current.title == f"Mental health action plan, autumn {year}" and current.closed_at is None
    kind = registry.get("wellbeing")
    states = {ret.state for ret in db.session.scalars(select(Return).where(Return.window_id == current.id))}
    assert states == {"draft", "submitted", "returned", "accepted"}
    schools = {school.id: school for school in db.session.scalars(select(School))}
    overdue = due_soon = 0
    for ret in db.session.scalars(select(Return).where(Return.window_id == current.id, Return.state != "draft")):
        submission = db.session.scalars(select(Submission).where(Submission.return_id == ret.id).order_by(Submission.number.desc())).first()
        school = schools[ret.school_id]
        for section in kind.sections_for(ret.form_version, school):
            answers = submission.answers[section.key]
            assert section.form.load(answers, meta={"csrf": False}).answers() == answers, section.key
        for action in submission.answers["action_plan"]["actions"]:
            target = date.fromisoformat(action["target_on"])
            assert date.fromisoformat(action["start_on"]) <= target
            overdue += target < today and action["status"] != "complete"
            due_soon += today <= target <= today + timedelta(days=14)
            if school.phase == "Nursery":
                assert "year 1" not in action["what"].lower() and "exam" not in action["what"].lower()
    assert overdue >= 2 and due_soon >= 2
    check_seeded_living_plans(today)


def check_seeded_living_plans(today: date) -> None:
    """Every accepted plan has living rows, and the school's own staff have updated them over the
    months since: several updates per action at different moments, all in the past, some actions
    complete, some at risk or off track; the plans still in force have overdue and due-soon actions."""
    from app.models.returns import LivingPlan, LivingRow, LivingUpdate
    from app.engine.living import DUE_SOON, OVERDUE, due_state, today_in_london

    accepted = db.session.scalars(select(Return).where(Return.return_type == "wellbeing", Return.state == "accepted")).all()
    assert accepted
    statuses, due = set(), []
    for ret in accepted:
        plan = db.session.scalar(select(LivingPlan).where(LivingPlan.return_id == ret.id))
        rows = db.session.scalars(select(LivingRow).where(LivingRow.return_id == ret.id)).all()
        assert plan is not None and rows, ret.id
        updates = db.session.execute(
            select(LivingUpdate, User).join(User, User.id == LivingUpdate.by_id).join(LivingRow, LivingRow.id == LivingUpdate.living_row_id).where(LivingRow.return_id == ret.id)
        ).all()
        assert all(user.school_id == ret.school_id for _, user in updates), "only the school's own staff update its plan"
        assert all(update.at.date() < today_in_london() for update, _ in updates)
        for row in rows:
            statuses.add(row.status)
            if plan.superseded_by_id is None:
                due.append(due_state(row, today))
        if plan.superseded_by_id is None and plan.accepted_at.date() < today - timedelta(days=200):
            per_row = {}
            for update, _ in updates:
                per_row.setdefault(update.living_row_id, []).append(update.at)
            assert all(len(times) >= 2 for times in per_row.values()) and len(per_row) == len(rows)
            moments = sorted(at for times in per_row.values() for at in times)
            assert (moments[-1] - moments[0]).days > 60, "updates over several months"
    assert {"complete", "at_risk", "off_track"} <= statuses
    assert OVERDUE in due and DUE_SOON in due


def check_seeded_careers() -> None:
    """The careers returns: two windows (last year's accepted, this year's at every state), only for
    schools with pupils in year 7 or above, answers in the shape the forms save with figures that fit
    each school's year groups, and scores that changed since last year (one school achieving all eight)."""
    from app.models import Fact
    from app.returns.careers.forms import years_taught

    year = academic_year_start(date.today())
    last, current = db.session.scalars(select(CollectionWindow).where(CollectionWindow.return_type == "careers").order_by(CollectionWindow.opens_on)).all()
    assert current.title == f"Careers benchmark return, autumn {year}"
    assert {ret.state for ret in db.session.scalars(select(Return).where(Return.window_id == last.id))} == {"accepted"}
    assert {ret.state for ret in db.session.scalars(select(Return).where(Return.window_id == current.id))} == {"draft", "submitted", "returned", "accepted"}
    kind = registry.get("careers")
    schools = {school.id: school for school in db.session.scalars(select(School))}
    for ret in db.session.scalars(select(Return).where(Return.return_type == "careers")):
        school = schools[ret.school_id]
        assert school.statutory_high_age >= 12, school.name
        submission = db.session.scalars(select(Submission).where(Submission.return_id == ret.id).order_by(Submission.number.desc())).first()
        if submission is None:
            continue
        for section in kind.sections_for(ret.form_version, school):
            answers = {key: value for key, value in submission.answers[section.key].items() if key != "_explanations"}
            assert section.form.load(answers, meta={"csrf": False}).answers() == answers, section.key
        figures = submission.answers["year_groups"]
        taught = years_taught(school.statutory_low_age, school.statutory_high_age)
        assert {int(key[1:].split("_")[0]) for key in figures if key != "_explanations"} == set(taught)
        for n in taught:
            roll = figures[f"y{n}_on_roll"]
            assert (4 if school.is_alternative_provision else 8 if school.is_special else 70) <= roll <= 420
            assert figures[f"y{n}_stem"] <= figures[f"y{n}_employer"] <= roll and figures[f"y{n}_workplace"] <= roll

    def average(window) -> float:
        return db.session.scalar(select(func.avg(Fact.number_value)).where(Fact.window_id == window.id, Fact.current.is_(True), Fact.key.like("benchmark.%")))

    assert average(current) > average(last)
    achieved = db.session.execute(
        select(Fact.school_id).where(Fact.window_id == last.id, Fact.current.is_(True), Fact.key.like("benchmark.%"), Fact.text_value == "achieved")
        .group_by(Fact.school_id).having(func.count() == 8)
    ).all()
    assert len(achieved) >= 1
    assert db.session.scalar(select(func.count()).select_from(Fact).where(Fact.key == "query", Fact.text_value != "")) >= 1


def check_seeded_support() -> None:
    """Schools in every category with a history, some decisions against the suggestion (each with
    its reason), some reviews fallen due, and two versions of the criteria."""
    from app.models.support import SupportCriteria, SupportDecision
    from app.support import decisions

    assert db.session.scalars(select(SupportCriteria.number).order_by(SupportCriteria.number)).all() == [1, 2]
    rows = db.session.scalars(select(SupportDecision).order_by(SupportDecision.id)).all()
    latest = {row.school_id: row for row in rows}
    assert {row.category for row in latest.values()} == {"green", "amber", "red"}
    assert all(sum(row.school_id == school_id for row in rows) >= 2 for school_id in latest)
    against = [row for row in latest.values() if row.suggested != row.category]
    assert against and all(row.departure for row in against)
    assert all(not row.departure for row in latest.values() if row.suggested == row.category)
    assert len({row.suggested for row in latest.values()}) >= 2
    assert decisions.reviews_due_count(date.today()) >= 2
    assert len(latest) < db.session.scalar(select(func.count()).select_from(School))  # some not yet categorised
