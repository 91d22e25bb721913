"""Living plans (app/engine/living.py): a list of an accepted return that the school keeps up to date
through the year, declared by a test-only type (tests/engine/living_type.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html import unescape

import pytest
from sqlalchemy import func, select

from app.engine import drafts, lifecycle, living, registry
from app.engine import notices as scheduled
from app.extensions import db
from app.mail import outbox, pending_mail
from app.models import Return, Role, SentNotice, Submission
from app.models.returns import LivingPlan, LivingRow, LivingUpdate
from tests.engine import living_type
from tests.returns.test_sef_sections import Browser, make_window

A, B, C = "a00000000001", "b00000000002", "c00000000003"
SECRET = "Counselling for the pupil in Year 5"


@pytest.fixture
def plan_type():
    registry.register(living_type.RETURN_TYPE)
    yield living_type.RETURN_TYPE
    registry.unregister(living_type.RETURN_TYPE.key)


@dataclass
class World:
    school: object
    other_school: object
    window: object
    approver: object
    author: object
    outsider: object
    officer: object


@pytest.fixture
def world(app, factory, plan_type) -> World:
    school = factory.school(name="Willowbank Primary School", phase="Primary")
    other = factory.school(name="Meadowview Primary", phase="Primary")
    window = make_window(return_type="support_plan", academic_year="2026/27", period="autumn", title="Support plan 2026/27", phases=["Primary"])
    return World(
        school, other, window,
        approver=factory.user(Role.SCHOOL, school=school, approver=True, name="Hana Head"),
        author=factory.user(Role.SCHOOL, school=school, name="Sam Senco"),
        outsider=factory.user(Role.SCHOOL, school=other, approver=True, name="Olly Outsider"),
        officer=factory.user(Role.OFFICER, name="Link Officer"),
    )


def today():
    return living.today_in_london()


def action(row_id, what, *, status="not_started", days=60, progress=""):
    return {"id": row_id, "what": what, "status": status, "target_on": (today() + timedelta(days=days)).isoformat(), "progress": progress}


def default_actions():
    return [action(A, "Train staff in emotion coaching"), action(B, SECRET, days=5), action(C, "Set up a quiet room", days=-3)]


def submitted(world: World, actions=None, window=None) -> Return:
    window = window or world.window
    ret = drafts.return_for(window, world.school) or drafts.start_return(world.approver, window, world.school, from_previous=False)
    key = "action_plan"
    state = drafts.section_state(ret, world.school, key)
    drafts.save_section(ret, key, {"actions": actions if actions is not None else default_actions()}, loaded_version=state.version, user=world.approver, status="completed")
    lifecycle.perform(lifecycle.SUBMIT, ret, world.approver)
    return ret


def accepted(world: World, actions=None, window=None) -> Return:
    ret = submitted(world, actions, window)
    lifecycle.perform(lifecycle.ACCEPT, ret, world.officer)
    outbox().clear()
    return ret


def page(response) -> str:
    return unescape(response.get_data(as_text=True))


def update(browser, ret, row_id, status, note="", **kwargs):
    return browser.post(f"/returns/{ret.id}/plan/{row_id}", {"status": status, "note": note}, **kwargs)


def test_accepting_makes_each_row_a_living_row_and_leaves_the_snapshot_alone(world):
    ret = accepted(world)
    snapshot = db.session.scalar(select(Submission.answers).where(Submission.return_id == ret.id))
    rows = db.session.scalars(select(LivingRow).where(LivingRow.return_id == ret.id).order_by(LivingRow.position)).all()
    assert [(r.row_id, r.title, r.status, r.removed) for r in rows] == [
        (A, "Train staff in emotion coaching", "not_started", False), (B, SECRET, "not_started", False), (C, "Set up a quiet room", "not_started", False)
    ]
    assert rows[0].target_on == today() + timedelta(days=60)
    plan = living.plan_of(ret.id)
    assert plan.next_review_on == today() + timedelta(days=91) and plan.superseded_by_id is None

    living.add_update(ret, rows[0], user=world.author, status="on_track", note="Two sessions done")
    assert db.session.scalar(select(Submission.answers).where(Submission.return_id == ret.id)) == snapshot


def test_updates_are_kept_in_order_with_who_and_when_and_shown_as_a_timeline(app, world):
    ret = accepted(world)
    author, approver = Browser(app, world.author), Browser(app, world.approver)
    response = update(author, ret, A, "on_track", "First session held")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/returns/{ret.id}/plan/{A}")
    response = update(approver, ret, A, "at_risk", "Trainer cancelled", htmx=True)
    assert response.status_code == 200 and response.headers.get("Vary", "").count("HX-Request")
    fragment = page(response)
    assert 'id="living-row"' in fragment and "<html" not in fragment and "Your update has been saved" in fragment
    assert "Trainer cancelled</textarea>" not in fragment, "the form starts afresh for the next update"
    entries = db.session.execute(
        select(LivingUpdate.status, LivingUpdate.note, LivingUpdate.by_id).join(LivingRow).where(LivingRow.row_id == A).order_by(LivingUpdate.id)
    ).all()
    assert entries == [("on_track", "First session held", world.author.id), ("at_risk", "Trainer cancelled", world.approver.id)]
    row = db.session.scalar(select(LivingRow).where(LivingRow.return_id == ret.id, LivingRow.row_id == A))
    assert (row.status, row.note, row.updated_by_id) == ("at_risk", "Trainer cancelled", world.approver.id)
    text = page(author.get(f"/returns/{ret.id}/plan/{A}"))
    assert text.index("Trainer cancelled") < text.index("First session held")  # newest first
    assert "Sam Senco" in text and "Hana Head" in text
    plan_page = page(author.get(f"/returns/{ret.id}/plan"))
    assert "At risk" in plan_page and "Trainer cancelled" in plan_page


def test_only_the_schools_editors_update_and_officers_read(app, world):
    ret = accepted(world)
    outsider, officer, author = Browser(app, world.outsider), Browser(app, world.officer), Browser(app, world.author)
    assert outsider.get(f"/returns/{ret.id}/plan").status_code == 404
    assert outsider.get(f"/returns/{ret.id}/plan/{A}").status_code == 404
    assert update(outsider, ret, A, "complete").status_code == 404
    # Officers read the plan and the timeline, without the form, and cannot post.
    assert officer.get(f"/returns/{ret.id}/plan").status_code == 200
    row_page = officer.get(f"/returns/{ret.id}/plan/{A}")
    assert row_page.status_code == 200 and "Save update" not in page(row_page)
    assert update(officer, ret, A, "complete").status_code == 404
    # A forged token, a status not in the type's list, a note too long: nothing kept.
    assert update(author, ret, A, "complete", token="forged").status_code == 400
    refused = update(author, ret, A, "finished")
    assert refused.status_code == 422 and "Select the action’s status" in page(refused)
    assert update(author, ret, A, "complete", "x" * 2001).status_code == 422
    assert update(author, ret, "f00000000009", "complete").status_code == 404
    assert db.session.scalar(select(func.count(LivingUpdate.id))) == 0
    # HTML in a note is shown as text everywhere.
    assert update(author, ret, A, "on_track", "<script>alert(1)</script> & more").status_code == 303
    for path in (f"/returns/{ret.id}/plan/{A}", f"/returns/{ret.id}/plan"):
        raw = author.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in raw and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in raw


def test_a_plan_not_accepted_takes_no_updates(app, world):
    ret = submitted(world)
    author = Browser(app, world.author)
    assert author.get(f"/returns/{ret.id}/plan").status_code == 404
    assert update(author, ret, A, "on_track").status_code == 404
    # Accepted, then reopened: the plan is read, not updated, until it is accepted again.
    lifecycle.perform(lifecycle.ACCEPT, ret, world.officer)
    lifecycle.perform(lifecycle.REOPEN, ret, world.officer, reason="Add a target date")
    refused = update(author, ret, A, "on_track", "Kept?")
    assert refused.status_code == 409 and "not accepted" in page(refused)
    assert db.session.scalar(select(func.count(LivingUpdate.id))) == 0


def test_reopened_and_accepted_again_each_row_keeps_its_history_by_id(app, world):
    ret = accepted(world)
    author = Browser(app, world.author)
    assert update(author, ret, A, "on_track", "Going well").status_code == 303
    assert update(author, ret, C, "at_risk", "No room yet").status_code == 303
    lifecycle.perform(lifecycle.REOPEN, ret, world.officer, reason="Reword the first action")
    # The school rewords A, drops C and adds a new row; B moves to the top.
    actions = [action(B, SECRET, days=5), action(A, "Train every member of staff in emotion coaching"), action("d00000000004", "Peer mentors")]
    state = drafts.section_state(ret, world.school, "action_plan")
    drafts.save_section(ret, "action_plan", {"actions": actions}, loaded_version=state.version, user=world.approver, status="completed")
    lifecycle.perform(lifecycle.SUBMIT, ret, world.approver)
    lifecycle.perform(lifecycle.ACCEPT, ret, world.officer)
    rows = {row.row_id: row for row in db.session.scalars(select(LivingRow).where(LivingRow.return_id == ret.id))}
    assert rows[A].title == "Train every member of staff in emotion coaching"
    assert (rows[A].status, rows[A].note, rows[A].position) == ("on_track", "Going well", 1)
    assert rows[C].removed and rows[C].note == "No room yet"
    assert not rows["d00000000004"].removed and rows["d00000000004"].status == "not_started"
    assert db.session.scalar(select(func.count(LivingUpdate.id))) == 2
    plan_page = page(author.get(f"/returns/{ret.id}/plan"))
    assert "No longer in the plan" in plan_page
    assert update(author, ret, C, "complete").status_code == 409


def test_due_soon_and_overdue_are_sql_and_shown_as_tags(app, world):
    ret = accepted(world)
    day = today()
    overdue = db.session.scalars(select(LivingRow.row_id).where(LivingRow.return_id == ret.id, living.overdue_rows(day))).all()
    due_soon = db.session.scalars(select(LivingRow.row_id).where(LivingRow.return_id == ret.id, living.due_soon_rows(day))).all()
    assert (overdue, due_soon) == ([C], [B])
    text = page(Browser(app, world.author).get(f"/returns/{ret.id}/plan"))
    assert text.count("Overdue") == 1 and text.count("Due soon") == 1
    # A complete row is neither.
    row = db.session.scalar(select(LivingRow).where(LivingRow.row_id == C))
    living.add_update(ret, row, user=world.author, status="complete", note="")
    assert db.session.scalars(select(LivingRow.row_id).where(living.overdue_rows(day))).all() == []


def test_next_years_plan_makes_this_years_read_only_and_starts_from_each_rows_latest_state(app, world):
    ret = accepted(world)
    author = Browser(app, world.author)
    assert update(author, ret, A, "on_track", "Half the staff trained").status_code == 303
    assert update(author, ret, A, "complete", "Everyone trained").status_code == 303
    snapshot = db.session.scalar(select(Submission.answers).where(Submission.return_id == ret.id))
    later = make_window(
        return_type="support_plan", academic_year="2027/28", period="autumn", title="Support plan 2027/28", phases=["Primary"],
        opens_on=world.window.opens_on + timedelta(days=1),
    )
    next_year = drafts.start_return(world.approver, later, world.school, from_previous=True)
    copied = drafts.section_state(next_year, world.school, "action_plan").answers["actions"]
    first = next(row for row in copied if row["id"] == A)
    assert (first["status"], first["progress"]) == ("complete", "Everyone trained")
    assert db.session.scalar(select(Submission.answers).where(Submission.return_id == ret.id)) == snapshot
    # Until next year's plan is accepted, this year's is still updated.
    assert update(author, ret, B, "on_track").status_code == 303
    lifecycle.perform(lifecycle.SUBMIT, next_year, world.approver)
    lifecycle.perform(lifecycle.ACCEPT, next_year, world.officer)
    assert living.plan_of(ret.id).superseded_by_id == next_year.id
    assert living.plan_of(next_year.id).superseded_by_id is None
    refused = update(author, ret, B, "complete")
    assert refused.status_code == 409 and "later plan" in page(refused)
    assert "Save update" not in page(author.get(f"/returns/{ret.id}/plan/{B}"))
    assert update(author, next_year, B, "complete").status_code == 303


def test_the_plans_review_and_its_overdue_actions_are_each_mailed_once_as_a_count(app, world):
    ret = accepted(world)
    plan = living.plan_of(ret.id)
    moment = datetime.combine(plan.next_review_on, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=12)
    # By the review date, every action's target has passed: three are overdue.
    sent = scheduled.send_due(moment)
    keys = sorted((notice.key, notice.user.id) for notice in sent if notice.subject == f"return:{ret.id}")
    assert keys == sorted([("living_review", world.approver.id), ("living_review", world.author.id), ("living_overdue", world.approver.id), ("living_overdue", world.author.id)])
    # Queued with the transaction (it goes when the command commits).
    mails = [mail for mail in pending_mail() if f"/returns/{ret.id}/plan" in mail.body]
    assert len(mails) == 4 and {mail.to for mail in mails} == {world.approver.email, world.author.email}
    for mail in mails:
        for words in (SECRET, "emotion coaching", "quiet room"):
            assert words not in mail.body and words not in mail.subject
        assert f"/returns/{ret.id}/plan" in mail.body
    overdue = [mail for mail in mails if "overdue" in mail.subject]
    assert len(overdue) == 2 and all("3 actions overdue" in mail.subject for mail in overdue)
    # Sent once: the same moment, or a later one with nothing new, sends nothing more.
    assert [n for n in scheduled.send_due(moment) if n.subject == f"return:{ret.id}"] == []
    assert [n for n in scheduled.send_due(moment + timedelta(days=1)) if n.subject == f"return:{ret.id}"] == []
    assert db.session.scalar(select(func.count(SentNotice.id)).where(SentNotice.subject == f"return:{ret.id}")) == 4
    # Another action becoming overdue is news: the count goes again, the review does not.
    later = moment + timedelta(days=3)
    row = db.session.scalar(select(LivingRow).where(LivingRow.row_id == A))
    row.target_on = plan.next_review_on + timedelta(days=1)
    db.session.flush()
    again = [n for n in scheduled.send_due(later) if n.subject == f"return:{ret.id}"]
    assert sorted(n.key for n in again) == ["living_overdue", "living_overdue"]


def test_nothing_is_mailed_for_a_plan_with_no_overdue_action_before_its_review(app, world):
    accepted(world, actions=[action(A, "Train staff", days=30)])
    assert [n for n in scheduled.due_notices() if n.key in ("living_review", "living_overdue")] == []


@pytest.mark.parametrize("size", [3, 12])
def test_the_plan_pages_queries_do_not_grow_with_its_rows(app, world, count_queries, size):
    actions = [action(f"{n:012x}", f"Action {n}", days=n * 3 - 10) for n in range(1, size + 1)]
    ret = accepted(world, actions=actions)
    browser = Browser(app, world.author)
    for row in actions[:3]:
        assert update(browser, ret, row["id"], "on_track", "Note").status_code == 303
    browser.get(f"/returns/{ret.id}/plan")
    with count_queries() as counter:
        assert browser.get(f"/returns/{ret.id}/plan").status_code == 200
    QUERIES[size] = counter.count
    if len(QUERIES) == 2:
        assert QUERIES[3] == QUERIES[12], QUERIES


QUERIES: dict[int, int] = {}


def test_an_htmx_update_with_a_problem_gets_the_rows_fragment_with_the_message(app, world):
    ret = accepted(world)
    response = update(Browser(app, world.author), ret, A, "complete", "x" * 2001, htmx=True)
    assert response.status_code == 422
    fragment = page(response)
    assert 'id="living-row"' in fragment and "<html" not in fragment and "2,000 characters or fewer" in fragment


def test_the_return_links_its_plan_once_accepted(app, world):
    ret = submitted(world)
    author, officer = Browser(app, world.author), Browser(app, world.officer)
    assert f"/returns/{ret.id}/plan" not in page(author.get(f"/returns/{ret.id}"))
    lifecycle.perform(lifecycle.ACCEPT, ret, world.officer)
    assert "Update the plan" in page(author.get(f"/returns/{ret.id}"))
    assert "See the plan" in page(officer.get(f"/returns/{ret.id}"))


def test_an_update_once_kept_is_never_changed(world):
    from app.models.returns import FrozenRecordError

    ret = accepted(world)
    row = db.session.scalar(select(LivingRow).where(LivingRow.row_id == A))
    entry = living.add_update(ret, row, user=world.author, status="on_track", note="As it was")
    with pytest.raises(FrozenRecordError), db.session.begin_nested():
        entry.note = "Rewritten"
        db.session.flush()
