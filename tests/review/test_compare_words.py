"""Compare shows what changed: inside a long answer only the changed words are marked, short values
read before → after, each section says how many answers changed, a summary counts the sections, and
"show only changed sections" works without JavaScript. HTML typed into either version comes back
escaped. A school's return compares with its return from an earlier window (this year's against
last year's), linked from the review page and the school page, to those who may open both."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from markupsafe import Markup
from sqlalchemy import select

from app.extensions import db
from app.models import ReturnSection, Role
from app.models.returns import ACCEPTED, RETURNED, SUBMITTED
from app.engine import diff, lifecycle, registry, reviews
from app.engine.diff import ADDED, REMOVED, SAME
from app.engine.history import submissions_of
from app.engine.lifecycle import SUBMIT
from tests.review.conftest import ANSWERS, AREA, TODAY, Setting, make_window
from tests.review.test_review import client_for, main_of, text_of

# ---------------------------------------------------------------------------------------------
# Long texts that differ in one sentence.


def long_text(changed: str | None = None, at: int = 20) -> str:
    """About 5,000 characters of evidence in numbered sentences; sentence `at` replaced by `changed`."""
    sentences = [f"Sentence number {n} describes how pupils in year {n % 6 + 1} read widely and often at home and in school." for n in range(1, 49)]
    if changed is not None:
        sentences[at - 1] = changed
    return " ".join(sentences)


NEW_SENTENCE = "Governors now visit every classroom each half term to see phonics lessons."
OLD_SENTENCE = long_text().split(". ")[19] + "."


def test_the_long_texts_are_about_five_thousand_characters():
    assert 4500 <= len(long_text()) <= 5000
    assert 4500 <= len(long_text(NEW_SENTENCE)) <= 5000
    assert OLD_SENTENCE.startswith("Sentence number 20 ")


# ---------------------------------------------------------------------------------------------
# diff.py on its own.


class TestWordDifferences:
    @pytest.mark.parametrize("text", ["", "one", "  leading and trailing  ", "two\n\nparagraphs here\n", "tabs\tand  double  spaces"])
    def test_tokens_join_back_to_the_text(self, text):
        assert "".join(diff.tokens(text)) == text

    def test_pieces_join_back_to_each_text(self):
        before, after = long_text(), long_text(NEW_SENTENCE)
        found = diff.pieces(before, after)
        assert "".join(p.text for p in found if p.change != REMOVED) == after
        assert "".join(p.text for p in found if p.change != ADDED) == before

    def test_one_changed_sentence_is_the_only_change(self):
        found = diff.pieces(long_text(), long_text(NEW_SENTENCE))
        assert [(p.change, p.text.strip()) for p in found if p.change != SAME] == [(REMOVED, OLD_SENTENCE), (ADDED, NEW_SENTENCE)]

    def test_an_added_word_is_marked_alone(self):
        before = "Reading is taught well in every class and pupils talk about the books they love."
        after = "Reading is taught very well in every class and pupils talk about the books they love."
        assert diff.word_difference(before, after) == Markup(
            "Reading is taught <ins>very </ins>well in every class and pupils talk about the books they love."
        )

    def test_writing_on_after_the_last_word_adds_only_the_new_words(self):
        before = "Reading is taught well in every class and pupils talk about the books they love."
        after = before + " Late joiners get a reading buddy."
        assert diff.word_difference(before, after) == Markup(before + " <ins>Late joiners get a reading buddy.</ins>")

    def test_a_short_gap_between_two_changes_is_folded_into_one(self):
        before = "Pupils in year five read fluently and with expression in lessons and assemblies every week."
        after = "Pupils in year six write fluently and with expression in lessons and assemblies every week."
        # "five read" → "six write": one change, not two with an unchanged word between.
        assert diff.word_difference(before, after) == Markup(
            "Pupils in year <del>five read </del><ins>six write </ins>fluently and with expression in lessons and assemblies every week."
        )

    @pytest.mark.parametrize(
        ("before", "after"),
        [
            ("Strong standard", "Exceptional"),  # a choice
            ("240", "245"),  # a number
            ("14 March 2023", "15 March 2023"),  # a date
            ("Reading is taught well", "Reading is taught very well"),  # a few words
            (None, "A new answer of more than twelve words that nobody gave in the first submission at all."),
            ("", "A new answer of more than twelve words that nobody gave in the first submission at all."),
            ("The same long answer of more than twelve words, given in both of the submissions.",) * 2,
        ],
    )
    def test_short_values_missing_ones_and_the_same_text_are_not_word_diffed(self, before, after):
        assert diff.word_difference(before, after) is None

    def test_a_rewrite_is_shown_whole_not_as_fragments(self):
        before = "Leaders know the school well and have an accurate view of its strengths and weaknesses."
        after = "Attendance has risen since September because the attendance officer calls every family on day one."
        assert diff.word_difference(before, after) is None

    def test_two_lines_count_as_a_long_answer(self):
        assert diff.is_long("First line\nsecond line")
        assert not diff.is_long("First line only")

    def test_a_line_break_that_becomes_a_space_is_a_change(self):
        before = "Reading is taught well across the school.\nPupils talk about the books they love to read."
        after = "Reading is taught well across the school. Pupils talk about the books they love to read."
        marked = diff.word_difference(before, after)
        assert marked is not None and ("<del>" in marked or "<ins>" in marked)

    def test_html_in_either_version_is_escaped(self):
        before = "Pupils <script>alert('before')</script> read widely and often at home and in school every week."
        after = "Pupils <script>alert('after')</script> read widely and often at home and in school every week, <b>daily</b>."
        marked = diff.word_difference(before, after)
        assert marked is not None
        assert "<script" not in marked and "<b>" not in marked
        assert "&lt;script&gt;alert(&#39;before&#39;)" in marked and "&lt;script&gt;alert(&#39;after&#39;)" in marked
        assert set(re.findall(r"</?([a-z]+)", marked)) <= {"ins", "del"}

    def test_a_very_long_pair_is_shown_whole(self, monkeypatch):
        monkeypatch.setattr(diff, "MOST_WORD_PAIRS", 100)
        assert diff.word_difference(long_text(), long_text(NEW_SENTENCE)) is None


# ---------------------------------------------------------------------------------------------
# The compare page.


def resubmit(setting: Setting, ret, changes: dict[str, dict]):
    """The school changes these sections' answers after a return for changes, and submits again."""
    if ret.state != RETURNED:
        lifecycle.perform(lifecycle.RETURN_FOR_CHANGES, ret, setting.officer, reason="Please look again")
    for key, answers in changes.items():
        working = db.session.scalar(select(ReturnSection).where(ReturnSection.return_id == ret.id, ReturnSection.key == key))
        working.answers = {**working.answers, **answers}
    db.session.flush()
    lifecycle.perform(SUBMIT, ret, setting.approver)
    db.session.flush()
    return ret


def every_section(strengths: str = "Reading is taught well") -> dict:
    """Answers in every area, so that any section can change."""
    areas = ("inclusion", "curriculum_teaching", "achievement", "attendance_behaviour", "personal_development", "leadership_governance", "early_years")
    return {**ANSWERS, **{key: {**AREA, "strengths": strengths} for key in areas}}


def section_html(page: str, key: str) -> str:
    start = page.index(f'id="section-{key}"')
    following = page.find('<section class="gt-compare-section"', start)
    return page[start:following if following != -1 else len(page)]


def row_html(page: str, key: str, row: str) -> str:
    section = section_html(page, key)
    start = section.index(f'data-row="{row}"')
    return section[start:section.index("</tr>", start)]


def shown_sections(page: str) -> list[str]:
    return re.findall(r'<h2 class="govuk-heading-m" id="section-([^"]+)"', page)


class TestComparePage:
    def test_two_long_answers_differing_in_one_sentence_mark_only_that_sentence(self, app, setting):
        ret = setting.return_in(RETURNED, answers=every_section(long_text()))
        resubmit(setting, ret, {"inclusion": {"strengths": long_text(NEW_SENTENCE)}})
        page = main_of(client_for(app, setting.officer).get(f"/returns/{ret.id}/compare"))
        row = row_html(page, "inclusion", "strengths")
        marked = re.search(r'<span class="gt-diff gt-preserve-lines">(.*?)</span>', row, re.S).group(1)
        assert [unescape(text).strip() for text in re.findall(r"<ins>(.*?)</ins>", marked, re.S)] == [NEW_SENTENCE]
        assert [unescape(text).strip() for text in re.findall(r"<del>(.*?)</del>", marked, re.S)] == [OLD_SENTENCE]
        # Everything else is outside any <ins> or <del>: the text itself, with the sentence taken out.
        outside = re.sub(r"<(ins|del)>.*?</\1>", "", marked, flags=re.S)
        assert "<" not in outside
        assert unescape(outside) == long_text(NEW_SENTENCE).replace(NEW_SENTENCE + " ", "")
        # Shown once, not twice (no whole earlier and later copies of the 5,000 characters).
        assert section_html(page, "inclusion").count("Sentence number 21 ") == 1

    def test_short_values_read_before_then_after(self, app, setting):
        ret = setting.return_in(RETURNED, answers=every_section())
        resubmit(setting, ret, {"inclusion": {"grade": "exceptional"}, "context": {"pupils_on_roll": 245}})
        page = main_of(client_for(app, setting.officer).get(f"/returns/{ret.id}/compare"))
        grade = row_html(page, "inclusion", "grade")
        assert re.search(r'<del>Strong standard</del></span>\s*<span class="gt-diff__arrow" aria-hidden="true">→</span>\s*<span[^>]*><ins>Exceptional</ins>', grade)
        roll = row_html(page, "context", "pupils_on_roll")
        assert ">240</del>" in roll and ">245</ins>" in roll

    def test_three_changed_sections_out_of_ten_count_as_three_and_show_only_those(self, app, setting):
        ret = setting.return_in(RETURNED, answers=every_section())
        resubmit(setting, ret, {
            "inclusion": {"strengths": "Reading is taught very well"},
            "achievement": {"grade": "exceptional", "improvements": "Writing at key stage 1"},
            "safeguarding": {"statement": "A strong culture of safeguarding, checked by governors"},
        })
        client = client_for(app, setting.officer)
        page = main_of(client.get(f"/returns/{ret.id}/compare"))
        assert len(shown_sections(page)) == 10
        assert "3 of 10 sections changed" in page
        counts = {key: re.search(r'gt-compare__count">([^<]+)<', section_html(page, key)).group(1) for key in shown_sections(page)}
        assert counts["inclusion"] == "1 change" and counts["achievement"] == "2 changes" and counts["safeguarding"] == "1 change"
        assert [key for key, words in counts.items() if words != "No changes"] == ["inclusion", "achievement", "safeguarding"]
        # The summary links to each changed section.
        assert all(f'href="#section-{key}"' in page for key in ("inclusion", "achievement", "safeguarding"))

        # Show only changed sections: a plain link, no JavaScript.
        link = re.search(r'<a class="govuk-link" href="([^"]+)">Show only changed sections</a>', page).group(1)
        assert unescape(link) == f"/returns/{ret.id}/compare?from=1&to=2&changed=1"
        only = main_of(client.get(unescape(link)))
        assert shown_sections(only) == ["inclusion", "achievement", "safeguarding"]
        assert "3 of 10 sections changed" in only
        back = re.search(r'<a class="govuk-link" href="([^"]+)">Show all 10 sections</a>', only).group(1)
        assert unescape(back) == f"/returns/{ret.id}/compare?from=1&to=2"
        assert len(shown_sections(main_of(client.get(unescape(back))))) == 10
        # Choosing other submissions keeps the view.
        assert '<input type="hidden" name="changed" value="1">' in only

    def test_nothing_changed_says_so_in_both_views(self, app, setting):
        ret = setting.return_in(RETURNED, answers=every_section())
        resubmit(setting, ret, {})
        client = client_for(app, setting.officer)
        assert "0 of 10 sections changed" in main_of(client.get(f"/returns/{ret.id}/compare"))
        only = main_of(client.get(f"/returns/{ret.id}/compare?from=1&to=2&changed=1"))
        assert shown_sections(only) == [] and "No section changed between these two submissions" in only

    def test_html_and_script_in_either_version_come_back_escaped(self, app, setting):
        before = "<script>alert('before')</script> " + long_text()
        after = "<script>alert('after')</script> " + long_text(NEW_SENTENCE + ' <img src=x onerror="alert(3)">')
        answers = every_section()
        answers["achievement"] = {**AREA, "strengths": "<b>Short</b>"}
        ret = setting.return_in(RETURNED, answers={**answers, "inclusion": {**AREA, "strengths": before}})
        resubmit(setting, ret, {"inclusion": {"strengths": after}, "achievement": {"strengths": "<i>Also short</i>"}})
        for user in (setting.officer, setting.approver):
            page = main_of(client_for(app, user).get(f"/returns/{ret.id}/compare"))
            assert "<script>" not in page and "<img" not in page and "<b>Short" not in page and "<i>Also" not in page
            assert "&lt;script&gt;alert(&#39;after&#39;)&lt;/script&gt;" in page
            assert "&lt;img src=x onerror=&#34;alert(3)&#34;&gt;" in page
            assert "&lt;b&gt;Short&lt;/b&gt;</del>" in page and "&lt;i&gt;Also short&lt;/i&gt;</ins>" in page

    def test_compare_keeps_its_signature_and_counts_changes_per_section(self, setting):
        ret = setting.return_in(RETURNED, answers=every_section())
        resubmit(setting, ret, {"achievement": {"grade": "exceptional", "improvements": "Writing at key stage 1"}})
        earlier, later = [row.submission for row in submissions_of(ret)]
        sections = {section.key: section for section in reviews.compare(ret, setting.school, earlier, later)}
        assert sections["achievement"].change_count == 2 and sections["inclusion"].change_count == 0
        assert [section.key for section in reviews.changed_sections(list(sections.values()))] == ["achievement"]


# ---------------------------------------------------------------------------------------------
# This year against last.


@pytest.fixture
def two_years(setting):
    """The school's self-evaluation accepted last year and again this year, with changes between."""
    last_window = make_window(
        "Self-evaluation, autumn 2025", academic_year="2025/26", opens_on=TODAY - timedelta(days=375), due_on=TODAY - timedelta(days=350)
    )
    this_window = setting.window
    setting.window = last_window
    last = setting.return_in(ACCEPTED, answers=every_section(long_text()))
    setting.window = this_window
    changed = every_section(long_text())
    changed["inclusion"] = {**AREA, "strengths": long_text(NEW_SENTENCE)}
    changed["safeguarding"] = {**changed["safeguarding"], "outcome": "not_met"}
    this = setting.return_in(ACCEPTED, answers=changed)
    return last, this


def latest_id(ret) -> int:
    return submissions_of(ret)[-1].submission.id


def compare_years_path(setting, last, this) -> str:
    return f"/schools/{setting.school.id}/compare/sef?from={latest_id(last)}&to={latest_id(this)}"


class TestThisYearAgainstLast:
    def test_the_review_page_links_to_last_years_accepted_return(self, app, setting, two_years):
        last, this = two_years
        page = text_of(client_for(app, setting.officer).get(f"/returns/{this.id}/review"))
        link = re.search(r"""<a class="govuk-link" href="([^"]+)">Compare with last year's accepted return</a>""", page)
        assert link and unescape(link.group(1)) == compare_years_path(setting, last, this)

    def test_no_link_without_an_accepted_return_from_an_earlier_window(self, app, setting):
        ret = setting.return_in(SUBMITTED)
        page = text_of(client_for(app, setting.officer).get(f"/returns/{ret.id}/review"))
        assert "last year's accepted return" not in page and "/compare/sef" not in page

    @pytest.mark.parametrize("who", ["officer", "approver"])
    def test_the_school_page_links_each_earlier_accepted_return(self, app, setting, two_years, who):
        last, this = two_years
        page = text_of(client_for(app, getattr(setting, who)).get(f"/schools/{setting.school.id}"))
        links = re.findall(r'<a class="govuk-link" href="([^"]+)">Compare with ([^<]+)</a>', page)
        assert [(unescape(href), title) for href, title in links] == [(compare_years_path(setting, last, this), setting.window.title)]

    @pytest.mark.parametrize("who", ["officer", "approver"])
    def test_it_shows_what_changed_between_the_years(self, app, setting, two_years, who):
        last, this = two_years
        for path in (compare_years_path(setting, last, this), f"/schools/{setting.school.id}/compare/sef"):  # chosen, and by default
            response = client_for(app, getattr(setting, who)).get(path)
            assert response.status_code == 200
            page = main_of(response)
            assert "Self-evaluation, autumn 2025: submission 1 (accepted)" in page
            assert "2 of 10 sections changed" in page
            assert [unescape(text).strip() for text in re.findall(r"<ins>(.*?)</ins>", row_html(page, "inclusion", "strengths"), re.S)] == [NEW_SENTENCE]
            assert ">Met</del>" in row_html(page, "safeguarding", "outcome")

    def test_only_changed_sections_across_years(self, app, setting, two_years):
        last, this = two_years
        page = main_of(client_for(app, setting.officer).get(compare_years_path(setting, last, this) + "&changed=1"))
        assert shown_sections(page) == ["inclusion", "safeguarding"]

    def test_another_schools_user_gets_404_and_sees_nothing(self, app, setting, two_years):
        last, this = two_years
        client = client_for(app, setting.other_approver)
        for path in (compare_years_path(setting, last, this), f"/schools/{setting.school.id}/compare/sef"):
            response = client.get(path)
            assert response.status_code == 404
            assert "Sentence number" not in text_of(response) and setting.school.name not in text_of(response)

    def test_a_submission_of_another_school_is_not_a_choice(self, app, setting, two_years):
        last, this = two_years
        theirs = setting.return_in(SUBMITTED, school=setting.other_school, answers={**ANSWERS, "inclusion": {**AREA, "strengths": "Their secret evidence"}})
        for user in (setting.officer, setting.approver):
            response = client_for(app, user).get(f"/schools/{setting.school.id}/compare/sef?from={latest_id(theirs)}&to={latest_id(this)}")
            assert response.status_code == 422
            page = text_of(response)
            assert "Select a submission from the list" in page and "Their secret evidence" not in page

    @pytest.mark.parametrize("query", ["from=x&to=1", "from=&to=", "to=5", "from=" + "9" * 400 + "&to=1"])
    def test_bad_choices_get_a_clear_message(self, app, setting, two_years, query):
        response = client_for(app, setting.officer).get(f"/schools/{setting.school.id}/compare/sef?{query}")
        assert response.status_code == 422 and "govuk-error-summary" in text_of(response)

    def test_the_same_submission_twice_is_refused(self, app, setting, two_years):
        last, this = two_years
        response = client_for(app, setting.officer).get(f"/schools/{setting.school.id}/compare/sef?from={latest_id(this)}&to={latest_id(this)}")
        assert response.status_code == 422 and "Select two different submissions" in text_of(response)

    def test_the_order_chosen_does_not_matter(self, app, setting, two_years):
        last, this = two_years
        client = client_for(app, setting.officer)
        forwards = main_of(client.get(compare_years_path(setting, last, this)))
        backwards = main_of(client.get(f"/schools/{setting.school.id}/compare/sef?from={latest_id(this)}&to={latest_id(last)}"))
        assert forwards.count("<ins>") == backwards.count("<ins>") and "2 of 10 sections changed" in backwards

    def test_an_unknown_type_or_school_is_404(self, app, setting, two_years):
        client = client_for(app, setting.officer)
        assert client.get(f"/schools/{setting.school.id}/compare/no-such-type").status_code == 404
        assert client.get("/schools/999999/compare/sef").status_code == 404
        assert client.get(f"/schools/{'9' * 30}/compare/sef").status_code == 404

    def test_a_school_with_one_submission_has_nothing_to_compare(self, app, setting):
        setting.return_in(SUBMITTED)
        response = client_for(app, setting.approver).get(f"/schools/{setting.school.id}/compare/sef")
        assert response.status_code == 200 and "nothing to compare" in text_of(response)

    def test_the_default_is_last_years_accepted_return_against_the_latest(self, setting, two_years):
        last, this = two_years
        found = reviews.school_submissions(setting.school, registry.get("sef"), setting.officer)
        earlier, later = reviews.default_pair(found)
        assert (earlier.ret.id, later.ret.id) == (last.id, this.id) and earlier.accepted
