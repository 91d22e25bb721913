"""The safeguarding alert (issue 16): a self-evaluation submitted with safeguarding not met mails the
officers at once (once, however often it is resubmitted), stands first on the officers' home until
an officer acknowledges it, and keeps who acknowledged it and when; only council staff see it or
acknowledge it. The rule is the self-evaluation's own (ReturnType.alerts); the engine raises it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.engine import lifecycle, registry
from app.extensions import db
from app.mail import outbox
from app.models import ReturnSection, Role
from app.models.monitoring import ReturnAlert
from app.models.returns import SECTION_COMPLETED
from app.officer import tracker as tr
from tests.officer.test_tracker import DUE, Borough, at
from tests.returns.test_sef_sections import Browser

NOW = at(DUE - timedelta(days=1))
STATEMENT = "The single central record had gaps the governors found this term"


@pytest.fixture
def borough(factory, monkeypatch):
    monkeypatch.setattr(tr, "now", lambda: NOW)
    found = Borough(factory)
    found.admin = factory.user(Role.ADMIN, name="Ada Admin")
    found.retired = factory.user(Role.OFFICER, name="Rita Retired", active=False)
    return found


def submit(borough, name: str, outcome: str):
    head, school = borough.heads[name], borough.schools[name]
    ret = lifecycle.start(head, borough.window, school)
    db.session.add(ReturnSection(return_id=ret.id, key="safeguarding", answers={"outcome": outcome, "statement": STATEMENT}, version=1,
                                 status=SECTION_COMPLETED, updated_by_id=head.id))
    db.session.flush()
    outbox().clear()
    lifecycle.perform(lifecycle.SUBMIT, ret, head, now=NOW)
    db.session.commit()  # the mail goes when the move commits (a savepoint under test)
    return ret


def alert_mail():
    return [mail for mail in outbox() if mail.subject.startswith("Alert:")]


def alerts() -> list[ReturnAlert]:
    return list(db.session.scalars(select(ReturnAlert).order_by(ReturnAlert.id)))


def test_not_met_mails_every_officer_once_and_nobody_else(app, borough):
    ret = submit(borough, "Ash Primary", "not_met")
    mails = alert_mail()
    assert sorted(mail.to for mail in mails) == sorted([borough.officer.email, borough.other_officer.email])
    assert {mail.subject for mail in mails} == {"Alert: Ash Primary's self-evaluation (autumn 2026): Safeguarding not met"}
    assert all(STATEMENT not in mail.body and f"/returns/{ret.id}/review" in mail.body for mail in mails)
    [alert] = alerts()
    assert (alert.return_id, alert.key, alert.title, alert.acknowledged_at) == (ret.id, "safeguarding_not_met", "Safeguarding not met", None)
    # Sent back and resubmitted still not met: the alert stands, nobody is mailed again.
    lifecycle.perform(lifecycle.RETURN_FOR_CHANGES, ret, borough.officer, reason="Tell us what you are doing about it", now=NOW)
    outbox().clear()
    lifecycle.perform(lifecycle.SUBMIT, ret, borough.heads["Ash Primary"], now=NOW)
    db.session.commit()
    assert alert_mail() == [] and len(alerts()) == 1


def test_met_raises_nothing(app, borough):
    submit(borough, "Ash Primary", "met")
    assert alert_mail() == [] and alerts() == []


def test_the_rule_is_the_types_own():
    sef = registry.get("sef")
    assert [a.key for a in sef.alerts({"safeguarding": {"outcome": "not_met"}}, sef.form_version)] == ["safeguarding_not_met"]
    assert sef.alerts({"safeguarding": {"outcome": "met"}}, sef.form_version) == []
    assert sef.alerts({}, sef.form_version) == []
    for kind in registry.all_types():
        if kind.key != "sef":
            assert kind.alerts({"safeguarding": {"outcome": "not_met"}}, kind.form_version) == []


def test_shown_first_until_acknowledged_and_the_acknowledgement_kept(app, borough):
    submit(borough, "Ash Primary", "not_met")
    [alert] = alerts()
    for person in (borough.officer, borough.other_officer, borough.admin):
        html = Browser(app, person).get("/home").get_data(as_text=True)
        assert 'id="home-alerts"' in html and html.index('id="home-alerts"') < html.index('id="home-reviews"')
        assert "Safeguarding not met: Ash Primary" in html
    officer = Browser(app, borough.officer)
    response = officer.post(f"/home/alerts/{alert.id}/acknowledge")
    assert response.status_code == 303 and response.headers["Location"] == "/home"
    page = officer.get("/home").get_data(as_text=True)
    assert "Alert acknowledged: Safeguarding not met at Ash Primary" in page and 'id="home-alerts"' not in page
    db.session.refresh(alert)
    assert alert.acknowledged_by_id == borough.officer.id and alert.acknowledged_at is not None
    when = alert.acknowledged_at
    # A colleague acknowledging it too changes nothing: the first acknowledgement stands.
    other = Browser(app, borough.other_officer)
    other.post(f"/home/alerts/{alert.id}/acknowledge")
    assert "Sam Officer had already acknowledged the alert about Ash Primary" in other.get("/home").get_data(as_text=True)
    db.session.refresh(alert)
    assert (alert.acknowledged_by_id, alert.acknowledged_at) == (borough.officer.id, when)
    assert 'id="home-alerts"' not in other.get("/home").get_data(as_text=True)
    # The school's page keeps the record: who acknowledged it, and when.
    school_page = officer.get(f"/schools/{borough.schools['Ash Primary'].id}").get_data(as_text=True)
    assert "Acknowledged by Sam Officer on" in school_page.split('id="school-alerts"')[1].split("</ul>")[0]


def test_only_council_staff_see_or_acknowledge_it(app, borough):
    submit(borough, "Ash Primary", "not_met")
    [alert] = alerts()
    head = Browser(app, borough.heads["Ash Primary"])
    assert head.get("/home").status_code == 404
    assert 'id="school-alerts"' not in head.get(f"/schools/{borough.schools['Ash Primary'].id}").get_data(as_text=True)
    assert "Safeguarding not met" not in head.get("/school").get_data(as_text=True)
    assert head.post(f"/home/alerts/{alert.id}/acknowledge").status_code == 404
    db.session.refresh(alert)
    assert alert.acknowledged_at is None
    assert all(mail.to not in {borough.heads["Ash Primary"].email, borough.admin.email, borough.retired.email} for mail in alert_mail())


def test_acknowledging_needs_the_csrf_token(app, borough):
    submit(borough, "Ash Primary", "not_met")
    [alert] = alerts()
    officer = Browser(app, borough.officer)
    assert officer.post(f"/home/alerts/{alert.id}/acknowledge", token="forged").status_code == 400
    assert officer.post(f"/home/alerts/{alert.id}/acknowledge", token=False).status_code == 400
    assert officer.post("/home/alerts/999999/acknowledge").status_code == 404
    db.session.refresh(alert)
    assert alert.acknowledged_at is None


@pytest.mark.own_database
def test_the_demo_shows_every_state_a_reminder_history_and_an_alert(tmp_path):
    from flask_migrate import upgrade

    from app import create_app
    from app.demo import seed_demo
    from app.models import CollectionWindow
    from app.officer.alerts import open_alerts

    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/demo.db")
    with app.app_context():
        upgrade()
        seed_demo(app.config["LA_CODE"], "a demo password for tests")
        db.session.commit()
        window = db.session.scalar(select(CollectionWindow).where(CollectionWindow.return_type == "sef", CollectionWindow.closed_at.is_(None)))
        found = tr.tracker(window, tr.Filters())
        assert all(found.counts[key] > 0 for key, _ in tr.STATUSES), found.counts
        assert sum(1 for row in found.rows if row.reminder and row.reminder.by == "Dana Okafor") == 2
        assert sum(1 for row in found.rows if row.extended) == 1
        [alert] = open_alerts()
        assert alert.title == "Safeguarding not met" and alert.window_title == window.title
        db.session.remove()
        db.engine.dispose()
