"""The suggested category: each starter rule and their combinations against hand-worked
expectations, over the evidence the service holds; and rules as versioned data."""

from __future__ import annotations

import pytest

from app.models import Role
from app.support import criteria as criteria_data
from app.support import decisions
from app.support.rules import RULE_KINDS, suggest
from app.models.types import utcnow


def suggested(setting):
    found = suggest(criteria_data.current(), setting.school, utcnow())
    return found.category.key, sorted(reason.rule.key for reason in found.reasons), sorted(reason.rule.key for reason in found.others)


def test_no_evidence_suggests_green_because_no_rule_applies(setting):
    assert suggested(setting) == ("green", [], [])


def test_an_accepted_self_evaluation_at_expected_everywhere_is_green(setting):
    setting.sef()
    assert suggested(setting) == ("green", [], [])


@pytest.mark.parametrize(
    "grades, safeguarding, expected",
    [
        ({"achievement": "needs_attention"}, "met", ("amber", ["needs_attention"], [])),
        ({"achievement": "urgent_improvement"}, "met", ("red", ["urgent_improvement"], [])),
        ({}, "not_met", ("red", ["safeguarding_not_met"], [])),
        ({"achievement": "needs_attention", "inclusion": "urgent_improvement"}, "met", ("red", ["urgent_improvement"], ["needs_attention"])),
        ({"achievement": "urgent_improvement"}, "not_met", ("red", ["safeguarding_not_met", "urgent_improvement"], [])),
        ({"achievement": "exceptional", "inclusion": "strong"}, "met", ("green", [], [])),
    ],
)
def test_each_rule_and_combination(setting, grades, safeguarding, expected):
    setting.sef(grades, safeguarding=safeguarding)
    assert suggested(setting) == expected


def test_the_evidence_names_each_area_in_the_frameworks_words_and_points_at_the_snapshot(setting):
    ret = setting.sef({"achievement": "needs_attention", "inclusion": "needs_attention"})
    found = suggest(criteria_data.current(), setting.school, utcnow())
    evidence = found.reasons[0].evidence
    title = evidence[0].text.split("(")[1].rstrip(")")
    assert [e.text.split(" (")[0] for e in evidence] == ["Inclusion: needs attention", "Achievement: needs attention"]
    assert title.startswith("Self-evaluation, autumn")
    assert {(e.return_id, e.submission_number) for e in evidence} == {(ret.id, 1)}


def test_only_the_latest_accepted_self_evaluation_counts(setting):
    setting.sef({"achievement": "urgent_improvement"}, opens=-400, due=-380)
    setting.sef({}, opens=-30, due=-10)  # accepted this year, all expected: last year's grade is history
    assert suggested(setting) == ("green", [], [])
    # A later one only submitted, not yet accepted, does not count yet.
    setting.sef({"achievement": "needs_attention"}, state="submitted", opens=-5, due=20)
    assert suggested(setting) == ("green", [], [])


def test_a_return_overdue_by_more_than_14_days_is_amber_and_14_days_is_not(setting):
    setting.overdue_window(14)
    assert suggested(setting) == ("green", [], [])
    setting.overdue_window(15)
    found = suggest(criteria_data.current(), setting.school, utcnow())
    assert found.category.key == "amber"
    assert [reason.rule.key for reason in found.reasons] == ["overdue_return"]
    assert "not submitted, 15 days overdue" in found.reasons[0].evidence[0].text


def test_a_submitted_or_closed_overdue_window_is_not_overdue(setting):
    window = setting.overdue_window(40)
    setting.return_in("submitted", window)
    assert suggested(setting) == ("green", [], [])


def test_overdue_and_needs_attention_together_are_amber_with_both_reasons(setting):
    setting.sef({"achievement": "needs_attention"})
    setting.overdue_window(20)
    assert suggested(setting) == ("amber", ["needs_attention", "overdue_return"], [])


def test_an_overdue_return_beside_a_red_grade_is_listed_as_another_reason(setting):
    setting.sef({"achievement": "urgent_improvement"})
    setting.overdue_window(20)
    assert suggested(setting) == ("red", ["urgent_improvement"], ["overdue_return"])


def test_a_changed_rule_set_changes_the_suggestion(setting, factory):
    setting.overdue_window(10)
    assert suggested(setting) == ("green", [], [])
    categories, rules = criteria_data.as_data(criteria_data.current())
    for rule in rules:
        if rule["key"] == "overdue_return":
            rule["params"]["days"] = 7
            rule["wording"] = "A return is overdue by more than 7 days"
    admin = factory.user(Role.ADMIN)
    published = criteria_data.publish(categories, rules, "Overdue after a week", admin)
    assert published.number == 2 and criteria_data.current().number == 2
    assert suggested(setting) == ("amber", ["overdue_return"], [])
    assert criteria_data.version(1).rules_for("amber")[-1].wording == "A return is overdue by more than 14 days"


def test_publishing_refuses_an_unknown_kind_or_category(setting, factory):
    categories, rules = criteria_data.as_data(criteria_data.current())
    with pytest.raises(ValueError):
        criteria_data.publish(categories, [*rules, {"key": "x", "kind": "nonsense", "category": "red", "wording": "x", "params": {}}], "", None)
    with pytest.raises(ValueError):
        criteria_data.publish(categories, [*rules, {"key": "x", "kind": "fact", "category": "purple", "wording": "x", "params": {}}], "", None)


def test_a_later_issue_adds_a_kind_of_rule_through_the_same_registry(setting, monkeypatch):
    from app.support.rules import Evidence, RuleKind, register_kind

    monkeypatch.setitem(RULE_KINDS, "performance_flag", None)
    register_kind(RuleKind("performance_flag", lambda school, rules, now: {rules[0].key: [Evidence("Key stage 2 below the LA")]}, "A flag"))
    categories, rules = criteria_data.as_data(criteria_data.current())
    rules.append({"key": "ks2", "kind": "performance_flag", "category": "amber", "wording": "A performance flag is raised", "params": {}})
    criteria_data.publish(categories, rules, "Performance flags", None)
    assert suggested(setting) == ("amber", ["ks2"], [])


def test_a_past_decision_keeps_the_wording_it_was_made_under_and_the_suggestion_it_saw(setting):
    setting.sef({"achievement": "needs_attention"})
    today = utcnow().date()
    seen = suggest(criteria_data.current(), setting.school, utcnow())
    decisions.decide(setting.school, category="amber", reason="Agreed at the annual conversation", departure="", review_on=today,
                     suggestion=seen, by=setting.officer, today=today)
    categories, rules = criteria_data.as_data(criteria_data.current())
    categories[1]["name"] = "Amber: targeted"
    categories[1]["description"] = "New words for amber"
    criteria_data.publish(categories, rules, "Clearer names", None)
    (past,) = decisions.history(setting.school)
    assert past.category.name == "Amber" and past.category.description.startswith("Targeted support")
    assert past.criteria.number == 1 and criteria_data.current().category("amber").name == "Amber: targeted"
    assert past.row.suggested == "amber" and past.row.suggested_because[0].startswith("An area is graded needs attention")
    assert not past.against_suggestion


def test_a_decision_against_the_suggestion_needs_its_reason(setting):
    setting.sef({"achievement": "urgent_improvement"})
    today = utcnow().date()
    seen = suggest(criteria_data.current(), setting.school, utcnow())
    with pytest.raises(decisions.DepartureNeeded):
        decisions.decide(setting.school, category="amber", reason="Improving fast", departure=" ", review_on=today,
                         suggestion=seen, by=setting.officer, today=today)
    assert decisions.history(setting.school) == []
    decisions.decide(setting.school, category="amber", reason="Improving fast", departure="New head in post since September",
                     review_on=today, suggestion=seen, by=setting.officer, today=today)
    (made,) = decisions.history(setting.school)
    assert made.against_suggestion and made.row.departure == "New head in post since September"


def test_publishing_from_a_version_that_is_no_longer_current_is_refused(setting):
    categories, rules = criteria_data.as_data(criteria_data.current())
    criteria_data.publish(categories, rules, "First change", None, based_on=1)
    with pytest.raises(criteria_data.PublishedMeanwhile):
        criteria_data.publish(categories, rules, "Made from version 1 too", None, based_on=1)
    assert criteria_data.current().number == 2 and criteria_data.current().note == "First change"
