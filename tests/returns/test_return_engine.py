"""The return engine is generic: a return type that exists only in this test goes through the whole
lifecycle over HTTP; a later framework version that renames an area leaves old snapshots in their own
words; and every school-side action over HTTP, in every state, by every kind of user, either does
exactly what it should or is refused and changes nothing."""

from __future__ import annotations

import dataclasses
from html import unescape

import pytest
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from sqlalchemy import func, select
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from app.extensions import db
from app.engine.forms import SectionForm
from app.models import AuditEvent, CollectionWindow, Return, ReturnSection, ReturnTransition, Submission
from app.models.returns import ACCEPTED, DRAFT, RETURNED, SECTION_COMPLETED, SECTION_IN_PROGRESS, SUBMITTED
from app.engine import registry
from app.engine.display import answers_by_section
from app.engine.registry import ReturnType, Section
from app.returns.sef.framework import FRAMEWORKS, OFSTED_2025, Framework
from app.engine import lifecycle
from app.engine.history import history_of, submissions_of
from tests.returns.test_sef_sections import VALID_JSON, Browser, World, database_state, make_window, save, stored, text, valid


# ---------------------------------------------------------------------------------------------
# A return type of the tests' own


class ThingNameForm(SectionForm):
    name = StringField(
        "Name of the thing",
        widget=GovTextInput(),
        validators=[DataRequired(message="Enter the name of the thing"), Length(max=50, message="Name of the thing must be 50 characters or fewer")],
    )


class ThingCountForm(SectionForm):
    count = IntegerField(
        "How many things",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter how many things"), NumberRange(min=0, max=99, message="How many things must be between 0 and 99")],
    )


def thing_sections(form_version: str, school, ret=None) -> list[Section]:
    return [Section("name", "The thing's name", ThingNameForm), Section("count", "How many things there are", ThingCountForm)]


DUMMY = ReturnType(
    key="dummy",
    title="Thing count",
    summary="A return that exists only in the tests",
    form_version="things-1",
    sections=thing_sections,
    declaration="I confirm the things are counted.",
)


@pytest.fixture
def dummy_type():
    registry.register(DUMMY)
    yield DUMMY
    registry.unregister(DUMMY.key)


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


def test_a_return_type_registered_only_in_the_tests_goes_through_the_whole_lifecycle(app, world, dummy_type):
    window = make_window(return_type="dummy", academic_year="2026/27", period="annual", title="Things, 2026")
    head, colleague, officer = world.browser("approver"), world.browser("contributor"), world.browser("officer")

    home = text(head.get("/school"))
    assert "Things, 2026" in home

    # Start and fill in both sections: an error first, an autosave, then full saves.
    assert head.post(f"/windows/{window.id}/start", {"start_from": "blank"}).status_code == 303
    ret = db.session.scalar(select(Return).where(Return.window_id == window.id))
    assert (ret.return_type, ret.form_version, ret.state) == ("dummy", "things-1", DRAFT)
    task_list = text(head.get(f"/returns/{ret.id}"))
    assert "The thing&#39;s name" in task_list and "How many things there are" in task_list
    assert "0 of 2" in task_list

    bad = save(colleague, ret, "name", {"name": ""})
    assert bad.status_code == 422 and "Enter the name of the thing" in text(bad)
    assert stored(ret, "name").status == SECTION_IN_PROGRESS  # kept as a draft, not completed
    autosaved = save(colleague, ret, "count", {"count": "7"}, autosave=True)
    assert autosaved.status_code == 200 and "Saved at" in text(autosaved)
    assert stored(ret, "count").status == SECTION_IN_PROGRESS
    assert save(colleague, ret, "name", {"name": "Widget"}).status_code == 303
    assert save(colleague, ret, "count", {"count": "7"}).status_code == 303
    assert "2 of 2" in text(head.get(f"/returns/{ret.id}"))

    # Check your answers, then submit: the contributor cannot, the approver can.
    check = text(head.get(f"/returns/{ret.id}/check"))
    assert "Name of the thing" in check and "Widget" in check and "How many things" in check and "I confirm the things are counted." in check
    assert f'href="/returns/{ret.id}/sections/name#field-name"' in check
    assert colleague.post(f"/returns/{ret.id}/check", {"declaration": "y"}).status_code == 422
    assert head.post(f"/returns/{ret.id}/check", {"declaration": "y"}).status_code == 303
    db.session.refresh(ret)
    assert ret.state == SUBMITTED
    first = submissions_of(ret)[0].submission
    assert (first.form_version, first.answers) == ("things-1", {"count": {"count": 7}, "name": {"name": "Widget"}})

    # The officer reviews the snapshot and sends it back with a comment, over HTTP like everything
    # else here: a missing review page fails this test rather than being stood in for.
    queue = text(officer.get("/review"))
    assert world.school.name in queue
    assert officer.post(f"/returns/{ret.id}/take", {}).status_code == 303
    review = text(officer.get(f"/returns/{ret.id}/review"))
    assert "Widget" in review and "Name of the thing" in review
    sent_back = officer.post(
        f"/returns/{ret.id}/review",
        {"decision": "return", "reason": "Count them again", "comment_count": "Are there really seven?", "comment_name": "", "note": "Internal only"},
    )
    assert sent_back.status_code == 303, text(sent_back)[:3000]
    db.session.refresh(ret)
    assert ret.state == RETURNED

    # The school sees why, edits from its last submission and resubmits.
    task_list = text(colleague.get(f"/returns/{ret.id}"))
    assert "Count them again" in task_list and "Internal only" not in task_list
    section = text(colleague.get(f"/returns/{ret.id}/sections/count"))
    assert 'value="7"' in section
    assert "Are there really seven?" in section
    assert save(colleague, ret, "count", {"count": "8"}).status_code == 303
    assert head.post(f"/returns/{ret.id}/check", {"declaration": "y"}).status_code == 303
    db.session.refresh(ret)
    assert [s.answers["count"]["count"] for s in [row.submission for row in submissions_of(ret)]] == [7, 8]

    # Compared, accepted, printed and reopened.
    compare = unescape(text(officer.get(f"/returns/{ret.id}/compare?from=1&to=2")))
    assert "How many things" in compare and "7" in compare and "8" in compare
    assert officer.post(f"/returns/{ret.id}/take", {}).status_code == 303
    accepted = officer.post(f"/returns/{ret.id}/review", {"decision": "accept", "reason": "", "comment_count": "", "comment_name": "", "note": ""})
    assert accepted.status_code == 303, text(accepted)[:3000]
    db.session.refresh(ret)
    assert ret.state == ACCEPTED
    printed = head.get(f"/returns/{ret.id}/submissions/2")
    assert printed.status_code == 200
    printed = text(printed)
    assert "Name of the thing" in printed and "Widget" in printed
    assert officer.post(f"/returns/{ret.id}/reopen", {"reason": "One more count"}).status_code == 303
    db.session.refresh(ret)
    assert ret.state == RETURNED
    actions = [row.transition.action for row in history_of(ret)]
    assert actions == ["start", "submit", "take", "return_for_changes", "submit", "take", "accept", "reopen"]


def test_unregistering_the_type_leaves_nothing_behind(dummy_type):
    assert registry.get("dummy") is DUMMY
    registry.unregister("dummy")
    assert registry.get("dummy") is None
    registry.register(DUMMY)  # the fixture's finaliser unregisters it again


# ---------------------------------------------------------------------------------------------
# A later framework that renames an area


def renamed(base: Framework) -> Framework:
    return dataclasses.replace(
        base,
        version="test-2027",
        title="A framework of the tests' own",
        areas=tuple(
            dataclasses.replace(area, title="Belonging and inclusion") if area.key == "inclusion" else area for area in base.areas
        ),
        grades=tuple((key, "Secure fit") if key == "strong" else (key, words) for key, words in base.grades),
    )


@pytest.fixture
def new_framework():
    framework = renamed(OFSTED_2025)
    FRAMEWORKS[framework.version] = framework
    yield framework
    FRAMEWORKS.pop(framework.version, None)


@pytest.fixture
def move_sef_to_new_framework(new_framework):
    """Call it to make new self-evaluations start on the test framework; returns already started keep their own."""
    old = registry.get("sef")

    def move():
        registry.unregister("sef")
        registry.register(dataclasses.replace(old, form_version=new_framework.version))

    yield move
    registry.unregister("sef")
    registry.register(old)


def titles_and_grades(return_type: str, version: str, school, answers: dict) -> tuple[list[str], dict[str, str]]:
    parts = answers_by_section(return_type, version, school, answers)
    grades = {part.section.key: row.value for part in parts for row in part.rows if row.key == "grade"}
    return [part.section.title for part in parts], grades


def test_a_renamed_area_leaves_every_old_snapshot_in_its_own_words(world, move_sef_to_new_framework):
    old = world.in_state(ACCEPTED)
    move_sef_to_new_framework()
    snapshot = submissions_of(old)[0].submission
    assert snapshot.form_version == "ofsted-2025"
    titles, grades = titles_and_grades("sef", snapshot.form_version, world.school, snapshot.answers)
    assert "Inclusion" in titles and "Belonging and inclusion" not in titles
    assert grades["inclusion"] == "Strong standard"

    # A return started now follows the new version, over HTTP.
    next_year = make_window(academic_year="2027/28", title="Self-evaluation, autumn 2027")
    head = world.browser("approver")
    assert head.post(f"/windows/{next_year.id}/start", {"start_from": "blank"}).status_code == 303
    new = db.session.scalar(select(Return).where(Return.window_id == next_year.id))
    assert new.form_version == "test-2027"
    new_titles, _ = titles_and_grades("sef", new.form_version, world.school, VALID_JSON)
    assert "Belonging and inclusion" in new_titles and "Inclusion" not in new_titles
    assert "Belonging and inclusion" in text(head.get(f"/returns/{new.id}"))
    assert "Secure fit" in text(head.get(f"/returns/{new.id}/sections/inclusion"))
    assert save(head, new, "inclusion", valid("inclusion")).status_code == 303
    assert "‘Belonging and inclusion’ saved" in text(head.get(f"/returns/{new.id}"))  # and the message is read

    # The old return's pages keep the old words, for the school and for officers.
    responses = [head.get(f"/returns/{old.id}"), head.get(f"/returns/{old.id}/submissions/1"), world.browser("officer").get(f"/returns/{old.id}/review")]
    assert [response.status_code for response in responses] == [200, 200, 200]
    old_pages = [text(response) for response in responses]
    for page in old_pages:
        assert "Inclusion" in page and "Belonging and inclusion" not in page
    for page in old_pages[1:]:
        assert "Strong standard" in page and "Secure fit" not in page


def test_starting_from_last_years_return_on_an_older_framework(world, move_sef_to_new_framework):
    """Copied answers keep only the sections the new version still asks, marked to check."""
    last_year = make_window(academic_year="2025/26", title="Self-evaluation, autumn 2025", opens_on=world.window.opens_on.replace(year=world.window.opens_on.year - 1))
    old = lifecycle.start(world.approver, last_year, world.school, answers=VALID_JSON)
    for row in db.session.scalars(select(ReturnSection).where(ReturnSection.return_id == old.id)):
        row.status = SECTION_COMPLETED
    lifecycle.perform(lifecycle.SUBMIT, old, world.approver)
    lifecycle.perform(lifecycle.ACCEPT, old, world.officer)
    db.session.flush()
    assert old.form_version == "ofsted-2025"
    move_sef_to_new_framework()
    head = world.browser("approver")
    assert head.post(f"/windows/{world.window.id}/start", {"start_from": "previous"}).status_code == 303
    new = db.session.scalar(select(Return).where(Return.window_id == world.window.id))
    assert new.form_version == "test-2027"
    assert stored(new, "inclusion").answers == VALID_JSON["inclusion"]
    assert "Belonging and inclusion" in text(head.get(f"/returns/{new.id}"))


# ---------------------------------------------------------------------------------------------
# Every school-side action, in every state, by every kind of user, over HTTP


NOT_STARTED = None
STATES = [DRAFT, SUBMITTED, RETURNED, ACCEPTED]
ACTIONS = ["start", "save", "autosave", "submit", "withdraw"]
WHO = ["contributor", "approver", "officer", "admin", "other"]

ALLOWED = {
    (NOT_STARTED, "start"): {"contributor", "approver"},
    (DRAFT, "save"): {"contributor", "approver"},
    (DRAFT, "autosave"): {"contributor", "approver"},
    (RETURNED, "save"): {"contributor", "approver"},
    (RETURNED, "autosave"): {"contributor", "approver"},
    (DRAFT, "submit"): {"approver"},
    (RETURNED, "submit"): {"approver"},
    (SUBMITTED, "withdraw"): {"approver"},
}

# How a refusal looks to a school user (council staff and other schools get 404 everywhere).
# A refused save answers with the closed page (409), which shows what was posted to copy.
REFUSED_STATUS = {"start": 303, "save": 409, "autosave": 409, "submit": 422, "withdraw": 303}


def window_fingerprint(window: CollectionWindow) -> tuple:
    """The window's returns, each with its state, and everything else a request could change in the
    database (tests.returns.test_sef_sections.database_state); a return started by mistake shows too."""
    db.session.expire_all()
    returns = db.session.scalars(select(Return).where(Return.window_id == window.id).order_by(Return.id)).all()
    return ([(ret.id, ret.state, ret.assigned_to_id) for ret in returns], database_state())


def last_audit_id() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def audit_since(last_id: int) -> list[tuple[str, int | None]]:
    return [tuple(row) for row in db.session.execute(select(AuditEvent.event, AuditEvent.user_id).where(AuditEvent.id > last_id).order_by(AuditEvent.id))]


def act(browser: Browser, action: str, window: CollectionWindow, ret: Return | None):
    if action == "start":
        return browser.post(f"/windows/{window.id}/start", {"start_from": "blank"})
    if action in ("save", "autosave"):
        return save(browser, ret, "context", {**valid("context"), "pupils_on_roll": "300"}, autosave=action == "autosave")
    if action == "submit":
        return browser.post(f"/returns/{ret.id}/check", {"declaration": "y"})
    return browser.post(f"/returns/{ret.id}/withdraw", {})


CASES = [(NOT_STARTED, "start", who) for who in WHO] + [(state, action, who) for state in STATES for action in ACTIONS for who in WHO]


@pytest.mark.parametrize("state, action, who", CASES, ids=[f"{state or 'not_started'}-{action}-{who}" for state, action, who in CASES])
def test_every_state_action_and_role_over_http(world, state, action, who):
    ret = world.in_state(state) if state else None
    section_before = stored(ret, "context") if ret else None
    version_before = section_before.version if section_before else 0
    submissions_before = db.session.scalar(select(func.count()).select_from(Submission))
    browser = world.browser(who)  # signed in (and its sign-in audited) before the fingerprint
    before, audit_before = window_fingerprint(world.window), last_audit_id()
    response = act(browser, action, world.window, ret)
    db.session.expire_all()

    if who in ALLOWED.get((state, action), set()):
        assert response.status_code in (200, 303), text(response)[:2000]
        if action == "start":
            ret = db.session.scalar(select(Return).where(Return.window_id == world.window.id))
            assert ret is not None and ret.state == DRAFT and ret.school_id == world.school.id
        elif action in ("save", "autosave"):
            row = stored(ret, "context")
            assert (row.version, row.answers["pupils_on_roll"]) == (version_before + 1, 300)
            assert row.updated_by_id == getattr(world, who).id
        elif action == "submit":
            assert db.session.get(Return, ret.id).state == SUBMITTED
            assert db.session.scalar(select(func.count()).select_from(Submission)) == submissions_before + 1
        elif action == "withdraw":
            assert db.session.get(Return, ret.id).state == DRAFT
        last = db.session.scalar(select(ReturnTransition).order_by(ReturnTransition.id.desc()))
        if action in ("start", "submit", "withdraw"):
            assert (last.action, last.by_id) == (action, getattr(world, who).id)
    else:
        expected = 404 if who in ("officer", "admin", "other") else REFUSED_STATUS[action]
        assert response.status_code == expected, text(response)[:2000]
        assert window_fingerprint(world.window) == before
        assert db.session.scalar(select(func.count()).select_from(Submission)) == submissions_before
        # The one thing a refusal may write is its own record of the refusal, by whoever was refused.
        assert audit_since(audit_before) in ([], [("permission_refused", getattr(world, who).id)])


def test_a_withdrawal_is_refused_once_an_officer_has_taken_the_return(world):
    ret = world.in_state(SUBMITTED)
    lifecycle.perform(lifecycle.TAKE, ret, world.officer)
    db.session.flush()
    head = world.browser("approver")
    before, audit_before = window_fingerprint(world.window), last_audit_id()
    assert "Withdraw to make changes" not in text(head.get(f"/returns/{ret.id}"))
    assert head.post(f"/returns/{ret.id}/withdraw", {}).status_code == 303
    assert "already started reviewing" in text(head.get(f"/returns/{ret.id}"))
    assert window_fingerprint(world.window) == before
    assert audit_since(audit_before) == []


# ---------------------------------------------------------------------------------------------
# The core of the lifecycle, over HTTP, for every registered type


def _configured_types() -> list[str]:
    """The keys of the types the app loads (its settings' list), known at collection time, before
    any app has registered them."""
    import importlib

    from config import TestConfig

    return [importlib.import_module(name).RETURN_TYPE.key for name in TestConfig.RETURN_TYPES]


CONFIGURED = _configured_types()


def test_the_lifecycle_below_covers_every_registered_type(app):
    assert sorted(CONFIGURED) == sorted(kind.key for kind in registry.all_types() if kind.key != DUMMY.key)
    assert all(registry.get(key).demo is not None for key in CONFIGURED), "every type brings demo answers"


@pytest.mark.parametrize("key", CONFIGURED)
def test_every_registered_type_goes_through_the_lifecycle_over_http(world, key):
    """Start → every section completed with the type's demo answers → submit → take → return with a
    comment → resubmit → accept, each step over HTTP by the person who takes it; a new type is
    covered by registering it with demo answers. The sections are saved through the drafts service
    the section pages call (their forms, and posting them, are each type's own tests)."""
    import random

    from app.engine import drafts

    kind = registry.get(key)
    window = make_window(return_type=key, period="summer", title=f"{kind.title}, summer 2027", phases=["All-through"])
    head, colleague, officer = world.browser("approver"), world.browser("contributor"), world.browser("officer")
    assert window.title in text(head.get("/school"))

    assert colleague.post(f"/windows/{window.id}/start", {"start_from": "blank"}).status_code == 303
    ret = db.session.scalar(select(Return).where(Return.window_id == window.id))
    assert (ret.return_type, ret.state) == (key, DRAFT)
    answers = kind.demo.answers(world.school, random.Random(key), 2026)
    sections = kind.sections_for(ret.form_version, world.school, ret)
    assert {section.key for section in sections} <= set(answers), "the demo answers every section"
    for section in sections:
        saved = {state.section.key: state.version for state in drafts.section_states(ret, world.school)}
        drafts.save_section(ret, section.key, answers[section.key], loaded_version=saved.get(section.key, 0), user=world.contributor, status=SECTION_COMPLETED)
    db.session.flush()
    assert f"{len(sections)} of {len(sections)}" in text(head.get(f"/returns/{ret.id}"))
    assert head.get(f"/returns/{ret.id}/check").status_code == 200
    assert colleague.post(f"/returns/{ret.id}/check", {"declaration": "y"}).status_code == 422
    assert head.post(f"/returns/{ret.id}/check", {"declaration": "y"}).status_code == 303
    db.session.refresh(ret)
    assert ret.state == SUBMITTED

    no_comments = {f"comment_{section.key}": "" for section in sections}
    first = sections[0].key
    assert world.school.name in text(officer.get("/review"))
    assert officer.post(f"/returns/{ret.id}/take", {}).status_code == 303
    assert officer.get(f"/returns/{ret.id}/review").status_code == 200
    sent_back = officer.post(
        f"/returns/{ret.id}/review", {"decision": "return", "reason": "Please look again", **no_comments, f"comment_{first}": "Say more here", "note": ""}
    )
    assert sent_back.status_code == 303, text(sent_back)[:3000]
    db.session.refresh(ret)
    assert ret.state == RETURNED
    task_list = text(colleague.get(f"/returns/{ret.id}"))
    assert "Please look again" in task_list
    assert "Say more here" in text(colleague.get(f"/returns/{ret.id}/sections/{first}"))

    assert head.post(f"/returns/{ret.id}/check", {"declaration": "y"}).status_code == 303
    assert officer.post(f"/returns/{ret.id}/take", {}).status_code == 303
    accepted = officer.post(f"/returns/{ret.id}/review", {"decision": "accept", "reason": "", **no_comments, "note": ""})
    assert accepted.status_code == 303, text(accepted)[:3000]
    db.session.refresh(ret)
    assert ret.state == ACCEPTED
    assert head.get(f"/returns/{ret.id}/submissions/2").status_code == 200
    actions = [row.transition.action for row in history_of(ret)]
    assert actions == ["start", "submit", "take", "return_for_changes", "submit", "take", "accept"]
    if kind.living is not None:  # the accepted list lives on: the school updates it, the officer reads it
        assert "Save update" not in text(officer.get(f"/returns/{ret.id}/plan"))
        assert head.get(f"/returns/{ret.id}/plan").status_code == 200
