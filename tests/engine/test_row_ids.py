"""Row ids over HTTP: every row of a list answer (the self-evaluation's priorities stand for every
list) gets an id from the server and keeps it through add, remove, move, save, autosave, the conflict
page and "start from last accepted"; an id the server did not give (forged, repeated, hostile) is
replaced, never stored as sent; compare pairs rows by id; an old snapshot (rows by position) still
displays and compares."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Submission
from app.engine import lifecycle, reviews
from app.engine.display import ROW_ID_PATTERN, snapshot_answers
from app.engine.forms import RowForm
from app.engine.history import submissions_of
from app.returns.sef.forms import PrioritiesForm
from tests.returns.test_sef_sections import TODAY, VALID_JSON, World, make_window, priority_rows, save, section_path, stored, text

HIDDEN_ID = re.compile(r'name="priorities-(\d+)-id" type="hidden" value="([^"]*)"')


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


@pytest.fixture
def ret(world):
    return world.start()


def page_ids(page: str) -> list[str]:
    """The signed ids the page's rows carry, in row order."""
    found = HIDDEN_ID.findall(page)
    assert [int(index) for index, _ in found] == list(range(len(found)))
    return [value for _, value in found]


def form_of(page: str) -> dict:
    """What the browser would post back from the page's priorities: titles, LA priorities, impacts and ids."""
    data = {}
    for name, value in re.findall(r'name="(priorities-\d+-(?:title|id))" type="(?:text|hidden)"(?: value="([^"]*)")?', page):
        data[name] = value
    for name, value in re.findall(r'<textarea[^>]*name="(priorities-\d+-impact)"[^>]*>([^<]*)</textarea>', page):
        data[name] = value.strip()
    for name in re.findall(r'<select[^>]*name="(priorities-\d+-la_priority)"', page):
        data[name] = "attainment"
    return {key: value.replace("&#39;", "'").replace("&amp;", "&") for key, value in data.items()}


def saved_rows(ret) -> list[dict]:
    return stored(ret, "priorities").answers["priorities"]


def saved_ids(ret) -> list[str]:
    return [row["id"] for row in saved_rows(ret)]


def titles_by_id(ret) -> dict[str, str]:
    return {row["id"]: row["title"] for row in saved_rows(ret)}


def saved_with(world, ret, count: int) -> dict[str, str]:
    """``count`` priorities saved through the page, and their ids by title."""
    assert save(world.browser(), ret, "priorities", priority_rows(count)).status_code == 303
    ids = titles_by_id(ret)
    assert len(ids) == count and all(ROW_ID_PATTERN.fullmatch(row_id) for row_id in ids)
    return {title: row_id for row_id, title in ids.items()}


def edit_page(world, ret) -> str:
    response = world.browser().get(section_path(ret, "priorities"))
    assert response.status_code == 200
    return text(response)


def press(world, ret, data: dict, button: str, value: str) -> str:
    response = world.browser().post(section_path(ret, "priorities"), {**data, "version": str(getattr(stored(ret, "priorities"), "version", 0)), button: value})
    assert response.status_code == 200, text(response)[:500]
    return text(response)


# ---------------------------------------------------------------------------------------------
# Given by the server, kept through everything the page does


def test_a_saved_row_gets_an_id_and_the_page_carries_it_signed_not_bare(world, ret):
    ids = saved_with(world, ret, 3)
    page = edit_page(world, ret)
    carried = page_ids(page)
    assert len(carried) == 3
    for row_id, signed in zip(ids.values(), carried):
        assert signed.startswith(row_id + ".") and len(signed) > len(row_id) + 10
    # Saving the page as it is keeps every id.
    assert save(world.browser(), ret, "priorities", form_of(page)).status_code == 303
    assert list(titles_by_id(ret)) == list(ids.values())


def test_ids_survive_add_move_remove_and_the_save_after_them(world, ret):
    ids = saved_with(world, ret, 4)
    page = press(world, ret, form_of(edit_page(world, ret)), "add-row", "priorities")
    assert len(page_ids(page)) == 5, "the new row has an id already"
    data = form_of(page)
    data.update({"priorities-4-title": "A fifth priority", "priorities-4-impact": "What the fifth changes"})
    page = press(world, ret, data, "move-row-up", "priorities-2")  # 1, 3, 2, 4, 5
    page = press(world, ret, form_of(page), "remove-row", "priorities-0")  # 3, 2, 4, 5
    assert save(world.browser(), ret, "priorities", form_of(page)).status_code == 303
    rows = saved_rows(ret)
    assert [row["title"] for row in rows] == ["Priority number 3", "Priority number 2", "Priority number 4", "A fifth priority"]
    assert [row["id"] for row in rows[:3]] == [ids["Priority number 3"], ids["Priority number 2"], ids["Priority number 4"]]
    assert rows[3]["id"] not in ids.values() and ROW_ID_PATTERN.fullmatch(rows[3]["id"])


def test_autosave_keeps_the_ids(world, ret):
    ids = saved_with(world, ret, 3)
    data = form_of(edit_page(world, ret))
    data["priorities-1-title"] = "Retitled as I type"
    response = save(world.browser(), ret, "priorities", data, autosave=True)
    assert response.status_code == 200, text(response)[:500]
    assert titles_by_id(ret) == {ids["Priority number 1"]: "Priority number 1", ids["Priority number 2"]: "Retitled as I type", ids["Priority number 3"]: "Priority number 3"}
    # The same page autosaving again (its ids unchanged) keeps them again.
    data["priorities-1-title"] = "Retitled again"
    assert save(world.browser(), ret, "priorities", data, autosave=True).status_code == 200
    assert saved_ids(ret) == list(ids.values())


def test_the_conflict_page_passes_the_ids_on_and_keeping_mine_keeps_them(world, ret):
    ids = saved_with(world, ret, 3)
    page = edit_page(world, ret)
    mine = form_of(page)
    loaded = stored(ret, "priorities").version
    # A colleague saves first.
    theirs = form_of(page)
    theirs["priorities-0-title"] = "Their title"
    assert save(world.browser("contributor"), ret, "priorities", theirs).status_code == 303
    mine["priorities-2-title"] = "My title"
    response = save(world.browser(), ret, "priorities", mine, version=loaded)
    assert response.status_code == 409
    conflict = text(response)
    passed = dict(re.findall(r'<input type="hidden" name="(priorities-\d+-id)" value="([^"]*)"', conflict))
    assert passed == {f"priorities-{i}-id": mine[f"priorities-{i}-id"] for i in range(3)}, "the signed ids are passed on as they came"
    # The differences pair rows by id: the two rows that differ, and not the one that does not
    # (passed on in its hidden field only).
    assert "Their title" in conflict and "My title" in conflict and conflict.count("Priority number 2") == 1
    keep_mine = {**mine, "version": str(stored(ret, "priorities").version)}
    assert world.browser().post(section_path(ret, "priorities"), keep_mine).status_code == 303
    assert titles_by_id(ret) == {ids["Priority number 1"]: "Priority number 1", ids["Priority number 2"]: "Priority number 2", ids["Priority number 3"]: "My title"}


# ---------------------------------------------------------------------------------------------
# Ids the server did not give


HOSTILE = ['<script>alert("id")</script>', "x" * 5000, "aaaaaaaaaaaa", "p1", "../../etc", "\u0000", "aaaaaaaaaaaa.forged-signature", "é" * 50]


@pytest.mark.parametrize("how", ["save", "autosave"])
@pytest.mark.parametrize("forged", HOSTILE, ids=["html", "5000-chars", "well-formed-unsigned", "position-unsigned", "path", "nul", "bad-signature", "non-ascii"])
def test_an_id_the_server_did_not_give_is_replaced_never_stored_as_sent(world, ret, how, forged):
    data = {**priority_rows(3), "priorities-0-id": forged, "priorities-1-id": forged}
    response = save(world.browser(), ret, "priorities", data, autosave=how == "autosave")
    assert response.status_code in (200, 303), text(response)[:500]
    ids = saved_ids(ret)
    assert len(set(ids)) == 3 and all(ROW_ID_PATTERN.fullmatch(row_id) for row_id in ids)
    assert forged not in ids
    # Nor shown back on the page (the short ones could be any text on it).
    page = edit_page(world, ret)
    if len(forged) > 8:
        assert forged[:40] not in page


def test_a_signed_id_copied_onto_a_second_row_gives_that_row_a_fresh_one(world, ret):
    ids = saved_with(world, ret, 3)
    data = form_of(edit_page(world, ret))
    data["priorities-2-id"] = data["priorities-0-id"]
    assert save(world.browser(), ret, "priorities", data).status_code == 303
    saved = saved_ids(ret)
    assert saved[:2] == [ids["Priority number 1"], ids["Priority number 2"]]
    assert saved[2] not in saved[:2] and ROW_ID_PATTERN.fullmatch(saved[2])


def test_a_hostile_id_posted_with_a_row_button_is_replaced_not_shown_never_a_500(world, ret):
    page = press(world, ret, {**priority_rows(3), "priorities-1-id": "<b>" * 2000}, "move-row-up", "priorities-1")
    assert "<b><b>" not in page and len(set(page_ids(page))) == 3


def test_any_row_form_gets_the_id_without_writing_anything():
    from wtforms import Form, FormField, StringField

    from app.engine.forms import RowList, SectionForm

    class ThingForm(Form):
        name = StringField("Thing")

    class ThingsForm(SectionForm):
        things = RowList(FormField(ThingForm), label="Thing", min_entries=1)

    entry_form = ThingsForm.load({"things": [{"name": "a", "id": "0123456789ab"}]}, meta={"csrf": False}).things.entries[0].form
    assert isinstance(entry_form, RowForm) and entry_form.id.data == "0123456789ab"
    assert issubclass(PrioritiesForm.priorities.args[0].args[0], RowForm)


# ---------------------------------------------------------------------------------------------
# Start from last accepted


def accepted_last_year(world, answers: dict, answers_format: int | None = None):
    last_year = make_window(academic_year="2025/26", title="Self-evaluation, autumn 2025", opens_on=TODAY - timedelta(days=375), due_on=TODAY - timedelta(days=355))
    old = lifecycle.start(world.approver, last_year, world.school, answers=answers)
    lifecycle.perform(lifecycle.SUBMIT, old, world.approver)
    lifecycle.perform(lifecycle.ACCEPT, old, world.officer)
    db.session.flush()
    submission = db.session.scalar(select(Submission).where(Submission.return_id == old.id))
    if answers_format is not None:
        # As a submission made before rows had ids was: its rows without ids, format 1.
        db.session.execute(Submission.__table__.update().where(Submission.id == submission.id).values(answers=answers, answers_format=answers_format))
        db.session.expire_all()
    return old


def start_from_previous(world):
    response = world.browser().post(f"/windows/{world.window.id}/start", {"start_from": "previous"})
    assert response.status_code == 303, text(response)[:500]
    return lifecycle_return(world)


def lifecycle_return(world):
    from app.engine.drafts import return_for

    return return_for(world.window, world.school)


def test_start_from_last_accepted_copies_the_rows_with_their_ids(world):
    answers = {**VALID_JSON, "priorities": {"priorities": [{**row, "id": f"{n:012x}"} for n, row in enumerate(VALID_JSON["priorities"]["priorities"], start=10)]}}
    accepted_last_year(world, answers)
    ret = start_from_previous(world)
    assert saved_ids(ret) == ["00000000000a", "00000000000b", "00000000000c"]


def test_start_from_an_old_format_snapshot_gives_the_rows_their_places_ids(world):
    accepted_last_year(world, VALID_JSON, answers_format=1)
    ret = start_from_previous(world)
    assert saved_ids(ret) == ["p1", "p2", "p3"]
    # The page carries them, and a save keeps them.
    assert save(world.browser(), ret, "priorities", form_of(edit_page(world, ret))).status_code == 303
    assert saved_ids(ret) == ["p1", "p2", "p3"]


# ---------------------------------------------------------------------------------------------
# Compare pairs rows by id


def four_priorities(world):
    """A return with four priorities submitted, then returned for changes, its ids by title."""
    ret = world.start()
    world.complete(ret)
    ids = saved_with(world, ret, 4)
    lifecycle.perform(lifecycle.SUBMIT, ret, world.approver)
    lifecycle.perform(lifecycle.RETURN_FOR_CHANGES, ret, world.officer, reason="Sharpen the priorities")
    db.session.flush()
    return ret, ids


def resubmit_with(world, ret, rows: list[dict]):
    row = stored(ret, "priorities")
    row.answers = {"priorities": rows}
    db.session.flush()
    lifecycle.perform(lifecycle.SUBMIT, ret, world.approver)
    db.session.flush()


def compared_priorities(world, ret):
    earlier, later = [row.submission for row in submissions_of(ret)][-2:]
    sections = {section.key: section for section in reviews.compare(ret, world.school, earlier, later)}
    return sections["priorities"]


def compare_page(world, ret) -> str:
    response = world.browser("officer").get(f"/returns/{ret.id}/compare")
    assert response.status_code == 200
    page = text(response)
    return page[page.index('id="section-priorities"'):]


def test_removing_the_second_of_four_is_one_removed_row(world):
    ret, ids = four_priorities(world)
    rows = saved_rows(ret)
    resubmit_with(world, ret, [rows[0], rows[2], rows[3]])
    section = compared_priorities(world, ret)
    assert [(row.label, row.tags) for row in section.changed] == [("Priority 2", ("removed",))]
    assert section.changed[0].key == f"priorities.{ids['Priority number 2']}"
    assert [row.label for row in section.rows] == ["Priority 1", "Priority 2", "Priority 2", "Priority 3"], "the removed row shows where it was"
    page = compare_page(world, ret)
    changed = page[:page.index("unchanged")]
    assert changed.count('class="govuk-table__row gt-compare__changed"') == 1
    assert ">Removed</strong>" in changed and "Priority number 2" in changed and "Priority number 3" not in changed


def test_moving_one_shows_it_as_moved_and_nothing_else_changed(world):
    ret, ids = four_priorities(world)
    rows = saved_rows(ret)
    resubmit_with(world, ret, [rows[2], rows[0], rows[1], rows[3]])
    section = compared_priorities(world, ret)
    assert [(row.key, row.label, row.tags, row.moved_from) for row in section.changed] == [
        (f"priorities.{ids['Priority number 3']}", "Priority 1", ("moved",), "Priority 3")
    ]
    changed = compare_page(world, ret)
    assert ">Moved</strong>" in changed and "Was priority 3" in changed


def test_an_added_and_a_changed_row_are_tagged_so(world):
    ret, ids = four_priorities(world)
    rows = saved_rows(ret)
    new = {"id": "0123456789ab", "title": "A new priority", "la_priority": "attendance", "impact": "Fewer absences"}
    resubmit_with(world, ret, [rows[0], {**rows[1], "impact": "A sharper impact"}, rows[2], rows[3], new])
    section = compared_priorities(world, ret)
    assert [(row.label, row.tags) for row in section.changed] == [("Priority 2", ("changed",)), ("Priority 5", ("added",))]
    changed_parts = [part for part in section.changed[0].parts if part.before != part.after]
    assert [(part.label, part.before, part.after) for part in changed_parts] == [("Intended impact", "What priority 2 changes", "A sharper impact")]
    page = compare_page(world, ret)
    assert ">Added</strong>" in page and ">Changed</strong>" in page
    assert "<del>What priority 2 changes</del>" in page and "<ins>A sharper impact</ins>" in page


# ---------------------------------------------------------------------------------------------
# An old snapshot (rows by position) displays and compares


def make_old_format(submission: Submission) -> None:
    """The submission as one made before rows had ids: no ids in its rows, format 1 (raw SQL:
    snapshots cannot be changed through the ORM)."""
    answers = {key: ({"priorities": [{k: v for k, v in row.items() if k != "id"} for row in value["priorities"]]} if key == "priorities" else value) for key, value in submission.answers.items()}
    db.session.execute(Submission.__table__.update().where(Submission.id == submission.id).values(answers=answers, answers_format=1))
    db.session.expire_all()


def test_an_old_snapshot_displays_and_compares_with_a_new_one_by_position(world):
    ret, ids = four_priorities(world)
    first = submissions_of(ret)[0].submission
    make_old_format(first)
    first = db.session.get(Submission, first.id)
    assert "id" not in first.answers["priorities"]["priorities"][0]
    assert [row["id"] for row in snapshot_answers(first)["priorities"]["priorities"]] == ["p1", "p2", "p3", "p4"]
    # It displays (the submission's own page, which is also what is printed), each row numbered.
    response = world.browser("officer").get(f"/returns/{ret.id}/submissions/1")
    assert response.status_code == 200
    shown = text(response)
    assert "Priority number 4" in shown and "Priority 4" in shown
    rows = saved_rows(ret)
    resubmit_with(world, ret, [rows[0], rows[2], rows[3]])
    section = compared_priorities(world, ret)
    # By position: the new ids never pair with the old places' ids, nor leave every row unpaired.
    assert not any("removed" in row.tags and "added" in other.tags for row in section.rows for other in section.rows)
    assert {row.tags for row in section.changed} <= {("changed",), ("removed",)}
    assert [row.label for row in section.changed] == ["Priority 2", "Priority 3", "Priority 4"]
    assert section.changed[-1].tags == ("removed",)
    assert "Priority number 4" in compare_page(world, ret)
    # The snapshot itself is unchanged by reading it.
    assert "id" not in db.session.get(Submission, first.id).answers["priorities"]["priorities"][0]


def test_checking_a_row_id_as_a_field_is_not_a_500_nor_echoes_what_was_sent(world, ret):
    name = "priorities-0-id"
    response = world.browser().post(section_path(ret, "priorities", "validate") + f"?field={name}", {**priority_rows(3), name: "<i>forged</i>"}, htmx=True)
    assert response.status_code in (200, 404)
    assert "<i>forged</i>" not in text(response) and "&lt;i&gt;forged" not in text(response)
    assert stored(ret, "priorities") is None


def test_the_adapter_is_deterministic_and_never_repeats_an_id():
    from app.engine.display import with_row_ids

    answers = {"priorities": [{"id": "p2", "title": "a"}, {"id": "p2", "title": "b"}, {"title": "c"}, {"id": "<b>", "title": "d"}], "grade": "strong"}
    given = with_row_ids(answers)
    ids = [row["id"] for row in given["priorities"]]
    assert len(set(ids)) == 4 and all(ROW_ID_PATTERN.fullmatch(row_id) for row_id in ids) and ids[0] == "p2"
    assert with_row_ids(answers) == given and "id" not in answers["priorities"][2], "the same every time, and the answers themselves untouched"
    assert [row["id"] for row in with_row_ids(given, by_position=True)["priorities"]] == ["p1", "p2", "p3", "p4"]
