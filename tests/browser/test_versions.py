"""A head teacher finds a colleague's earlier answers among a section's versions and restores them,
with the keyboard alone: the list, one version, and the section page after the restore."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page, sign_in
from tests.browser.test_sef import a_school_with_an_open_sef_window, fill_section, press, start_blank

pytestmark = pytest.mark.browser

COLLEAGUES_WORDS = "Aisha's notes: <script>alert(1)</script> SEND reviews every term."


def colleagues_version(live, return_id: int) -> None:
    """What a colleague saved before the head saved over it, kept as a version as that save would
have kept it (one browser, one person: the colleague's save is set up here, not typed)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Return, ReturnSection, Role, SectionVersion, User
    from app.models.returns import SECTION_IN_PROGRESS
    from app.models.types import utcnow

    with live.app.app_context():
        ret = db.session.get(Return, return_id)
        colleague = User(
            email=f"aisha.khan.{return_id}@example.org", name="Aisha Khan", role=Role.SCHOOL.value, school_id=ret.school_id,
            password_hash="!", active=True,
        )
        db.session.add(colleague)
        db.session.flush()
        row = db.session.scalar(select(ReturnSection).where(ReturnSection.return_id == ret.id, ReturnSection.key == "inclusion"))
        now = utcnow()
        db.session.add(
            SectionVersion(
                return_id=ret.id, key="inclusion", number=row.version,
                answers={"grade": "strong", "strengths": COLLEAGUES_WORDS, "improvements": "Transition work with the secondary schools."},
                invalid={"grade": {"value": ["excellent"], "message": "Select a grade from the list"}},
                status=SECTION_IN_PROGRESS, saved_by_id=colleague.id, saved_at=now - timedelta(hours=2),
                replaced_by_id=row.updated_by_id, replaced_at=now - timedelta(hours=1),
            )
        )
        db.session.commit()
        db.session.remove()


def test_a_head_teacher_restores_a_colleagues_version_with_the_keyboard(page, live):
    window_id, _school_name, head = a_school_with_an_open_sef_window(live)
    sign_in(page, head)
    start_blank(page, window_id, keyboard=False)
    return_id = int(re.search(r"/returns/(\d+)", page.url).group(1))
    page.goto(f"/returns/{return_id}/sections/inclusion")
    fill_section(page, "inclusion", keyboard=False)
    press(page, page.get_by_role("button", name="Save and continue"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("‘Inclusion’ saved")
    colleagues_version(live, return_id)

    page.goto(f"/returns/{return_id}/sections/inclusion/versions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Versions of ‘Inclusion’")
    expect(page.locator("main")).to_contain_text("Current version")
    expect(page.locator("main")).to_contain_text("Saved by Aisha Khan")
    expect(page.locator("main")).to_contain_text(re.compile(r"Replaced by .+ at \d{1,2} [A-Z][a-z]+ \d{4} at \d{1,2}(:\d\d)?(am|pm)"))
    check_page(page, "versions-list")

    press(page, page.get_by_role("link", name=re.compile(r"^View the version saved on")))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Version saved on")
    # The colleague's words as text (the script tag shows, it does not run), in the form's own labels.
    expect(page.locator("main")).to_contain_text(COLLEAGUES_WORDS)
    expect(page.locator("main")).to_contain_text("Key strengths and the evidence for them")
    expect(page.locator("main")).to_contain_text("Strong standard")
    expect(page.locator("main")).to_contain_text("Not a valid answer yet: excellent")
    check_page(page, "version")

    press(page, page.get_by_role("button", name="Restore this version"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("has been restored")
    expect(page.get_by_label("Key strengths and the evidence for them")).to_have_value(COLLEAGUES_WORDS)
    check_page(page, "version-restored")
