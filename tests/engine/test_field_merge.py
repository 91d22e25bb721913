"""Saves merged answer by answer, and drafts that keep whatever was typed, over HTTP.

Two people with the same section open: answers only one of them changed are both kept, rows merge
by their ids, and only an answer both changed goes to the conflict page. An invalid value is kept as
typed with its message, never stops another answer's save, and blocks only completing and submitting.
"""

from __future__ import annotations

from html import unescape

import pytest

from app.engine.merge import Fingerprint, flatten, merge, unflatten
from app.models.returns import SECTION_COMPLETED, SECTION_IN_PROGRESS
from tests.returns.test_sef_sections import (  # noqa: F401  (fixtures)
    VALID_JSON, loaded_with, priority_rows, ret, save, section_path, stored, text, valid, world,
)


def open_both(world, ret, key):
    """The head's and the colleague's browsers, each with the section page open (what it sends back)."""
    head, colleague = world.browser("approver"), world.browser("contributor")
    return head, colleague, [loaded_with(text(browser.get(section_path(ret, key)))) for browser in (head, colleague)]


# ---------------------------------------------------------------------------------------------
# Different answers: both kept, no conflict


@pytest.mark.parametrize("autosave", [False, True], ids=["form post", "autosave"])
def test_two_people_changing_different_answers_both_keep_theirs(world, ret, autosave):
    save_valid_context = save(world.browser(), ret, "context", valid("context"))
    assert save_valid_context.status_code == 303
    head, colleague, (head_page, colleague_page) = open_both(world, ret, "context")
    assert save(head, ret, "context", {**valid("context"), "pupils_on_roll": "300", **head_page}, version=1, autosave=True).status_code == 200
    response = save(colleague, ret, "context", {**valid("context"), "eal": "12.5", **colleague_page}, version=1, autosave=autosave)
    row = stored(ret, "context")
    assert (row.answers["pupils_on_roll"], row.answers["eal"]) == (300, "12.5")
    if autosave:
        assert response.status_code == 200
        assert "Changes a colleague saved to 1 other answer are kept too" in text(response)
    else:
        # Shown again with both people's answers, to be checked and completed once more.
        assert response.status_code == 200
        page = unescape(text(response))
        assert "Hana Head saved this section while you were working on it" in page and "Pupils on roll" in page
        assert 'value="300"' in page and 'value="12.5"' in page
        assert row.status == SECTION_IN_PROGRESS
    # The page's next save starts from what it shows now (its new fingerprint came with the answer).
    # After an autosave it still shows the old number of pupils: that save keeps the head's number.
    # After the form post it was shown again with both changes, so it shows the head's number.
    now_showing = loaded_with(text(response))
    pupils = valid("context")["pupils_on_roll"] if autosave else "300"
    again = save(colleague, ret, "context", {**valid("context"), "pupils_on_roll": pupils, "eal": "13", **now_showing}, version=row.version, autosave=True)
    assert again.status_code == 200
    assert (stored(ret, "context").answers["pupils_on_roll"], stored(ret, "context").answers["eal"]) == (300, "13")


def test_rows_merge_by_their_ids(world, ret):
    assert save(world.browser(), ret, "priorities", priority_rows(4)).status_code == 303
    head, colleague, (head_page, colleague_page) = open_both(world, ret, "priorities")
    # The head rewords priority 1 and removes priority 4; the colleague rewords priority 2 and adds a fifth.
    head_rows = {**priority_rows(3), **{k: v for k, v in head_page.items() if k.startswith("priorities-") and not k.startswith("priorities-3")}}
    head_rows["priorities-0-title"] = "The head's first priority"
    assert save(head, ret, "priorities", {**head_rows, "loaded": head_page["loaded"]}, version=1).status_code == 303
    colleague_rows = {**priority_rows(5), **{k: v for k, v in colleague_page.items() if k.startswith("priorities-")}}
    colleague_rows["priorities-1-title"] = "The colleague's second priority"
    response = save(colleague, ret, "priorities", {**colleague_rows, "loaded": colleague_page["loaded"]}, version=1)
    assert response.status_code == 200, "merged, shown again to check"
    titles = [row["title"] for row in stored(ret, "priorities").answers["priorities"]]
    assert titles == ["The head's first priority", "The colleague's second priority", "Priority number 3", "Priority number 5"]


def test_a_row_one_person_removed_and_the_other_changed_is_kept(world, ret):
    assert save(world.browser(), ret, "priorities", priority_rows(4)).status_code == 303
    head, colleague, (head_page, colleague_page) = open_both(world, ret, "priorities")
    head_rows = {**priority_rows(4), **{k: v for k, v in head_page.items() if k.startswith("priorities-")}}
    head_rows["priorities-3-impact"] = "The head added evidence to priority 4"
    assert save(head, ret, "priorities", {**head_rows, "loaded": head_page["loaded"]}, version=1).status_code == 303
    colleague_rows = {**priority_rows(3), **{k: v for k, v in colleague_page.items() if k.startswith("priorities-") and not k.startswith("priorities-3")}}
    save(colleague, ret, "priorities", {**colleague_rows, "loaded": colleague_page["loaded"]}, version=1)
    rows = stored(ret, "priorities").answers["priorities"]
    assert len(rows) == 4 and rows[3]["impact"] == "The head added evidence to priority 4"


# ---------------------------------------------------------------------------------------------
# The same answer: the conflict page


def test_the_conflict_page_shows_hostile_text_as_text(world, ret):
    assert save(world.browser(), ret, "safeguarding", valid("safeguarding")).status_code == 303
    head, colleague, (head_page, colleague_page) = open_both(world, ret, "safeguarding")
    hostile = "<script>alert('head')</script>'; DROP TABLE returns; --"
    assert save(head, ret, "safeguarding", {**valid("safeguarding"), "statement": hostile, **head_page}, version=1).status_code == 303
    response = save(colleague, ret, "safeguarding", {**valid("safeguarding"), "statement": "<img src=x onerror=alert(1)>", **colleague_page}, version=1)
    assert response.status_code == 409
    page = text(response)
    assert "<script>alert(" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(" in page and "&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.mark.parametrize(
    "loaded",
    ["", "not json", "[]", '{"v": 1, "o": {}}', '{"v": {"statement": 5}, "o": {}}', '{"v": {}, "o": {"x": "y"}}', "{" * 300_000],
    ids=["empty", "words", "a list", "values not a dict", "a number for a hash", "an order not a list", "huge"],
)
def test_a_forged_fingerprint_is_treated_as_none_never_a_server_error(world, ret, loaded):
    assert save(world.browser(), ret, "safeguarding", valid("safeguarding")).status_code == 303
    # At the saved version the save goes through; at an older one, every difference is to be chosen.
    ok = save(world.browser(), ret, "safeguarding", {**valid("safeguarding"), "statement": "Current", "loaded": loaded}, version=1)
    assert ok.status_code in (303, 409)
    stale = save(world.browser("contributor"), ret, "safeguarding", {**valid("safeguarding"), "statement": "Stale", "loaded": loaded}, version=1)
    assert stale.status_code == 409 and "Stale" in text(stale)


def test_forged_choices_on_a_conflict_page_are_never_a_server_error(world, ret):
    assert save(world.browser(), ret, "safeguarding", valid("safeguarding")).status_code == 303
    data = {
        **valid("safeguarding"), "statement": "Mine",
        "clash": ["statement", "x" * 1000, "priorities.nope.title", "", "<script>"] + [f"made-up-{n}" for n in range(500)],
        "resolve-statement": "combined", "combined-statement": "y" * 60_000, "resolve-<script>": "theirs",
    }
    response = save(world.browser("contributor"), ret, "safeguarding", data, version=1)
    assert response.status_code in (303, 409, 422)
    assert "<script>" not in text(response).replace('<script type="module"', "").replace("<script src=", "").replace("<script nonce", "")


# ---------------------------------------------------------------------------------------------
# A draft keeps whatever was typed


def test_an_invalid_value_never_stops_another_answer_being_saved(world, ret):
    browser = world.browser()
    assert save(browser, ret, "context", {**valid("context"), "pupils_on_roll": "abc"}, autosave=True).status_code == 200
    response = save(browser, ret, "context", {**valid("context"), "pupils_on_roll": "abc", "eal": "31"}, autosave=True)
    assert response.status_code == 200 and "Saved at" in text(response)
    row = stored(ret, "context")
    assert row.answers["eal"] == "31" and row.answers.get("pupils_on_roll") is None
    assert row.invalid == {"pupils_on_roll": {"value": ["abc"], "message": "Pupils on roll must be a whole number, like 240"}}
    # On the task list, on the section after a reload, and in the way of completing and submitting.
    assert "1 answer needs attention" in text(browser.get(f"/returns/{ret.id}"))
    page = text(browser.get(section_path(ret, "context")))
    assert 'value="abc"' in page and "Pupils on roll must be a whole number, like 240" in page


@pytest.mark.parametrize("how", ["save and come back later", "autosave"])
def test_a_section_with_an_invalid_value_blocks_submission(world, ret, how):
    for key in VALID_JSON:
        assert save(world.browser(), ret, key, valid(key)).status_code == 303
    data = {**valid("context"), "send_support": "lots"}
    if how == "autosave":
        assert save(world.browser(), ret, "context", data, autosave=True).status_code == 200
    else:
        response = save(world.browser(), ret, "context", {**data, "intent": "later"})
        assert response.status_code == 303
        overview = text(world.browser().get(response.headers["Location"]))
        assert "1 answer needs attention before the section can be completed" in unescape(overview)
    assert stored(ret, "context").status == SECTION_IN_PROGRESS
    refused = world.browser().post(f"/returns/{ret.id}/check", {"declaration": "y"})
    assert refused.status_code == 422 and "Complete every section before submitting" in text(refused)
    assert save(world.browser(), ret, "context", valid("context")).status_code == 303
    assert stored(ret, "context").status == SECTION_COMPLETED and stored(ret, "context").invalid == {}


def test_save_and_come_back_later_keeps_a_half_finished_section_without_completing_it(world, ret):
    response = save(world.browser(), ret, "inclusion", {"strengths": "Half a thought", "intent": "later"})
    assert response.status_code == 303
    row = stored(ret, "inclusion")
    assert row.answers["strengths"] == "Half a thought" and row.status == SECTION_IN_PROGRESS
    assert "In progress" in text(world.browser().get(f"/returns/{ret.id}"))
    # "Save and come back later" with every answer valid does not mark it completed either.
    assert save(world.browser(), ret, "inclusion", {**valid("inclusion"), "intent": "later"}).status_code == 303
    assert stored(ret, "inclusion").status == SECTION_IN_PROGRESS
    assert save(world.browser(), ret, "inclusion", valid("inclusion")).status_code == 303
    assert stored(ret, "inclusion").status == SECTION_COMPLETED


# ---------------------------------------------------------------------------------------------
# The merge itself


def test_flat_answers_go_back_exactly_as_they_were():
    # (An invalid value's answer is not kept beside it: the typed value is all there is.)
    answers = {"grade": "good", "rows": [{"id": "r1", "t": "x"}, {"id": "r2"}], "empty": [], "_explanations": {"q": "why"}, "many": ["a", "b"]}
    invalid = {"count": {"value": ["abc"], "message": "Not a number"}, "rows.r2.t": {"value": ["y" * 6000], "message": "Too long"}}
    assert unflatten(flatten(answers, invalid)) == (answers, invalid)


def test_merging_keeps_each_side_s_own_changes_and_clashes_only_where_both_changed():
    base = {"a": "1", "b": "1", "c": "1", "rows": [{"id": "r1", "t": "x"}, {"id": "r2", "t": "y"}]}
    fingerprint = Fingerprint.of(flatten(base))
    mine = flatten({**base, "a": "mine", "c": "mine", "rows": [{"id": "r1", "t": "x"}, {"id": "r2", "t": "y"}, {"id": "r3", "t": "new"}]})
    theirs = flatten({**base, "b": "theirs", "c": "theirs", "rows": [{"id": "r2", "t": "y"}]})
    merged = merge(fingerprint, mine, theirs)
    answers, _ = unflatten(merged.flat)
    assert merged.clashes == ["c"]
    assert (answers["a"], answers["b"]) == ("mine", "theirs")
    assert [row["id"] for row in answers["rows"]] == ["r2", "r3"], "their removal of r1 stands; my new r3 is kept"
