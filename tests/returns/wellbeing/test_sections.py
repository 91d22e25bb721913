"""The mental-health action plan over HTTP: every section saves by form post and by autosave; bad
input on every field is a clear error, kept as typed and never as an answer; hostile text is
escaped wherever answers show; another school's plan is not found; the whole lifecycle; the facts
written on submission; and every read of a plan leaves an audit row."""

from __future__ import annotations

from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from app.engine import lifecycle, registry
from app.engine.history import submissions_of
from app.extensions import db
from app.models import AuditEvent, Fact, Return, ReturnSection, Role
from app.models.returns import ACCEPTED, DRAFT, RETURNED, SECTION_COMPLETED, SECTION_IN_PROGRESS, SUBMITTED
from app.returns.wellbeing.framework import CURRENT, NO_PUPIL
from tests.returns.test_sef_sections import Browser, make_window, save, section_path, stored, text, without_row_ids

TODAY = date.today()
SECTIONS = ["lead", "principles", "survey", "action_plan"]
PRINCIPLES = [key for key, _ in CURRENT.principles]
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def parts(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def action_rows(count: int) -> dict:
    data = {}
    for i in range(count):
        data |= {
            f"actions-{i}-principle": "curriculum",
            f"actions-{i}-what": f"Action {i + 1}: weekly regulation lessons",
            f"actions-{i}-outcome": "Pupils use calming strategies",
            f"actions-{i}-success_criteria": "Survey: 80% know what to do when worried",
            f"actions-{i}-lead_role": "PSHE lead",
            f"actions-{i}-start_on": ["8", "9", "2026"],
            f"actions-{i}-target_on": ["31", "3", "2027"],
            f"actions-{i}-thrive_need": "thriving",
            f"actions-{i}-focus": "anxiety",
            f"actions-{i}-status": "on_track",
        }
    return data


def valid(key: str) -> dict:
    if key == "lead":
        return {"name": "Priya Shah", "role": "Deputy headteacher", "on_slt": "yes", "trained": "yes", "provider": "Anna Freud Centre", "trained_on": ["14", "3", "2025"]}
    if key == "principles":
        return {**{p: "developing" for p in PRINCIPLES}, **{f"{p}_evidence": f"Evidence for {p}" for p in PRINCIPLES}}
    if key == "survey":
        return {"took_part": "yes", "mhst": "no"}
    return action_rows(2)


VALID_JSON = {
    "lead": {"name": "Priya Shah", "role": "Deputy headteacher", "on_slt": "yes", "trained": "yes", "provider": "Anna Freud Centre", "trained_on": "2025-03-14"},
    "principles": {**{p: "developing" for p in PRINCIPLES}, **{f"{p}_evidence": f"Evidence for {p}" for p in PRINCIPLES}},
    "survey": {"took_part": "yes", "mhst": "no"},
    "action_plan": {
        "actions": [
            {
                "principle": "curriculum", "what": f"Action {i + 1}: weekly regulation lessons", "outcome": "Pupils use calming strategies",
                "success_criteria": "Survey: 80% know what to do when worried", "lead_role": "PSHE lead", "start_on": "2026-09-08",
                "target_on": "2027-03-31", "thrive_need": "thriving", "focus": "anxiety", "status": "on_track", "progress": None,
            }
            for i in range(2)
        ]
    },
}


class World:
    def __init__(self, app, factory):
        self.app = app
        self.school = factory.school(name="Oakfield Primary", phase="Primary", statutory_low_age=4, statutory_high_age=11)
        self.window = make_window(return_type="wellbeing", title="Mental health action plan, autumn 2026", phases=["Primary"])
        self.approver = factory.user(Role.SCHOOL, school=self.school, approver=True, name="Hana Head")
        self.contributor = factory.user(Role.SCHOOL, school=self.school, name="Carl Contributor")
        self.officer = factory.user(Role.OFFICER, name="Sam Officer")
        self.other_school = factory.school(name="Birchwood Primary", phase="Primary", statutory_low_age=4, statutory_high_age=11)
        self.other = factory.user(Role.SCHOOL, school=self.other_school, approver=True, name="Olive Other")
        self._browsers: dict[str, Browser] = {}

    def browser(self, who: str = "contributor") -> Browser:
        if who not in self._browsers:
            self._browsers[who] = Browser(self.app, getattr(self, who))
        return self._browsers[who]

    def start(self) -> Return:
        return lifecycle.start(self.approver, self.window, self.school)

    def complete(self, ret: Return, answers: dict | None = None) -> None:
        for key, section_answers in (answers or VALID_JSON).items():
            row = stored(ret, key)
            if row is None:
                db.session.add(ReturnSection(return_id=ret.id, key=key, answers=dict(section_answers), version=1, status=SECTION_COMPLETED, updated_by_id=self.approver.id))
            else:
                row.answers, row.status = dict(section_answers), SECTION_COMPLETED
        db.session.flush()


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


@pytest.fixture
def ret(world) -> Return:
    return world.start()


def reads(ret: Return) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.event == "return_read", AuditEvent.detail["return_id"].as_integer() == ret.id))


def test_the_type_is_registered_with_its_four_sections_and_audited_reads(world):
    kind = registry.get("wellbeing")
    assert kind is not None and kind.audit_reads and kind.form_version == "wellbeing-2026"
    sections = kind.sections_for(kind.form_version, world.school)
    assert [s.key for s in sections] == SECTIONS
    assert all(NO_PUPIL in s.hint for s in sections)
    assert [key for key, _ in CURRENT.short_names] == PRINCIPLES and len(PRINCIPLES) == 8
    action_form = sections[-1].form
    assert sections[-1].key == "action_plan" and "actions" in dir(action_form)


@pytest.mark.parametrize("key", SECTIONS)
@pytest.mark.parametrize("how", ["save", "autosave"])
def test_every_section_saves_valid_answers(world, ret, key, how):
    page = text(world.browser().get(section_path(ret, key)))
    assert NO_PUPIL in page
    response = save(world.browser(), ret, key, valid(key), autosave=how == "autosave")
    assert response.status_code == (303 if how == "save" else 200), text(response)[:2000]
    row = stored(ret, key)
    assert without_row_ids(row.answers) == VALID_JSON[key]
    assert row.invalid == {}
    if how == "save":
        assert row.status == SECTION_COMPLETED


def test_every_free_text_field_says_no_pupil_may_be_identifiable(world, ret):
    for key in SECTIONS:
        kind = registry.get("wellbeing")
        form = kind.section(kind.form_version, world.school, key).form.load({}, meta={"csrf": False})
        fields = [f for f in form if f.type in ("StringField", "TextAreaField")]
        if key == "action_plan":
            fields = [f for f in form.actions.entries[0].form if f.type in ("StringField", "TextAreaField")]
        for field in fields:
            assert NO_PUPIL in field.description, (key, field.name)
    lead_role = form.actions.entries[0].form.lead_role
    assert "never a pupil" in lead_role.description


MISSING = [
    ("lead", "name", "Enter the name of the senior mental health lead"),
    ("lead", "role", "Enter the lead&#39;s role in the school"),
    ("lead", "on_slt", "Select whether the lead sits on the senior leadership team"),
    ("lead", "trained", "Select whether the lead has completed the training"),
    ("lead", "provider", "Enter the training provider"),
    ("lead", "trained_on", "Enter when the lead completed the training"),
    ("principles", "leadership", "Select a rating for leadership and management"),
    ("principles", "targeted_support_evidence", "Enter the evidence for your rating of targeted support"),
    ("survey", "took_part", "Select whether the school took part in the pupil wellbeing survey"),
    ("survey", "mhst", "Select whether the school is served by a Mental Health Support Team"),
    *[
        ("action_plan", f"actions-0-{name}", message)
        for name, message in (
            ("principle", "Select the principle it serves"),
            ("what", "Enter what will be done"),
            ("outcome", "Enter the intended outcome"),
            ("success_criteria", "Enter how success will be measured"),
            ("lead_role", "Enter the role of who leads it"),
            ("start_on", "Enter the start date"),
            ("target_on", "Enter the target date"),
            ("thrive_need", "Select the THRIVE need it meets"),
            ("focus", "Select the focus"),
            ("status", "Select the status"),
        )
    ],
]


@pytest.mark.parametrize("key, field, message", MISSING, ids=[f"{k}-{f}" for k, f, _ in MISSING])
def test_a_missing_answer_is_a_clear_error_and_the_section_stays_in_progress(world, ret, key, field, message):
    data = valid(key)
    data.pop(field)
    response = save(world.browser(), ret, key, data)
    assert response.status_code == 422
    assert message in text(response)
    assert stored(ret, key).status == SECTION_IN_PROGRESS
    autosaved = save(world.browser(), ret, key, data, autosave=True)
    assert autosaved.status_code == 200 and stored(ret, key).status == SECTION_IN_PROGRESS


def test_an_untrained_lead_needs_no_provider_or_date(world, ret):
    data = {**valid("lead"), "trained": "no", "provider": "", "trained_on": ["", "", ""]}
    assert save(world.browser(), ret, "lead", data).status_code == 303
    assert stored(ret, "lead").status == SECTION_COMPLETED


def answer_at(answers: dict, field: str):
    if field.startswith("actions-"):
        _, index, name = field.split("-")
        rows = answers.get("actions") or []
        return rows[int(index)].get(name) if int(index) < len(rows) else None
    return answers.get(field)


TOMORROW = TODAY + timedelta(days=1)
WRONG = [
    ("lead", "on_slt", "maybe", "Select yes or no"),
    ("lead", "trained", "sort of", "Select yes or no"),
    ("lead", "trained_on", parts(TOMORROW), "When they completed the training must be today or in the past"),
    ("lead", "trained_on", ["31", "2", "2025"], "When they completed the training must be a real date, like 27 3 2027"),
    ("lead", "name", "n" * 201, "Name of your senior mental health lead must be 200 characters or fewer"),
    ("lead", "role", "r" * 201, "Their role in the school must be 200 characters or fewer"),
    ("lead", "provider", "p" * 201, "Training provider must be 200 characters or fewer"),
    *[("principles", p, "brilliant", "Select one of the ratings") for p in PRINCIPLES],
    *[("principles", f"{p}_evidence", "e" * 2001, f"Evidence for {dict(CURRENT.short_names)[p].lower()} must be 2,000 characters or fewer") for p in PRINCIPLES],
    ("survey", "took_part", "perhaps", "Select yes or no"),
    ("survey", "mhst", "perhaps", "Select yes or no"),
    ("action_plan", "actions-1-principle", "wellness", "Select a principle from the list"),
    ("action_plan", "actions-1-thrive_need", "flourishing", "Select a THRIVE need from the list"),
    ("action_plan", "actions-1-focus", "<b>bold</b>", "Select a focus from the list"),
    ("action_plan", "actions-1-status", "done", "Select a status from the list"),
    ("action_plan", "actions-1-what", "w" * 2001, "What will be done must be 2,000 characters or fewer"),
    ("action_plan", "actions-1-outcome", "o" * 2001, "Intended outcome must be 2,000 characters or fewer"),
    ("action_plan", "actions-1-success_criteria", "s" * 2001, "How success will be measured must be 2,000 characters or fewer"),
    ("action_plan", "actions-1-lead_role", "l" * 201, "Who leads it must be 200 characters or fewer"),
    ("action_plan", "actions-1-start_on", ["1", "13", "2026"], "Start date must be a real date, like 27 3 2027"),
    ("action_plan", "actions-1-target_on", ["8", "9", "2025"], "Target date must be the same as or after the start date"),
]


@pytest.mark.parametrize("key, field, value, message", WRONG, ids=[f"{k}-{f}-{i}" for i, (k, f, _, _) in enumerate(WRONG)])
def test_a_wrong_value_is_kept_as_typed_with_a_clear_error_never_as_an_answer(world, ret, key, field, value, message):
    assert save(world.browser(), ret, key, valid(key)).status_code == 303
    for how in ("save", "autosave"):
        response = save(world.browser(), ret, key, {**valid(key), field: value}, autosave=how == "autosave")
        assert response.status_code == (422 if how == "save" else 200), how
        assert message in unescape(text(response)), how
        row = stored(ret, key)
        assert message in [typed["message"] for typed in row.invalid.values()], how
        assert answer_at(row.answers, field) in (None, ""), how
        assert row.status == SECTION_IN_PROGRESS
        assert message in unescape(text(world.browser().get(section_path(ret, key))))
    assert save(world.browser(), ret, key, valid(key)).status_code == 303
    assert stored(ret, key).invalid == {} and stored(ret, key).status == SECTION_COMPLETED


@pytest.mark.parametrize("count, message", [(0, "Enter at least 1 action"), (31, "Enter no more than 30 actions")])
def test_no_actions_or_too_many_is_an_error(world, ret, count, message):
    data = action_rows(count)
    response = save(world.browser(), ret, "action_plan", data)
    assert response.status_code == 422
    assert message in text(response)
    assert stored(ret, "action_plan").status == SECTION_IN_PROGRESS


def test_thirty_actions_are_enough(world, ret):
    assert save(world.browser(), ret, "action_plan", action_rows(30)).status_code == 303
    assert len(stored(ret, "action_plan").answers["actions"]) == 30


def test_rows_are_added_and_removed_without_javascript(world, ret):
    browser = world.browser()
    added = browser.post(section_path(ret, "action_plan"), {**action_rows(1), "add-row": "actions", "version": "0"})
    assert added.status_code == 200
    page = text(added)
    assert 'name="actions-1-what"' in page and "Action 2" in page
    removed = browser.post(section_path(ret, "action_plan"), {**action_rows(2), "remove-row": "actions-1", "version": "0"})
    page = text(removed)
    assert 'name="actions-0-what"' in page and 'name="actions-1-what"' not in page
    assert stored(ret, "action_plan") is None  # the buttons save nothing


HOSTILE_TEXT = [
    ("lead", "name"), ("lead", "role"), ("lead", "provider"),
    *[("principles", f"{p}_evidence") for p in PRINCIPLES],
    *[("action_plan", f"actions-0-{name}") for name in ("what", "outcome", "success_criteria", "lead_role", "progress")],
]


def test_script_in_every_text_field_is_escaped_on_the_section_check_and_review_pages(world, ret):
    browser = world.browser("approver")
    for key in SECTIONS:
        data = valid(key)
        for section_key, field in HOSTILE_TEXT:
            if section_key == key:
                data[field] = f"{field} {SCRIPT}"
        assert save(browser, ret, key, data).status_code == 303, key
        page = text(browser.get(section_path(ret, key)))
        assert SCRIPT not in page
        for section_key, field in HOSTILE_TEXT:
            if section_key == key:
                assert f"{field} {ESCAPED}" in page, field
    check = text(browser.get(f"/returns/{ret.id}/check"))
    assert SCRIPT not in check and check.count(ESCAPED) >= len(HOSTILE_TEXT)
    assert browser.post(f"/returns/{ret.id}/check", {"declaration": "y"}).status_code == 303
    officer = world.browser("officer")
    assert officer.post(f"/returns/{ret.id}/take", {}).status_code == 303
    review = text(officer.get(f"/returns/{ret.id}/review"))
    assert SCRIPT not in review and review.count(ESCAPED) >= len(HOSTILE_TEXT)


def test_another_schools_plan_is_not_found(world, ret):
    other = world.browser("other")
    assert other.get(f"/returns/{ret.id}").status_code == 404
    for key in SECTIONS:
        assert other.get(section_path(ret, key)).status_code == 404
        assert save(other, ret, key, valid(key)).status_code == 404
        assert save(other, ret, key, valid(key), autosave=True).status_code == 404
        assert stored(ret, key) is None
    assert other.get(f"/returns/{ret.id}/check").status_code == 404


def test_the_whole_lifecycle_over_http(world):
    head, colleague, officer = world.browser("approver"), world.browser("contributor"), world.browser("officer")
    assert "Mental health action plan, autumn 2026" in text(head.get("/school"))
    assert colleague.post(f"/windows/{world.window.id}/start", {"start_from": "blank"}).status_code == 303
    ret = db.session.scalar(select(Return).where(Return.window_id == world.window.id))
    assert (ret.return_type, ret.form_version, ret.state) == ("wellbeing", "wellbeing-2026", DRAFT)
    task_list = text(colleague.get(f"/returns/{ret.id}"))
    assert all(title in task_list for title in ("Senior mental health lead", "The eight principles", "Action plan"))
    for key in SECTIONS:
        assert save(colleague, ret, key, valid(key)).status_code == 303, key
    assert "4 of 4" in text(head.get(f"/returns/{ret.id}"))

    # A staff member cannot submit; the approver can.
    assert colleague.post(f"/returns/{ret.id}/check", {"declaration": "y"}).status_code == 422
    check = text(head.get(f"/returns/{ret.id}/check"))
    assert "nothing in it could identify a pupil" in check
    assert head.post(f"/returns/{ret.id}/check", {"declaration": "y"}).status_code == 303
    db.session.refresh(ret)
    assert ret.state == SUBMITTED

    # Facts written on submission.
    facts = {(f.key, f.row_id, f.text_value) for f in db.session.scalars(select(Fact).where(Fact.return_id == ret.id))}
    keys = {key for key, _, _ in facts}
    assert {f"principle.{p}" for p in PRINCIPLES} <= keys
    assert {("lead.trained", None, "yes"), ("lead.on_slt", None, "yes"), ("survey.took_part", None, "yes"), ("mhst.served", None, "no")} <= facts
    row_ids = [row["id"] for row in submissions_of(ret)[0].submission.answers["action_plan"]["actions"]]
    for row_id in row_ids:
        assert {("action.status", row_id, "on_track"), ("action.thrive_need", row_id, "thriving"), ("action.focus", row_id, "anxiety")} <= facts

    # Taken, returned with a comment, resubmitted, accepted.
    assert officer.post(f"/returns/{ret.id}/take", {}).status_code == 303
    review = text(officer.get(f"/returns/{ret.id}/review"))
    assert "Priya Shah" in review and "Self-rating: Leadership and management" in review
    comments = {f"comment_{key}": "" for key in SECTIONS}
    sent_back = officer.post(f"/returns/{ret.id}/review", {"decision": "return", "reason": "Make the criteria measurable", **comments, "comment_action_plan": "Measurable, please", "note": ""})
    assert sent_back.status_code == 303, text(sent_back)[:2000]
    db.session.refresh(ret)
    assert ret.state == RETURNED
    assert "Make the criteria measurable" in text(colleague.get(f"/returns/{ret.id}"))
    assert "Measurable, please" in text(colleague.get(section_path(ret, "action_plan")))
    data = valid("action_plan")
    data["actions-0-success_criteria"] = "Survey: 85% know what to do"
    assert save(colleague, ret, "action_plan", data).status_code == 303
    assert head.post(f"/returns/{ret.id}/check", {"declaration": "y"}).status_code == 303
    assert officer.post(f"/returns/{ret.id}/take", {}).status_code == 303
    accepted = officer.post(f"/returns/{ret.id}/review", {"decision": "accept", "reason": "", **comments, "note": ""})
    assert accepted.status_code == 303, text(accepted)[:2000]
    db.session.refresh(ret)
    assert ret.state == ACCEPTED
    current = {f.text_value for f in db.session.scalars(select(Fact).where(Fact.return_id == ret.id, Fact.current.is_(True), Fact.key == "lead.trained"))}
    assert current == {"yes"}


def test_every_read_of_a_plan_is_audited(world, ret):
    world.complete(ret)
    lifecycle.perform(lifecycle.SUBMIT, ret, world.approver)
    db.session.commit()
    before = reads(ret)
    assert world.browser("officer").get(f"/returns/{ret.id}/review").status_code == 200
    assert reads(ret) == before + 1
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "return_read").order_by(AuditEvent.id.desc())).first()
    assert event.user_id == world.officer.id and event.detail["return_type"] == "wellbeing" and event.detail["school_id"] == world.school.id
    assert world.browser("approver").get(f"/returns/{ret.id}/submissions/1").status_code == 200
    assert reads(ret) == before + 2
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "return_read").order_by(AuditEvent.id.desc())).first()
    assert event.user_id == world.approver.id
    # Refused: another school's read is not found, and reads nothing.
    assert world.browser("other").get(f"/returns/{ret.id}/submissions/1").status_code == 404
    assert reads(ret) == before + 2
