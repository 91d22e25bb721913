"""Earlier versions of a section, over HTTP: which replaced copies are kept (every one a colleague
overwrote, one per person per five minutes of their own saves), the list and one version's page,
restoring one until the return is submitted, and who may reach any of it."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import SectionVersion
from app.models.returns import ACCEPTED, SECTION_COMPLETED, SECTION_IN_PROGRESS, SUBMITTED
from app.models.types import utcnow
from app.engine import lifecycle, versions
from app.formatting import govuk_datetime
from tests.returns.test_sef_sections import SCRIPT, Browser, World, database_state, save, section_path, stored, text, valid


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


@pytest.fixture
def ret(world):
    return world.start()


def kept(ret, key: str = "inclusion") -> list[SectionVersion]:
    return list(
        db.session.scalars(
            select(SectionVersion).where(SectionVersion.return_id == ret.id, SectionVersion.key == key).order_by(SectionVersion.id)
        )
    )


def inclusion(strengths: str) -> dict:
    return {**valid("inclusion"), "strengths": strengths}


def versions_path(ret, key: str = "inclusion") -> str:
    return section_path(ret, key, "versions")


def version_path(ret, version: SectionVersion, key: str | None = None) -> str:
    return f"{versions_path(ret, key or version.key)}/{version.id}"


def restore(browser: Browser, ret, version: SectionVersion, *, loaded: int | None = None, token=True, key: str | None = None):
    if loaded is None:
        loaded = stored(ret, version.key).version
    return browser.post(f"{version_path(ret, version, key)}/restore", {"version": str(loaded)}, token=token)


@pytest.fixture
def overwritten(world, ret):
    """Hana saves, Carl saves over it, Hana saves over Carl's: two versions kept, newest Carl's."""
    head, colleague = world.browser("approver"), world.browser("contributor")
    assert save(head, ret, "inclusion", inclusion("Hana's first words")).status_code == 303
    assert save(colleague, ret, "inclusion", inclusion("Carl's words")).status_code == 303
    assert save(head, ret, "inclusion", inclusion("Hana's second words")).status_code == 303
    return kept(ret)


# ---------------------------------------------------------------------------------------------
# What is kept


def test_every_copy_a_colleague_overwrote_is_kept(world, ret, overwritten):
    hana, carl = world.approver, world.contributor
    assert [(v.answers["strengths"], v.saved_by_id, v.replaced_by_id) for v in overwritten] == [
        ("Hana's first words", hana.id, carl.id),
        ("Carl's words", carl.id, hana.id),
    ]
    assert [v.number for v in overwritten] == [1, 2]
    assert stored(ret, "inclusion").answers["strengths"] == "Hana's second words"
    # Autosaves over each other too: one more each time.
    assert save(world.browser("contributor"), ret, "inclusion", inclusion("Carl autosaves"), autosave=True).status_code == 200
    assert save(world.browser("approver"), ret, "inclusion", inclusion("Hana autosaves"), autosave=True).status_code == 200
    assert len(kept(ret)) == 4


def test_own_autosaves_keep_at_most_one_version_per_five_minutes(world, ret, monkeypatch):
    head = world.browser("approver")
    start = utcnow()
    clock = {"now": start}
    monkeypatch.setattr("app.engine.drafts.utcnow", lambda: clock["now"])
    for second in range(8):
        clock["now"] = start + timedelta(seconds=20 * second)
        assert save(head, ret, "inclusion", inclusion(f"Typing {second}"), autosave=True).status_code == 200
    assert [v.answers["strengths"] for v in kept(ret)] == ["Typing 0"]
    # Still inside five minutes of the kept one: nothing more.
    clock["now"] = start + timedelta(minutes=4, seconds=50)
    assert save(head, ret, "inclusion", inclusion("Typing 8"), autosave=True).status_code == 200
    assert len(kept(ret)) == 1
    # Five minutes on from the version kept, the next own save keeps one more: what it replaces.
    clock["now"] = start + timedelta(minutes=5, seconds=1)
    assert save(head, ret, "inclusion", inclusion("Typing 9"), autosave=True).status_code == 200
    assert [v.answers["strengths"] for v in kept(ret)] == ["Typing 0", "Typing 8"]
    assert stored(ret, "inclusion").answers["strengths"] == "Typing 9"


# ---------------------------------------------------------------------------------------------
# The list and one version


def test_the_list_shows_the_current_version_then_the_earlier_ones_newest_first(world, ret, overwritten):
    page = unescape(text(world.browser("contributor").get(versions_path(ret))))
    current = stored(ret, "inclusion")
    first, second = overwritten
    assert "Current version" in page and f"{govuk_datetime(current.updated_at)}" in page
    assert page.index("Current version") < page.index("Earlier versions")
    # Newest first, each with who saved it and who replaced it, in London time.
    assert page.index(f'/versions/{second.id}"') < page.index(f'/versions/{first.id}"')
    assert "Saved by Carl Contributor" in page and f"Replaced by Hana Head at {govuk_datetime(second.replaced_at)}" in page
    assert "Saved by Hana Head" in page and f"Replaced by Carl Contributor at {govuk_datetime(first.replaced_at)}" in page
    assert re.search(r"\d{1,2} [A-Z][a-z]+ \d{4} at \d{1,2}(:\d\d)?(am|pm)", page)
    assert "There are no earlier versions" not in page


def test_a_section_saved_once_has_no_earlier_versions(world, ret):
    assert save(world.browser(), ret, "inclusion", inclusion("Only once")).status_code == 303
    page = text(world.browser().get(versions_path(ret)))
    assert "Current version" in page and "There are no earlier versions of this section" in page
    never = text(world.browser().get(versions_path(ret, "safeguarding")))
    assert "Nobody has saved this section yet" in never


def test_one_version_shows_its_answers_in_the_forms_words_and_a_restore_button(world, ret, overwritten):
    carls = overwritten[1]
    response = world.browser().get(version_path(ret, carls))
    assert response.status_code == 200
    page = unescape(text(response))
    assert "Key strengths and the evidence for them" in page and "Carl's words" in page
    assert "Your self-evaluated grade" in page and "Strong standard" in page
    assert "Saved by Carl Contributor" in page and "Replaced by Hana Head" in page
    assert "Restore this version" in page
    assert f'name="version" value="{stored(ret, "inclusion").version}"' in page
    assert 'name="csrf_token"' in page


def test_what_was_typed_but_not_valid_is_listed_with_its_message(world, ret, overwritten):
    # The working copy holds a value that was not valid yet (as an autosave keeps it); a colleague's
    # save replaces that copy, so the version keeps the invalid value too.
    row = stored(ret, "inclusion")
    row.invalid = {"grade": {"value": ["brilliant"], "message": "Select a grade from the list"}}
    db.session.flush()
    assert save(world.browser("contributor"), ret, "inclusion", inclusion("Carl again")).status_code == 303
    newest = kept(ret)[-1]
    assert newest.invalid == {"grade": {"value": ["brilliant"], "message": "Select a grade from the list"}}
    page = unescape(text(world.browser().get(version_path(ret, newest))))
    assert "Not a valid answer yet: brilliant" in page and "Select a grade from the list" in page
    assert page.index("Your self-evaluated grade", page.index("Typed but not valid yet")) > 0


def test_html_and_script_in_a_version_come_back_escaped_on_both_pages(world, ret):
    assert save(world.browser(), ret, "inclusion", inclusion(SCRIPT)).status_code == 303
    assert save(world.browser("contributor"), ret, "inclusion", inclusion("Safe")).status_code == 303
    hostile = kept(ret)[-1]
    assert hostile.answers["strengths"] == SCRIPT
    row = stored(ret, "inclusion")
    row.invalid = {"grade": {"value": ['"><script>alert(2)</script>'], "message": "<b>bold</b>"}}
    db.session.flush()
    world.contributor.name = "<script>alert(3)</script>"
    db.session.flush()
    assert save(world.browser(), ret, "inclusion", inclusion("Later")).status_code == 303
    for path in (versions_path(ret), version_path(ret, hostile), version_path(ret, kept(ret)[-1])):
        page = text(world.browser().get(path))
        assert "<script>alert(" not in page and "<b>bold" not in page, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text(world.browser().get(version_path(ret, hostile)))
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in text(world.browser().get(versions_path(ret)))
    invalid_page = text(world.browser().get(version_path(ret, kept(ret)[-1])))
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in invalid_page and "&lt;b&gt;bold&lt;/b&gt;" in invalid_page


# ---------------------------------------------------------------------------------------------
# Restoring


def test_restoring_makes_the_version_the_working_copy_and_keeps_the_one_it_replaces(world, ret, overwritten):
    first = overwritten[0]
    before = stored(ret, "inclusion")
    assert before.status == SECTION_COMPLETED
    replaced_answers, replaced_version = dict(before.answers), before.version
    response = restore(world.browser("contributor"), ret, first)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(section_path(ret, "inclusion"))
    after = stored(ret, "inclusion")
    assert after.answers["strengths"] == "Hana's first words"
    assert (after.status, after.version, after.updated_by_id) == (SECTION_IN_PROGRESS, replaced_version + 1, world.contributor.id)
    newest = kept(ret)[-1]
    assert (newest.answers, newest.number, newest.replaced_by_id) == (replaced_answers, replaced_version, world.contributor.id)
    banner = unescape(text(world.browser("contributor").get(section_path(ret, "inclusion"))))
    assert "has been restored" in banner and f"saved on {govuk_datetime(first.saved_at)} by Hana Head" in banner


def test_a_restore_from_htmx_is_answered_with_hx_redirect_to_the_section(world, ret, overwritten):
    loaded = stored(ret, "inclusion").version
    response = world.browser().post(f"{version_path(ret, overwritten[1])}/restore", {"version": str(loaded)}, htmx=True)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].endswith(section_path(ret, "inclusion"))
    assert stored(ret, "inclusion").answers["strengths"] == "Carl's words"


def test_restoring_over_ones_own_recent_save_still_keeps_it(world, ret, overwritten):
    """The five-minute rule is for autosaves: a restore always keeps the copy it replaces."""
    head = world.browser("approver")
    count = len(kept(ret))
    assert restore(head, ret, overwritten[1]).status_code == 303
    assert len(kept(ret)) == count + 1


def test_a_restore_from_a_page_that_is_out_of_date_is_a_conflict_and_changes_nothing(world, ret, overwritten):
    stale = stored(ret, "inclusion").version
    assert save(world.browser("contributor"), ret, "inclusion", inclusion("Carl, meanwhile")).status_code == 303
    before = database_state()
    response = restore(world.browser(), ret, overwritten[0], loaded=stale)
    assert response.status_code == 409
    page = unescape(text(response))
    assert "someone has saved this section since you opened this page" in page
    assert "govuk-error-summary" in page and page.startswith("<!DOCTYPE html>") and "<title>Error: " in page
    # The button now carries the section's current version, so restoring again is a knowing choice.
    assert f'name="version" value="{stored(ret, "inclusion").version}"' in page
    assert database_state() == before
    missing = world.browser().post(f"{version_path(ret, overwritten[0])}/restore", {})
    assert missing.status_code == 409 and database_state() == before


def test_after_submission_versions_can_be_read_but_not_restored(world, ret, overwritten):
    world.complete(ret)
    head = world.browser()
    assert head.post(f"/returns/{ret.id}/check", {"declaration": "y"}).status_code == 303
    db.session.refresh(ret)
    assert ret.state == SUBMITTED
    listing = text(head.get(versions_path(ret)))
    assert "This return has been submitted" in listing and "Earlier versions" in listing
    page = head.get(version_path(ret, overwritten[0]))
    assert page.status_code == 200 and "Restore this version</button>" not in text(page)
    assert "You cannot restore this version now" in text(page)
    before = database_state()
    response = restore(head, ret, overwritten[0])
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/returns/{ret.id}")
    assert database_state() == before
    assert "This return has been submitted" in text(head.get(f"/returns/{ret.id}"))


def test_versions_go_when_the_return_is_accepted(world, ret, overwritten):
    gone = version_path(ret, overwritten[0])
    world.complete(ret)
    assert world.browser().post(f"/returns/{ret.id}/check", {"declaration": "y"}).status_code == 303
    officer = world.browser("officer")
    assert officer.post(f"/returns/{ret.id}/take", {}).status_code == 303
    assert officer.post(f"/returns/{ret.id}/review", {"decision": "accept"}).status_code == 303
    db.session.refresh(ret)
    assert ret.state == ACCEPTED
    assert db.session.scalar(select(func.count()).select_from(SectionVersion).where(SectionVersion.return_id == ret.id)) == 0
    assert "There are no earlier versions" in text(world.browser().get(versions_path(ret)))
    assert world.browser().get(gone).status_code == 404


# ---------------------------------------------------------------------------------------------
# Who may reach what


def test_another_school_and_officers_get_404_for_every_version_page(world, ret, overwritten):
    version = overwritten[0]
    before = database_state()
    for who in ("other", "officer", "admin"):
        browser = world.browser(who)
        assert browser.get(versions_path(ret)).status_code == 404, who
        assert browser.get(version_path(ret, version)).status_code == 404, who
        assert restore(browser, ret, version, loaded=stored(ret, "inclusion").version).status_code == 404, who
    assert database_state() == before


def test_a_version_is_only_reached_through_its_own_return_and_section(world, ret, overwritten):
    head = world.browser()
    version = overwritten[0]
    # Another school's return, with a version of its own.
    other_ret = lifecycle.start(world.other, world.window, world.other_school)
    other = world.browser("other")
    assert save(other, other_ret, "inclusion", inclusion("Theirs")).status_code == 303
    row = stored(other_ret, "inclusion")
    theirs = versions.keep_replaced(row, by=world.approver, now=utcnow(), always=True)
    db.session.flush()
    before = database_state()
    # Their version through our return, ours through theirs, ours under another section, and ids that are not there.
    assert head.get(version_path(ret, theirs, "inclusion")).status_code == 404
    assert restore(head, ret, theirs, loaded=stored(ret, "inclusion").version, key="inclusion").status_code == 404
    assert head.get(f"{versions_path(other_ret)}/{version.id}").status_code == 404
    assert head.get(f"{versions_path(ret, 'safeguarding')}/{version.id}").status_code == 404
    assert restore(head, ret, version, loaded=1, key="safeguarding").status_code == 404
    assert head.get(f"{versions_path(ret)}/999999").status_code == 404
    assert head.post(f"{versions_path(ret)}/999999/restore", {"version": "1"}).status_code == 404
    assert head.get(f"{versions_path(ret)}/not-a-number").status_code == 404
    assert head.get(versions_path(ret, "no-such-section")).status_code == 404
    assert database_state() == before


@pytest.mark.parametrize("token", [None, "", "forged", "IjEyMyI.ZZZZZZ.bad"])
def test_a_restore_with_a_missing_or_forged_csrf_token_is_refused(world, ret, overwritten, token):
    before = database_state()
    response = restore(world.browser(), ret, overwritten[0], token=token)
    assert response.status_code == 400
    assert database_state() == before


# ---------------------------------------------------------------------------------------------
# Queries


def test_the_list_takes_the_same_number_of_queries_however_many_versions(world, ret, count_queries):
    head = world.browser()
    assert save(head, ret, "inclusion", inclusion("Start")).status_code == 303

    def add_versions(count: int) -> None:
        row = stored(ret, "inclusion")
        for number in range(count):
            who = world.contributor if number % 2 else world.approver
            db.session.add(
                SectionVersion(
                    return_id=ret.id, key="inclusion", number=number + 1, answers={"strengths": f"Version {number}"}, invalid={},
                    status=SECTION_IN_PROGRESS, saved_by_id=who.id, saved_at=row.updated_at - timedelta(minutes=10 * (count - number)),
                    replaced_by_id=world.approver.id, replaced_at=row.updated_at,
                )
            )
        db.session.flush()

    def queries_for_list() -> tuple[int, str]:
        with count_queries() as counter:
            response = head.get(versions_path(ret))
        assert response.status_code == 200
        return counter.count, text(response)

    links = re.compile(rf'href="{versions_path(ret)}/\d+"')
    add_versions(2)
    few, page = queries_for_list()
    assert len(links.findall(page)) == 2
    add_versions(20)
    many, page = queries_for_list()
    assert len(links.findall(page)) == 22
    assert many == few, f"{few} queries for 2 versions, {many} for 22"
