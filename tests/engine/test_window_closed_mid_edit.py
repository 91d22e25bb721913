"""Nothing typed is ever lost: someone mid-edit when the collection window closes is told once,
clearly, and shown what they typed so they can copy it; the school still reads its draft after
closing, read-only. Over HTTP, with the self-evaluation's World (tests/returns/test_sef_sections.py)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from app.extensions import db
from tests.returns.test_sef_sections import SCRIPT, World, fingerprint, save, section_path, stored, text, valid

REASON = "The window for this return is closed. Ask the School Improvement Team to reopen it"
AUTOSAVE_MESSAGE = f"Not saved: {REASON}. Your text is still on this page: copy it before you leave."
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


@pytest.fixture
def ret(world):
    return world.start()


def close_window(world: World) -> None:
    """What an officer's "Close the window now" does (app/services/windows.py close_early)."""
    world.window.closed_at = datetime.now(timezone.utc)
    db.session.flush()


def typed_in_inclusion() -> dict:
    return {
        **valid("inclusion"),
        "strengths": f"{SCRIPT}\nA second line about strengths",
        "improvements": "Line one of improvements\nLine two of improvements",
    }


def test_a_full_save_after_the_window_closed_shows_everything_posted_once_and_stores_nothing(world, ret):
    browser = world.browser()
    assert save(browser, ret, "inclusion", valid("inclusion"), autosave=True).status_code == 200
    close_window(world)
    before = fingerprint(ret)

    response = save(browser, ret, "inclusion", typed_in_inclusion())
    assert response.status_code == 409
    page = text(response)
    assert "Your answers were not saved" in page
    assert page.count(REASON) == 1, "the reason is said once, with no flash as well"
    # Every answer posted, under the section's own question, escaped, with its line breaks.
    assert "Key strengths and the evidence for them" in page and "What needs to improve" in page
    assert f"{ESCAPED_SCRIPT}\nA second line about strengths" in page
    assert SCRIPT not in page
    assert "Line one of improvements\nLine two of improvements" in page
    assert f'href="/returns/{ret.id}"' in page
    assert "gt-section-form" not in page
    assert fingerprint(ret) == before

    # A value that is not valid yet is shown as typed, with what is wrong with it.
    response = save(browser, ret, "context", {**valid("context"), "pupils_on_roll": "two hundred"})
    assert response.status_code == 409
    page = text(response)
    assert "Pupils on roll" in page and "two hundred" in page and "Not a valid answer yet" in page
    assert fingerprint(ret) == before

    # Nothing was flashed to turn up on the next page as well.
    assert text(browser.get(f"/returns/{ret.id}")).count(REASON) == 1


def test_an_autosave_after_the_window_closed_says_so_once_and_stores_nothing(world, ret):
    browser = world.browser()
    assert save(browser, ret, "inclusion", valid("inclusion"), autosave=True).status_code == 200
    version = stored(ret, "inclusion").version
    close_window(world)
    before = fingerprint(ret)

    response = save(browser, ret, "inclusion", typed_in_inclusion(), autosave=True)
    assert response.status_code == 409
    fragment = text(response)
    assert fragment.count(AUTOSAVE_MESSAGE) == 1
    assert 'id="autosave-status"' in fragment
    # The page's version and starting point stay in the form, for a save once the window reopens.
    assert f'name="version" type="hidden" value="{version}"' in fragment and 'name="loaded"' in fragment
    assert "See what you typed" in fragment and 'type="submit"' in fragment
    assert 'name="not-saved-told"' in fragment
    assert SCRIPT not in fragment

    # Typing on: the person has been told, so later autosaves change nothing on the page.
    again = save(browser, ret, "inclusion", {**typed_in_inclusion(), "not-saved-told": "1"}, autosave=True)
    assert again.status_code == 204 and text(again) == ""
    assert fingerprint(ret) == before

    # "See what you typed" posts the form, told marker and all, to the section: the closed page.
    shown = save(browser, ret, "inclusion", {**typed_in_inclusion(), "not-saved-told": "1", "intent": "later"})
    assert shown.status_code == 409 and ESCAPED_SCRIPT in text(shown)
    assert fingerprint(ret) == before


def test_after_closing_the_school_reads_its_draft_read_only(world, ret):
    browser = world.browser()
    assert save(browser, ret, "inclusion", typed_in_inclusion(), autosave=True).status_code == 200
    assert save(browser, ret, "context", {**valid("context"), "pupils_on_roll": "lots"}, autosave=True).status_code == 200
    assert stored(ret, "context").invalid
    close_window(world)
    before = fingerprint(ret)

    for who in ("approver", "contributor"):
        response = world.browser(who).get(section_path(ret, "inclusion"))
        assert response.status_code == 200
        page = text(response)
        assert "gt-section-form" not in page and "<textarea" not in page and 'name="version"' not in page
        assert page.count(REASON) == 1
        assert "govuk-summary-list" in page and "Key strengths and the evidence for them" in page
        # (the summary list's macro indents the lines of a value; the page shows the line break)
        assert re.search(re.escape(ESCAPED_SCRIPT) + r"\n\s*A second line about strengths", page) and SCRIPT not in page

    page = text(browser.get(section_path(ret, "context")))
    assert "Pupils on roll" in page and "lots" in page and "Not a valid answer yet" in page

    # The overview links to the sections (to read) and says why once; check your answers too.
    overview = text(browser.get(f"/returns/{ret.id}"))
    assert overview.count(REASON) == 1
    assert f'href="{section_path(ret, "inclusion")}"' in overview
    check = browser.get(f"/returns/{ret.id}/check")
    assert check.status_code == 200 and text(check).count(REASON) == 1
    assert fingerprint(ret) == before


def test_a_reason_flashed_by_another_page_is_not_repeated_on_the_overview(world, ret):
    """The issue: "the same message shown twice" after closing early (a flash and the inset)."""
    browser = world.browser()
    close_window(world)
    with browser.client.session_transaction() as session:
        session["_flashes"] = [("error", REASON)]
    assert text(browser.get(f"/returns/{ret.id}")).count(REASON) == 1


def test_another_schools_return_is_still_not_found_after_closing(world, ret):
    assert save(world.browser(), ret, "inclusion", valid("inclusion"), autosave=True).status_code == 200
    close_window(world)
    before = fingerprint(ret)
    other = world.browser("other")
    assert other.get(section_path(ret, "inclusion")).status_code == 404
    assert other.get(f"/returns/{ret.id}").status_code == 404
    assert save(other, ret, "inclusion", typed_in_inclusion()).status_code == 404
    assert save(other, ret, "inclusion", typed_in_inclusion(), autosave=True).status_code == 404
    assert fingerprint(ret) == before
