"""One form of every text, over HTTP: a form post sends line breaks as CRLF, an htmx autosave as LF,
and a paste brings decomposed accents and invisible characters. The engine stores one form of the
text (app/engine/text.py) whatever the path, so an unchanged answer is never a conflict with the
head's own autosave nor a change in compare, and a snapshot frozen before (CRLF) still compares equal."""

from __future__ import annotations

import unicodedata

import pytest

from app.extensions import db
from app.models import Submission
from app.models.returns import SECTION_COMPLETED
from app.engine import drafts, lifecycle, reviews
from app.engine.history import submissions_of
from app.engine.text import normalise_answers, normalise_text
from tests.returns.test_sef_sections import World, priority_rows, save, section_path, stored, text, valid

KEY = "inclusion"
# What the head typed: three paragraphs. The browser's form post sends them with CRLF, the
# autosave (htmx, from the textarea's value) with LF.
LINES = ["Reading is strong across the school.", "", "Evidence: phonics screening 92%, up from 84%.", "Next: writing at key stage 2."]
LF = "\n".join(LINES)
CRLF = "\r\n".join(LINES)


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


@pytest.fixture
def ret(world):
    return world.start()


def area(strengths: str, improvements: str = "Writing\r\nat key stage 2") -> dict:
    return {**valid(KEY), "strengths": strengths, "improvements": improvements}


def submit(world, ret) -> None:
    response = world.browser().post(f"/returns/{ret.id}/check", {"declaration": "y"})
    assert response.status_code == 303, text(response)[:2000]
    db.session.expire_all()


def return_for_changes(world, ret) -> None:
    lifecycle.perform(lifecycle.RETURN_FOR_CHANGES, ret, world.officer, reason="Add evidence for attendance")
    db.session.flush()


def compared(world, ret, key: str = KEY):
    earlier, later = [row.submission for row in submissions_of(ret)][-2:]
    return {section.key: section for section in reviews.compare(ret, world.school, earlier, later)}[key]


def compare_section_html(world, ret, key: str = KEY) -> str:
    response = world.browser("officer").get(f"/returns/{ret.id}/compare")
    assert response.status_code == 200
    page = text(response)
    start = page.index(f'id="section-{key}"')
    following = page.find('id="section-', start + 1)
    return page[start:following if following != -1 else len(page)]


# ---------------------------------------------------------------------------------------------
# The rule


def test_the_rule():
    assert normalise_text(CRLF) == LF
    assert normalise_text("one\rtwo\u2028three") == "one\ntwo\nthree"
    assert normalise_text("Cafe\u0301") == "Caf\u00e9"  # NFD to NFC
    assert normalise_text("\ufeffzero\u200bwidth\u200c\u200d\u2060") == "zerowidth"
    assert normalise_text("10\u00a0000 pupils") == "10 000 pupils"
    assert normalise_text("  \r\n padded \r\n ") == "padded"
    for sample in (CRLF, "Cafe\u0301\u200b\r\n", " x\u00a0"):
        assert normalise_text(normalise_text(sample)) == normalise_text(sample), "idempotent"
    answers = {"a": CRLF, "rows": [{"id": "p1", "t": "x\r\ny"}], "n": 3, "none": None}
    assert normalise_answers(answers) == {"a": LF, "rows": [{"id": "p1", "t": "x\ny"}], "n": 3, "none": None}
    assert answers["a"] == CRLF, "the answers given are left as they were"


# ---------------------------------------------------------------------------------------------
# Saving: one form whatever the path


def test_a_form_post_and_an_autosave_of_the_same_text_store_the_same_answers(world, ret):
    assert save(world.browser(), ret, KEY, area(CRLF)).status_code == 303
    by_post = stored(ret, KEY).answers
    assert by_post["strengths"] == LF and "\r" not in by_post["improvements"]
    assert save(world.browser(), ret, KEY, area(LF, "Writing\nat key stage 2"), autosave=True).status_code == 200
    db.session.expire_all()
    assert stored(ret, KEY).answers == by_post


def test_saving_after_my_own_autosave_got_there_first_is_not_a_conflict(world, ret):
    assert save(world.browser(), ret, KEY, area(CRLF)).status_code == 303
    loaded = stored(ret, KEY).version
    # The page was loaded at `loaded`; its autosave (LF) lands first and moves the version on...
    assert save(world.browser(), ret, KEY, area(LF + "\nMore.", "Writing\nat key stage 2"), version=loaded, autosave=True).status_code == 200
    db.session.expire_all()
    after_autosave = stored(ret, KEY).version
    assert after_autosave == loaded + 1
    # ...and "Save and continue" from the same page, still naming `loaded`, sends the same text as CRLF.
    response = save(world.browser(), ret, KEY, area(CRLF + "\r\nMore."), version=loaded)
    assert response.status_code == 303, "saved, not the conflict page"
    assert "saved by someone else" not in text(response)
    db.session.expire_all()
    row = stored(ret, KEY)
    # The same words are already saved, so there is nothing new to store: no new version.
    assert row.version == after_autosave and row.status == SECTION_COMPLETED
    assert row.answers["strengths"] == LF + "\nMore."


def test_an_autosave_racing_an_autosave_of_the_same_text_is_saved_not_a_conflict(world, ret):
    assert save(world.browser(), ret, KEY, area(CRLF)).status_code == 303
    loaded = stored(ret, KEY).version
    assert save(world.browser(), ret, KEY, area(CRLF + "\r\nMore."), version=loaded).status_code == 303
    # A late autosave from the page loaded at `loaded`, of what the full save just stored (as LF).
    response = save(world.browser(), ret, KEY, area(LF + "\nMore.", "Writing\nat key stage 2"), version=loaded, autosave=True)
    assert response.status_code == 200, text(response)


def test_someone_elses_different_text_is_still_a_conflict(world, ret):
    assert save(world.browser(), ret, KEY, area(CRLF)).status_code == 303
    loaded = stored(ret, KEY).version
    assert save(world.browser("contributor"), ret, KEY, area(CRLF + "\r\nTheirs.")).status_code == 303
    response = save(world.browser(), ret, KEY, area(CRLF + "\r\nMine."), version=loaded)
    assert response.status_code == 409 or "someone else" in text(response).lower()
    db.session.expire_all()
    assert stored(ret, KEY).answers["strengths"].endswith("Theirs.")


@pytest.mark.parametrize("autosave", [False, True], ids=["form post", "autosave"])
def test_zero_width_characters_and_nfd_are_stored_normalised(world, ret, autosave):
    typed = "\ufeffCafe\u0301 club\u200b meets\u00a0daily.\u200d\r\nSee the re\u0301sume\u0301\u200c."
    response = save(world.browser(), ret, KEY, area(typed), autosave=autosave)
    assert response.status_code == (200 if autosave else 303), text(response)[:1000]
    db.session.expire_all()
    saved = stored(ret, KEY).answers["strengths"]
    assert saved == "Caf\u00e9 club meets daily.\nSee the r\u00e9sum\u00e9."
    assert unicodedata.is_normalized("NFC", saved)
    assert not any(char in saved for char in "\r\u200b\u200c\u200d\ufeff\u00a0")


def test_answers_written_by_code_are_normalised_by_save_section(world, ret):
    answers = {"grade": "strong", "strengths": CRLF + "\u200b", "improvements": "Cafe\u0301"}
    drafts.save_section(ret, KEY, answers, loaded_version=0, user=world.approver, status=SECTION_COMPLETED)
    db.session.expire_all()
    assert stored(ret, KEY).answers == {"grade": "strong", "strengths": LF, "improvements": "Caf\u00e9"}
    assert answers["strengths"] == CRLF + "\u200b", "the caller's answers are not changed under it"


# ---------------------------------------------------------------------------------------------
# Length: the limit counts the text as stored


def five_thousand(lines: int = 50) -> str:
    """5,000 characters with LF line breaks: `lines` lines, each break one character."""
    width = (5000 - (lines - 1)) // lines
    text_ = "\n".join("x" * width for _ in range(lines))
    return text_ + "y" * (5000 - len(text_))


@pytest.mark.parametrize("autosave", [False, True], ids=["form post", "autosave"])
def test_a_5000_character_answer_sent_with_crlf_breaks_is_accepted(world, ret, autosave):
    answer = five_thousand()
    assert len(answer) == 5000 and len(answer.replace("\n", "\r\n")) == 5049
    response = save(world.browser(), ret, KEY, area(answer.replace("\n", "\r\n")), autosave=autosave)
    assert response.status_code == (200 if autosave else 303), text(response)[:1000]
    assert "5,000 characters or fewer" not in text(response)
    db.session.expire_all()
    assert stored(ret, KEY).answers["strengths"] == answer


def test_one_character_over_after_normalising_is_still_refused(world, ret):
    answer = five_thousand() + "z"
    response = save(world.browser(), ret, KEY, area(answer.replace("\n", "\r\n")))
    assert response.status_code == 422
    assert "5,000 characters or fewer" in text(response)
    row = stored(ret, KEY)
    # Kept as typed, apart from the answers, with its message; never an answer.
    assert row.answers.get("strengths") in (None, "") and [typed["value"] for typed in row.invalid.values()] == [[answer]]


def test_invisible_characters_do_not_count_toward_the_limit(world, ret):
    answer = five_thousand()
    response = save(world.browser(), ret, KEY, area("\u200b" * 10 + answer.replace("\n", "\r\n") + "\ufeff"))
    assert response.status_code == 303, text(response)[:1000]


# ---------------------------------------------------------------------------------------------
# Compare: an unchanged answer is unchanged, however it came


def test_submit_return_resubmit_unchanged_through_autosave_is_no_change(world, ret):
    world.complete(ret)
    assert save(world.browser(), ret, KEY, area(CRLF)).status_code == 303  # by form post: CRLF
    submit(world, ret)
    return_for_changes(world, ret)
    # The head opens the section and the autosave sends it back, unchanged, as LF; then resubmits.
    version = stored(ret, KEY).version
    assert save(world.browser(), ret, KEY, area(LF, "Writing\nat key stage 2"), version=version, autosave=True).status_code == 200
    db.session.expire_all()
    assert stored(ret, KEY).status == SECTION_COMPLETED
    submit(world, ret)
    assert len(submissions_of(ret)) == 2
    assert compared(world, ret).changed == []
    assert "No changes in this section." in compare_section_html(world, ret)


def test_an_old_snapshot_with_crlf_compares_equal_to_a_new_one_with_lf(world, ret):
    world.complete(ret)
    assert save(world.browser(), ret, KEY, area(CRLF)).status_code == 303
    submit(world, ret)
    first = submissions_of(ret)[0].submission
    # The snapshot as the app before normalising froze it: CRLF, NFD and a zero-width space (raw
    # SQL: snapshots cannot be changed through the ORM).
    old = {**first.answers, KEY: {**first.answers[KEY], "strengths": CRLF + "\u200b", "improvements": "Writing\r\nat key stage 2"}}
    old["safeguarding"] = {**old["safeguarding"], "statement": unicodedata.normalize("NFD", "A strong culture of safeguarding, r\u00e9sum\u00e9")}
    db.session.execute(Submission.__table__.update().where(Submission.id == first.id).values(answers=old))
    db.session.expire_all()
    return_for_changes(world, ret)
    assert save(world.browser(), ret, "safeguarding", {"outcome": "met", "statement": "A strong culture of safeguarding, r\u00e9sum\u00e9"}).status_code == 303
    submit(world, ret)
    assert compared(world, ret).changed == []
    assert compared(world, ret, "safeguarding").changed == []
    assert "No changes in this section." in compare_section_html(world, ret)
    assert "No changes in this section." in compare_section_html(world, ret, "safeguarding")
    # Compare read the old snapshot; it did not rewrite it.
    db.session.expire_all()
    assert db.session.get(Submission, first.id).answers[KEY]["strengths"] == CRLF + "\u200b"


def test_a_real_change_still_shows(world, ret):
    world.complete(ret)
    assert save(world.browser(), ret, KEY, area(CRLF)).status_code == 303
    submit(world, ret)
    return_for_changes(world, ret)
    assert save(world.browser(), ret, KEY, area(CRLF + "\r\nA new paragraph.")).status_code == 303
    submit(world, ret)
    assert [row.key for row in compared(world, ret).changed] == ["strengths"]


def test_text_in_list_rows_is_normalised_too(world, ret):
    rows = priority_rows(3)
    rows.update({"priorities-0-title": "Attendance\u200b", "priorities-0-impact": "Fewer\r\npersistent\u00a0absentees"})
    assert save(world.browser(), ret, "priorities", rows).status_code == 303
    db.session.expire_all()
    row = stored(ret, "priorities").answers["priorities"][0]
    assert (row["title"], row["impact"]) == ("Attendance", "Fewer\npersistent absentees")
