"""The self-evaluation framework as versioned data."""

from __future__ import annotations

from dataclasses import replace

from app.engine import registry
from app.engine.display import answers_by_section
from app.returns.sef.framework import CURRENT, FRAMEWORKS, LA_PRIORITIES, EvaluationArea, Framework, framework


def test_the_current_framework_is_ofsted_2025_with_the_five_point_scale():
    assert CURRENT.version == "ofsted-2025"
    assert [words for _, words in CURRENT.grades] == [
        "Exceptional", "Strong standard", "Expected standard", "Needs attention", "Urgent improvement"
    ]
    assert [key for key, _ in LA_PRIORITIES] == [
        "attainment", "capacity", "inclusion", "employability_skills", "wellbeing_safety", "rigour_partnership"
    ]


def test_early_years_and_sixth_form_only_where_the_school_has_them():
    keys = lambda **has: [area.key for area in CURRENT.areas_for(**has)]  # noqa: E731
    assert "early_years" not in keys(early_years=False, sixth_form=False)
    assert "sixth_form" not in keys(early_years=True, sixth_form=False)
    assert keys(early_years=True, sixth_form=True)[-2:] == ["early_years", "sixth_form"]
    assert len(keys(early_years=False, sixth_form=False)) == 6


def test_a_later_framework_that_renames_an_area_leaves_old_returns_with_their_own_words(monkeypatch):
    """Through the SEF as the engine sees it (its sections, and the answers as people read them), not
    by reading back the framework the test has just defined: the same answers read in each
    version's own words, titles and grades alike."""
    renamed = Framework(
        version="ofsted-2030",
        title="A later framework",
        grades=tuple((key, "Secure fit") if key == "strong" else (key, words) for key, words in CURRENT.grades),
        areas=tuple(replace(area, title="Belonging and inclusion") if area.key == "inclusion" else area for area in CURRENT.areas)
        + (EvaluationArea("new_area", "Something new"),),
        safeguarding=CURRENT.safeguarding,
    )
    monkeypatch.setitem(FRAMEWORKS, renamed.version, renamed)
    sef = registry.get("sef")
    titles = lambda version: {section.key: section.title for section in sef.sections(version, None)}  # noqa: E731
    assert titles("ofsted-2025")["inclusion"] == "Inclusion" and "new_area" not in titles("ofsted-2025")
    assert titles("ofsted-2030")["inclusion"] == "Belonging and inclusion" and titles("ofsted-2030")["new_area"] == "Something new"

    answers = {"inclusion": {"grade": "strong", "strengths": "Evidence", "improvements": "More"}}

    def read(version: str) -> tuple[str, str]:
        inclusion = next(part for part in answers_by_section("sef", version, None, answers) if part.section.key == "inclusion")
        return inclusion.section.title, next(row.value for row in inclusion.rows if row.key == "grade")

    assert read("ofsted-2025") == ("Inclusion", "Strong standard")
    assert read("ofsted-2030") == ("Belonging and inclusion", "Secure fit")


def test_the_sef_declares_its_form_version_to_the_engine():
    assert registry.get("sef").form_version == "ofsted-2025"
