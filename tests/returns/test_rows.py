"""The shared "add another" block over HTTP (the self-evaluation's priorities stand for every list):
add, remove, move up and move down, without JavaScript (a plain POST of the whole form) and with
htmx (the same POST with HX-Request). Each shows the section again with the rows changed, keeps what
was typed, puts the focus back on the row acted on, and saves nothing; the list keeps between its
minimum and maximum number of rows."""

from __future__ import annotations

import re

import pytest

from tests.returns.test_sef_sections import VALID_JSON, World, fingerprint, priority_rows, save, section_path, stored, text, without_row_ids

HOW = pytest.mark.parametrize("htmx", [False, True], ids=["without-javascript", "with-htmx"])


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


@pytest.fixture
def ret(world):
    return world.start()


def rows_of(count: int, **changes) -> dict:
    """Form data for ``count`` rows, each row's three parts naming its own number."""
    data = priority_rows(count)
    data.update(changes)
    return data


def press(world, ret, data: dict, button: str, value: str, *, htmx: bool = False):
    response = world.browser().post(section_path(ret, "priorities"), {**data, "version": "0", button: value}, htmx=htmx)
    assert response.status_code == 200, text(response)[:1000]
    return text(response)


def block(page: str) -> str:
    """The "add another" block: what htmx swaps (hx-select="#field-priorities")."""
    start = page.index('<div id="field-priorities"')
    return page[start: page.index('id="autosave-status"', start)]


def titles(page: str) -> list[str]:
    """The rows' titles in page order, checking each row is numbered in order too."""
    found = re.findall(r'name="priorities-(\d+)-title" type="text"(?: value="([^"]*)")?', page)
    assert [int(index) for index, _ in found] == list(range(len(found))), "rows numbered 0, 1, 2, ... in order"
    legends = re.findall(r'<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Priority (\d+)</legend>', page)
    assert legends == [str(n) for n in range(1, len(found) + 1)], "legends Priority 1, 2, ... in order"
    return [value for _, value in found]


def impacts(page: str) -> list[str]:
    return re.findall(r'name="priorities-\d+-impact"[^>]*>([^<]*)</textarea>', page)


def numbers(*ns: int) -> list[str]:
    return [f"Priority number {n}" for n in ns]


def autofocused(page: str) -> list[str]:
    return re.findall(r'id="([^"]+)"[^>]*\sautofocus[\s>]', page)


# ---------------------------------------------------------------------------------------------
# Moving


@HOW
def test_move_up_swaps_a_row_with_the_one_above_and_saves_nothing(world, ret, htmx):
    before = fingerprint(ret)
    page = press(world, ret, rows_of(4), "move-row-up", "priorities-2", htmx=htmx)
    assert titles(page) == numbers(1, 3, 2, 4)
    assert impacts(page) == [f"What priority {n} changes" for n in (1, 3, 2, 4)], "the whole row moves"
    assert autofocused(page) == ["priorities-1-move-up"], "the focus stays on the moved row's button"
    assert fingerprint(ret) == before


@HOW
def test_move_down_swaps_a_row_with_the_one_below_and_saves_nothing(world, ret, htmx):
    before = fingerprint(ret)
    page = press(world, ret, rows_of(4), "move-row-down", "priorities-1", htmx=htmx)
    assert titles(page) == numbers(1, 3, 2, 4)
    assert autofocused(page) == ["priorities-2-move-down"]
    assert fingerprint(ret) == before


@HOW
def test_a_row_moved_to_the_top_or_bottom_keeps_the_focus_on_its_other_button(world, ret, htmx):
    page = press(world, ret, rows_of(4), "move-row-up", "priorities-1", htmx=htmx)
    assert titles(page) == numbers(2, 1, 3, 4)
    assert autofocused(page) == ["priorities-0-move-down"], "the first row has no Move up"
    page = press(world, ret, rows_of(4), "move-row-down", "priorities-2", htmx=htmx)
    assert titles(page) == numbers(1, 2, 4, 3)
    assert autofocused(page) == ["priorities-3-move-up"], "the last row has no Move down"


@HOW
def test_the_first_row_cannot_move_up_nor_the_last_down(world, ret, htmx):
    page = press(world, ret, rows_of(4), "move-row-up", "priorities-0", htmx=htmx)
    assert titles(page) == numbers(1, 2, 3, 4)
    page = press(world, ret, rows_of(4), "move-row-down", "priorities-3", htmx=htmx)
    assert titles(page) == numbers(1, 2, 3, 4)
    assert stored(ret, "priorities") is None


def test_moving_there_and_back_restores_the_order(world, ret):
    data = rows_of(5)
    page = press(world, ret, data, "move-row-down", "priorities-0")
    assert titles(page) == numbers(2, 1, 3, 4, 5)
    # What the page now shows is what the next press sends.
    moved = {**data}
    for index, n in enumerate((2, 1, 3, 4, 5)):
        moved.update({f"priorities-{index}-title": f"Priority number {n}", f"priorities-{index}-impact": f"What priority {n} changes"})
    page = press(world, ret, moved, "move-row-up", "priorities-1")
    assert titles(page) == numbers(1, 2, 3, 4, 5)


def test_a_blank_row_keeps_its_place_when_another_moves(world, ret):
    data = rows_of(4)
    for part in ("title", "la_priority", "impact"):
        data[f"priorities-1-{part}"] = ""
    page = press(world, ret, data, "move-row-down", "priorities-2")
    assert titles(page) == ["Priority number 1", "", "Priority number 4", "Priority number 3"]


def test_only_the_buttons_that_can_act_are_shown(world, ret):
    page = block(text(world.browser().get(section_path(ret, "priorities"))))
    assert titles(page) == ["", "", ""]
    assert 'id="priorities-0-move-up"' not in page and 'id="priorities-0-move-down"' in page
    assert 'id="priorities-1-move-up"' in page and 'id="priorities-1-move-down"' in page
    assert 'id="priorities-2-move-up"' in page and 'id="priorities-2-move-down"' not in page
    assert 'name="remove-row"' not in page, "three is the least: no Remove"
    assert page.count('name="add-row"') == 1


def test_each_button_says_which_row_it_acts_on(world, ret):
    page = block(press(world, ret, rows_of(4), "move-row-up", "priorities-3"))
    for label, button, index in (("Move up", "move-row-up", 1), ("Move down", "move-row-down", 1), ("Remove", "remove-row", 1), ("Remove", "remove-row", 3)):
        assert re.search(
            rf'name="{button}" value="priorities-{index}"[^>]*>{label}<span class="govuk-visually-hidden"> priority {index + 1}</span></button>', page
        ), (label, index)
    assert ">Add another priority</button>" in page
    # One fieldset per row, with its number as the legend, inside the list's own fieldset.
    assert page.count('class="govuk-fieldset gt-add-another__row"') == 4


# ---------------------------------------------------------------------------------------------
# Adding and removing, within the limits


@HOW
def test_add_another_adds_a_blank_row_at_the_end_and_focuses_it(world, ret, htmx):
    before = fingerprint(ret)
    page = press(world, ret, rows_of(3), "add-row", "priorities", htmx=htmx)
    assert titles(page) == [*numbers(1, 2, 3), ""]
    assert autofocused(page) == ["priorities-3-row"]
    assert fingerprint(ret) == before


@HOW
def test_remove_takes_out_the_row_and_focuses_the_one_in_its_place(world, ret, htmx):
    before = fingerprint(ret)
    page = press(world, ret, rows_of(5), "remove-row", "priorities-1", htmx=htmx)
    assert titles(page) == numbers(1, 3, 4, 5)
    assert autofocused(page) == ["priorities-1-row"]
    page = press(world, ret, rows_of(5), "remove-row", "priorities-4", htmx=htmx)
    assert titles(page) == numbers(1, 2, 3, 4)
    assert autofocused(page) == ["priorities-3-row"], "the last row removed: the focus goes to the new last"
    assert fingerprint(ret) == before


@HOW
def test_at_the_maximum_there_is_no_add_another_and_a_forged_one_adds_nothing(world, ret, htmx):
    page = press(world, ret, rows_of(6), "add-row", "priorities", htmx=htmx)
    assert titles(page) == numbers(1, 2, 3, 4, 5, 6)
    assert "Add another priority" not in page
    page = press(world, ret, rows_of(5), "add-row", "priorities", htmx=htmx)
    assert len(titles(page)) == 6 and "Add another priority" not in page


@HOW
def test_at_the_minimum_there_is_no_remove_and_a_forged_one_removes_nothing(world, ret, htmx):
    page = press(world, ret, rows_of(3), "remove-row", "priorities-1", htmx=htmx)
    assert titles(page) == numbers(1, 2, 3)
    assert 'name="remove-row"' not in page
    page = press(world, ret, rows_of(4), "remove-row", "priorities-0", htmx=htmx)
    assert titles(page) == numbers(2, 3, 4)
    assert 'name="remove-row"' not in page


def test_more_rows_than_the_maximum_are_kept_for_the_error_not_added_to(world, ret):
    page = press(world, ret, rows_of(8), "move-row-up", "priorities-7")
    assert titles(page) == numbers(1, 2, 3, 4, 5, 6, 8, 7)
    assert "Add another priority" not in page


# ---------------------------------------------------------------------------------------------
# Nothing saved, with or without JavaScript


@HOW
@pytest.mark.parametrize("button, value", [("add-row", "priorities"), ("remove-row", "priorities-3"), ("move-row-up", "priorities-1"), ("move-row-down", "priorities-1")])
def test_no_row_button_saves_anything_over_a_saved_section(world, ret, htmx, button, value):
    assert save(world.browser(), ret, "priorities", priority_rows(3)).status_code == 303
    before = fingerprint(ret)
    changed = {**rows_of(4), "priorities-0-title": "Typed but not saved"}
    response = world.browser().post(section_path(ret, "priorities"), {**changed, "version": "1", button: value}, htmx=htmx)
    assert response.status_code == 200
    assert "Typed but not saved" in text(response), "what was typed is kept on the page"
    assert 'name="version" type="hidden" value="1"' in text(response), "the page still carries the version it was loaded at"
    assert fingerprint(ret) == before
    assert without_row_ids(stored(ret, "priorities").answers) == VALID_JSON["priorities"]


def test_the_same_buttons_post_to_the_section_and_swap_only_their_block(world, ret):
    """With htmx the buttons post the same form to the same route and take only the block back."""
    page = text(world.browser().get(section_path(ret, "priorities")))
    here = section_path(ret, "priorities")
    buttons = re.findall(r'<button type="submit"[^>]*name="(?:add-row|remove-row|move-row-up|move-row-down)"[^>]*>', page)
    assert buttons
    for button in buttons:
        assert f'hx-post="{here}"' in button
        assert 'hx-target="#field-priorities"' in button and 'hx-select="#field-priorities"' in button
        assert 'hx-swap="outerHTML"' in button
        assert "onclick" not in button and "hx-on" not in button
    htmx_page = press(world, ret, rows_of(4), "move-row-up", "priorities-1", htmx=True)
    assert titles(block(htmx_page)) == numbers(2, 1, 3, 4), "the swapped block has the new order"


def test_a_save_after_moving_stores_the_new_order(world, ret):
    page = press(world, ret, rows_of(3), "move-row-down", "priorities-0")
    assert titles(page) == numbers(2, 1, 3)
    moved = {}
    for index, n in enumerate((2, 1, 3)):
        moved.update({f"priorities-{index}-title": f"Priority number {n}", f"priorities-{index}-la_priority": "attainment", f"priorities-{index}-impact": f"What priority {n} changes"})
    assert save(world.browser(), ret, "priorities", moved).status_code == 303
    assert [row["title"] for row in stored(ret, "priorities").answers["priorities"]] == numbers(2, 1, 3)
