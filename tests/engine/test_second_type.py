"""A second return type whose policy is unlike the self-evaluation's goes through the whole lifecycle
over HTTP, and every return route answers each of its people as its policy says.

The type (tests/engine/visit_type.py) is drafted by the staff of a visiting school about a host
school, answered by the host in a step of its own, decided only by one named officer with a
checklist, and read by a group of schools. It derives one value and raises one query.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from html import unescape

import pytest
from sqlalchemy import func, select

from app.engine import registry
from app.extensions import db
from app.mail import outbox
from app.models import AuditEvent, Return, ReturnSection, ReturnTransition, Role, SectionComment, StepAnswers, Submission
from app.models.returns import SECTION_IN_PROGRESS
from tests.engine import visit_type
from tests.returns.test_sef_sections import Browser, make_window

WORKING = "Pupils talk confidently about their reading."


@pytest.fixture
def visit():
    registry.register(visit_type.RETURN_TYPE)
    yield visit_type.VISITS
    registry.unregister(visit_type.RETURN_TYPE.key)
    visit_type.VISITS.authors.clear()
    visit_type.VISITS.group.clear()
    visit_type.VISITS.decider_id = None


@dataclass
class Party:
    host: object
    visitor: object
    reader_school: object
    outsider_school: object
    window: object
    people: dict


@pytest.fixture
def party(app, factory, visit) -> Party:
    host = factory.school(name="Willowbank Primary School", phase="Primary")
    visitor = factory.school(name="Heronfield Primary Academy", phase="Primary")
    reader_school = factory.school(name="Orchard Lane Primary", phase="Primary")
    outsider_school = factory.school(name="Meadowview Primary", phase="Primary")
    window = make_window(return_type="visit", academic_year="2026/27", period="spring", title="Visits, spring 2027", phases=["Primary"])
    people = {
        "author": factory.user(Role.SCHOOL, school=visitor, name="Vera Visitor"),
        "approver": factory.user(Role.SCHOOL, school=visitor, approver=True, name="Lead Reviewer"),
        "host": factory.user(Role.SCHOOL, school=host, approver=True, name="Hal Host"),
        "reader": factory.user(Role.SCHOOL, school=reader_school, name="Rita Reader"),
        "outsider": factory.user(Role.SCHOOL, school=outsider_school, approver=True, name="Olly Outsider"),
        "decider": factory.user(Role.OFFICER, name="Link Officer", email="link@council.example.org"),
        "officer": factory.user(Role.OFFICER, name="Other Officer"),
        "admin": factory.user(Role.ADMIN, name="Ada Admin"),
    }
    visit.authors[host.id] = visitor.id
    visit.group.update({host.id, visitor.id, reader_school.id})
    visit.decider_id = people["decider"].id
    return Party(host, visitor, reader_school, outsider_school, window, people)


def fingerprint() -> str:
    rows = (
        db.session.execute(select(Return.id, Return.state, Return.assigned_to_id).order_by(Return.id)).all(),
        db.session.execute(select(ReturnSection.id, ReturnSection.version, ReturnSection.answers).order_by(ReturnSection.id)).all(),
        db.session.execute(select(Submission.id, Submission.number).order_by(Submission.id)).all(),
        db.session.execute(select(StepAnswers.id, StepAnswers.step, StepAnswers.answers).order_by(StepAnswers.id)).all(),
        db.session.scalar(select(func.count(ReturnTransition.id))),
        db.session.execute(select(SectionComment.id, SectionComment.text).order_by(SectionComment.id)).all(),
    )
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def the_return(party: Party) -> Return:
    return db.session.scalar(select(Return).where(Return.window_id == party.window.id, Return.school_id == party.host.id))


def findings(minutes, working=WORKING, **extra) -> dict:
    return {"version": "0", "working_well": working, "minutes": str(minutes), **extra}


def test_a_visit_write_up_goes_through_its_whole_lifecycle_over_http(app, party):
    people = {role: Browser(app, user) for role, user in party.people.items()}
    start = f"/windows/{party.window.id}/schools/{party.host.id}/start"

    # The host school is asked by the window, but only the visiting school writes about it.
    assert people["host"].get(f"/windows/{party.window.id}/start").status_code == 404
    assert people["outsider"].get(start).status_code == 404
    home = text(people["author"].get("/school"))
    assert "Returns about other schools" in home and "Willowbank Primary School" in home and start in home

    response = people["author"].post(start)
    assert response.status_code == 303
    ret = the_return(party)
    assert ret is not None and ret.state == "draft" and ret.return_type == "visit"
    overview = f"/returns/{ret.id}"
    section = f"{overview}/sections/findings"

    # The host sees the return on its own home page, with no way to write it.
    host_home = text(people["host"].get("/school"))
    assert "Visits, spring 2027" in host_home and f'href="{start}"' not in host_home
    assert people["host"].get(section).status_code in (302, 303)

    # Autosave shows the derived value as it changes (out of band), and keeps the draft.
    saved = people["author"].post(f"{section}/autosave", findings(90), htmx=True)
    assert saved.status_code == 200
    assert re.search(r'id="derived-values"[^>]*hx-swap-oob="true"', saved.get_data(as_text=True)) and "1.5 hours" in text(saved)
    page = text(people["author"].get(section))
    assert "Time in lessons" in page and "1.5 hours" in page
    version = re.search(r'name="version"[^>]*value="(\d+)"', page) or re.search(r'value="(\d+)"[^>]*name="version"', page)
    version = version.group(1)

    # An unusual answer is queried, not refused: explaining it saves it.
    queried = people["author"].post(section, findings(600, version=version))
    assert queried.status_code == 422
    assert "More than eight hours in lessons in one day is unusual." in text(queried)
    assert 'href="#explain-long_day"' in queried.get_data(as_text=True)
    # Kept as a draft (a query is not a refusal), but not completed until it is explained.
    queried_row = db.session.scalar(select(ReturnSection).where(ReturnSection.return_id == ret.id))
    assert queried_row.answers["minutes"] == 600 and queried_row.status == SECTION_IN_PROGRESS
    version = str(queried_row.version)
    explained = people["author"].post(section, findings(600, version=version, **{"explain-long_day": "A whole-day visit to two sites."}))
    assert explained.status_code == 303
    row = db.session.scalar(select(ReturnSection).where(ReturnSection.return_id == ret.id))
    db.session.refresh(row)
    assert row.status == "completed" and row.answers["_explanations"] == {"long_day": "A whole-day visit to two sites."}

    check = text(people["author"].get(f"{overview}/check"))
    assert "10 hours" in check and "A whole-day visit to two sites." in check

    # The author drafts; only the visiting school's approver submits.
    assert people["author"].post(f"{overview}/check", {"declaration": "y"}).status_code == 422
    assert people["approver"].post(f"{overview}/check", {"declaration": "y"}).status_code == 303
    db.session.refresh(ret)
    assert ret.state == "submitted"
    # Receipts go to the writers the type's policy names (the visiting school), not the host school.
    assert [mail.to for mail in outbox() if not mail.subject.startswith("Receipt: ")] == ["link@council.example.org"], (
        "only the deciding officer hears of the submission"
    )
    assert sorted(mail.to for mail in outbox() if mail.subject.startswith("Receipt: ")) == sorted(
        user.email for user in (party.people["author"], party.people["approver"])
    )
    outbox().clear()

    # Nobody decides before the host has responded, and no other officer decides at all.
    review = f"{overview}/review"
    before = fingerprint()
    assert people["decider"].post(review, {"decision": "accept", "checklist-proportionate": "yes"}).status_code == 409
    waiting = people["decider"].get(review).get_data(as_text=True)
    assert 'value="accept"' not in waiting and "Waiting for this step: Respond to the write-up" in unescape(waiting)
    refused = people["officer"].post(review, {"decision": "accept", "checklist-proportionate": "yes"})
    assert refused.status_code in (404, 409)
    assert people["officer"].post(f"{overview}/take").status_code == 303
    assert fingerprint() == before
    db.session.refresh(ret)
    assert ret.state == "submitted" and ret.assigned_to_id is None

    # The host responds in its own step; the visitors cannot.
    step = f"{overview}/steps/respond"
    assert people["approver"].get(step).status_code == 404
    assert people["reader"].post(step, {"response": "We agree."}).status_code == 404
    assert people["host"].post(step, {"response": ""}).status_code == 422
    assert people["host"].post(step, {"response": "We agree and will share the reading work."}).status_code == 303
    db.session.refresh(ret)
    assert ret.state == "responded"
    assert [mail.to for mail in outbox()] == ["link@council.example.org"]
    outbox().clear()
    assert people["host"].post(step, {"response": "Again"}).status_code == 409

    # The deciding officer sees the response and the flagged query; the checklist is required to accept.
    page = text(people["decider"].get(review))
    assert "We agree and will share the reading work." in page
    assert "Query" in page and "A whole-day visit to two sites." in page and "10 hours" in page
    assert "Quality assurance" in page
    assert people["decider"].post(review, {"decision": "accept"}).status_code == 422
    db.session.refresh(ret)
    assert ret.state == "responded"
    assert people["decider"].post(review, {"decision": "accept", "checklist-proportionate": "yes"}).status_code == 303
    db.session.refresh(ret)
    assert ret.state == "accepted"
    checklist = db.session.scalar(select(StepAnswers).where(StepAnswers.step == "review"))
    assert checklist.answers == {"proportionate": "yes"}
    assert sorted(mail.to for mail in outbox()) == sorted(user.email for user in (party.people["author"], party.people["approver"]))

    # The group reads it; the print view shows the response and the explanation, never the checklist to schools.
    printed = text(people["reader"].get(f"{overview}/submissions/1"))
    assert WORKING in printed and "We agree and will share the reading work." in printed and "A whole-day visit" in printed
    assert people["outsider"].get(f"{overview}/submissions/1").status_code == 404
    history = text(people["reader"].get(overview))
    assert "Host responded" in history and "Accepted" in history

    # Reads of this type are written to the audit trail, by whom and which return.
    reads = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "return_read")).all()
    readers = {event.user_id for event in reads if event.detail.get("return_id") == ret.id}
    assert {party.people["reader"].id, party.people["decider"].id, party.people["host"].id} <= readers


# ---------------------------------------------------------------------------------------------
# The permission matrix for this type: every return route, by every part someone plays.

ROLES = ("anonymous", "author", "approver", "host", "reader", "outsider", "decider", "officer", "admin")
SIGN_IN = 302


@dataclass(frozen=True)
class Case:
    endpoint: str
    method: str
    path: str  # with {ret}, {window}, {host}, {own} and {version}
    expect: tuple  # one status per role, in ROLES order
    data: tuple = ()


# A submitted write-up waiting for the host's response.
CASES = [
    Case("returns.start_page", "GET", "/windows/{window}/schools/{host}/start", (SIGN_IN, 303, 303, 404, 404, 404, 404, 404, 404)),
    Case("returns.start_page", "POST", "/windows/{window}/schools/{host}/start", (SIGN_IN, 303, 303, 404, 404, 404, 404, 404, 404)),
    Case("returns.overview", "GET", "/returns/{ret}", (SIGN_IN, 200, 200, 200, 200, 404, 200, 200, 200)),
    # Submitted: its writers read the section (read-only); the host and readers never see the draft.
    # A post stores nothing and shows the poster what they sent.
    Case("returns.section", "GET", "/returns/{ret}/sections/findings", (SIGN_IN, 200, 200, 303, 303, 404, 404, 404, 404)),
    Case("returns.section", "POST", "/returns/{ret}/sections/findings", (SIGN_IN, 409, 409, 409, 409, 404, 404, 404, 404)),
    Case("returns.autosave", "POST", "/returns/{ret}/sections/findings/autosave", (SIGN_IN, 409, 409, 409, 409, 404, 404, 404, 404)),
    # Earlier versions of a section are the drafting school's: read after submission, never restored then.
    Case("returns.versions", "GET", "/returns/{ret}/sections/findings/versions", (SIGN_IN, 200, 200, 404, 404, 404, 404, 404, 404)),
    Case("returns.version", "GET", "/returns/{ret}/sections/findings/versions/{version}", (SIGN_IN, 200, 200, 404, 404, 404, 404, 404, 404)),
    Case(
        "returns.restore_version", "POST", "/returns/{ret}/sections/findings/versions/{version}/restore",
        (SIGN_IN, 303, 303, 404, 404, 404, 404, 404, 404), data=(("version", "1"),),
    ),
    Case("returns.validate_field", "POST", "/returns/{ret}/sections/findings/validate?field=minutes", (SIGN_IN, 200, 200, 200, 200, 404, 404, 404, 404)),
    Case("returns.check", "GET", "/returns/{ret}/check", (SIGN_IN, 200, 200, 200, 200, 404, 404, 404, 404)),
    Case("returns.check", "POST", "/returns/{ret}/check", (SIGN_IN, 422, 422, 422, 422, 404, 404, 404, 404)),
    Case("returns.withdraw", "POST", "/returns/{ret}/withdraw", (SIGN_IN, 303, 303, 303, 303, 404, 404, 404, 404)),
    # Asking for sign-off: the write-up's writers are told why not (it is submitted; an approver
    # submits it themselves); anyone else has no such page.
    Case("returns.ask_for_sign_off", "POST", "/returns/{ret}/ask-for-sign-off", (SIGN_IN, 303, 303, 404, 404, 404, 404, 404, 404)),
    # A visit write-up has no living list: nobody reaches a plan's pages (tests/engine/test_living.py).
    Case("returns.living_plan", "GET", "/returns/{ret}/plan", (SIGN_IN, 404, 404, 404, 404, 404, 404, 404, 404)),
    Case("returns.living_row", "GET", "/returns/{ret}/plan/a00000000001", (SIGN_IN, 404, 404, 404, 404, 404, 404, 404, 404)),
    Case("returns.living_row", "POST", "/returns/{ret}/plan/a00000000001", (SIGN_IN, 404, 404, 404, 404, 404, 404, 404, 404), data=(("status", "complete"),)),
    Case("returns.step", "GET", "/returns/{ret}/steps/respond", (SIGN_IN, 404, 404, 200, 404, 404, 404, 404, 404)),
    Case("returns.step", "POST", "/returns/{ret}/steps/respond", (SIGN_IN, 404, 404, 422, 404, 404, 404, 404, 404)),
    Case("review.queue", "GET", "/review", (SIGN_IN, 404, 404, 404, 404, 404, 200, 200, 200)),
    Case("review.take", "POST", "/returns/{ret}/take", (SIGN_IN, 404, 404, 404, 404, 404, 303, 303, 303)),
    Case("review.assign", "POST", "/returns/{ret}/assign", (SIGN_IN, 404, 404, 404, 404, 404, 422, 422, 422)),
    Case("review.review", "GET", "/returns/{ret}/review", (SIGN_IN, 404, 404, 404, 404, 404, 200, 200, 200)),
    # Saving comments: the deciding officer only; other council staff read it and are refused.
    Case("review.review", "POST", "/returns/{ret}/review", (SIGN_IN, 404, 404, 404, 404, 404, 303, 409, 409)),
    Case("review.reopen", "GET", "/returns/{ret}/reopen", (SIGN_IN, 404, 404, 404, 404, 404, 303, 303, 303)),
    Case("review.reopen", "POST", "/returns/{ret}/reopen", (SIGN_IN, 404, 404, 404, 404, 404, 303, 303, 303)),
    Case("review.submission", "GET", "/returns/{ret}/submissions/1", (SIGN_IN, 200, 200, 200, 200, 404, 200, 200, 200)),
    Case("review.compare", "GET", "/returns/{ret}/compare", (SIGN_IN, 200, 200, 200, 200, 404, 200, 200, 200)),
    # Across windows: the host's write-ups, to whoever may open them; the outsider learns nothing.
    Case("review.compare_years", "GET", "/schools/{host}/compare/visit", (SIGN_IN, 200, 200, 200, 200, 404, 200, 200, 200)),
]


def test_every_return_route_is_in_this_types_matrix(app):
    """A new return or review route must say what each part of this type may do there."""
    covered = {(case.endpoint, case.method) for case in CASES}
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ("returns", "review")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes - covered == set()


@pytest.fixture
def submitted(app, party) -> Return:
    from app.engine import drafts, lifecycle

    visitor_head = party.people["approver"]
    ret = drafts.start_return(visitor_head, party.window, party.host, from_previous=False)
    drafts.save_section(ret, "findings", {"working_well": WORKING, "minutes": 60}, loaded_version=0, user=visitor_head, status="completed")
    lifecycle.perform(lifecycle.SUBMIT, ret, visitor_head)
    outbox().clear()
    return ret


@pytest.fixture
def kept_version(party, submitted) -> int:
    """An earlier version of the write-up's findings, as a colleague's save before submitting kept it."""
    from app.models import SectionVersion

    version = SectionVersion(
        return_id=submitted.id, key="findings", number=0, answers={"working_well": "An earlier draft"}, invalid={},
        saved_by_id=party.people["author"].id, saved_at=submitted.created_at, replaced_by_id=party.people["approver"].id,
    )
    db.session.add(version)
    db.session.flush()
    return version.id


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.endpoint}")
@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
def test_visit_permission_matrix(app, party, submitted, kept_version, case, role_index):
    role = ROLES[role_index]
    path = case.path.format(ret=submitted.id, window=party.window.id, host=party.host.id, version=kept_version)
    if role == "anonymous":
        client, token = app.test_client(), None
        from tests.conftest import csrf_token

        token = csrf_token(client, "/accessibility")
        browser = None
    else:
        browser = Browser(app, party.people[role])
        client, token = browser.client, browser.token
    before = fingerprint()
    if case.method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, data={"csrf_token": token, **dict(case.data)})
    expected = case.expect[role_index]
    assert response.status_code == expected, f"{role} {case.method} {path}: {response.status_code}, expected {expected}"
    if expected >= 400 or expected == SIGN_IN or case.method == "GET":
        assert fingerprint() == before, "a refused request (or a page view) changed nothing"


def test_a_write_up_is_assigned_only_to_the_officer_who_decides_it(app, party, submitted):
    decider, officer = party.people["decider"], party.people["officer"]
    browser = Browser(app, decider)
    page = browser.get(f"/returns/{submitted.id}/review").get_data(as_text=True)
    choices = re.findall(r'<option value="(\d+)"', page)
    assert choices == [str(decider.id)], "the assign list offers only the officers who may decide"
    before = fingerprint()
    refused = browser.post(f"/returns/{submitted.id}/assign", {"officer": str(officer.id), "held_by": ""})
    assert refused.status_code == 422, "another officer is not a choice"
    assert fingerprint() == before
    assert browser.post(f"/returns/{submitted.id}/assign", {"officer": str(decider.id), "held_by": ""}).status_code == 303
    db.session.refresh(submitted)
    assert submitted.assigned_to_id == decider.id


def test_the_engine_refuses_to_assign_a_write_up_to_an_officer_who_does_not_decide_it(party, submitted):
    from app.engine import lifecycle

    with pytest.raises(lifecycle.LifecycleError, match="does not decide"):
        lifecycle.assign(submitted, party.people["decider"], party.people["officer"])
