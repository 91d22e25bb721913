"""The self-evaluation framework as versioned data."""

from __future__ import annotations

from dataclasses import replace

from app.models import Return
from app.engine import registry
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
    renamed = Framework(
        version="ofsted-2030",
        title="A later framework",
        grades=CURRENT.grades,
        areas=tuple(replace(area, title="Belonging and inclusion") if area.key == "inclusion" else area for area in CURRENT.areas)
        + (EvaluationArea("new_area", "Something new"),),
        safeguarding=CURRENT.safeguarding,
    )
    monkeypatch.setitem(FRAMEWORKS, renamed.version, renamed)
    old = Return(form_version="ofsted-2025")
    assert framework(old.form_version).area("inclusion").title == "Inclusion"
    assert framework("ofsted-2030").area("inclusion").title == "Belonging and inclusion"
    assert framework(old.form_version).area("new_area") is None


def test_the_sef_declares_its_form_version_to_the_engine():
    assert registry.get("sef").form_version == "ofsted-2025"
