"""An administrator changes the published criteria: a new version, past decisions keep their words."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Role
from app.models.support import SupportCriteria
from app.support import criteria as criteria_data
from app.support.criteria import STARTER_CATEGORIES, STARTER_RULES
from tests.conftest import csrf_token
from tests.support.test_set_category import post as set_category

URL = "/support/criteria/change"


def posted(**changes) -> dict:
    data = {"based_on": "1", "note": "Clearer words"}
    for category in STARTER_CATEGORIES:
        for part in ("name", "description", "criteria"):
            data[f"category_{category['key']}_{part}"] = category[part]
    for rule in STARTER_RULES:
        data[f"rule_{rule['key']}_wording"] = rule["wording"]
        data[f"rule_{rule['key']}_category"] = rule["category"]
        if "days" in rule["params"]:
            data[f"rule_{rule['key']}_days"] = str(rule["params"]["days"])
    data.update(changes)
    return data


def versions() -> int:
    return db.session.scalar(select(func.count()).select_from(SupportCriteria))


@pytest.fixture
def admin(setting, factory):
    return setting.client(factory.user(Role.ADMIN, name="Ada Admin"))


def test_a_change_publishes_a_new_version_and_past_decisions_keep_their_words(setting, admin):
    setting.sef({"achievement": "needs_attention"})
    set_category(setting.client(setting.officer), setting.school, reason="Before the change")
    form = admin.get(URL).text
    assert 'value="Amber"' in form and "A return is overdue by more than 14 days" in form
    data = posted(category_amber_name="Amber: targeted support", rule_overdue_return_days="7",
                  rule_overdue_return_wording="A return is overdue by more than 7 days", note="A week is long enough")
    data["csrf_token"] = csrf_token(admin, URL)
    response = admin.post(URL, data=data)
    assert response.status_code == 303 and response.location.endswith("/support/criteria")
    current = criteria_data.current()
    assert current.number == 2 and current.category("amber").name == "Amber: targeted support"
    assert current.rules_for("amber")[-1].params == {"days": 7}
    page = admin.get("/support/criteria").text
    assert "Amber: targeted support" in page and "A week is long enough" in page and "Ada Admin" in page
    school_page = setting.client(setting.head).get(f"/schools/{setting.school.id}").text
    history = school_page[school_page.index('id="support-history"'):]
    assert ">Amber<" in history and "criteria version 1" in history and 'href="/support/criteria/1"' in history


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"category_green_name": ""}, "Enter the name of category 1"),
        ({"category_red_name": "x" * 41}, "Name of category 3 must be 40 characters or fewer"),
        ({"rule_overdue_return_days": "fourteen"}, "Days for rule 4 must be a whole number from 0 to 365"),
        ({"rule_overdue_return_days": "-1"}, "Days for rule 4 must be a whole number from 0 to 365"),
        ({"rule_overdue_return_days": "366"}, "Days for rule 4 must be a whole number from 0 to 365"),
        ({"rule_overdue_return_days": ""}, "Enter the number of days for rule 4"),
        ({"rule_needs_attention_category": "purple"}, "Select the category rule 3 suggests from the list"),
        ({"note": ""}, "Enter what has changed and why"),
        ({"based_on": "0"}, "Version 1 was published while you were making these changes"),
    ],
)
def test_bad_input_publishes_nothing(setting, admin, changes, message):
    data = posted(**changes)
    data["csrf_token"] = csrf_token(admin, URL)
    response = admin.post(URL, data=data)
    assert response.status_code == 422 and message in response.text and "govuk-error-summary" in response.text
    assert versions() == 0 and criteria_data.current().number == 1


def test_hostile_words_are_published_as_text(setting, admin):
    data = posted(category_red_description="<img src=x onerror=alert(1)> Red'); DELETE FROM support_criteria; --")
    data["csrf_token"] = csrf_token(admin, URL)
    assert admin.post(URL, data=data).status_code == 303
    page = setting.client(setting.head).get("/support/criteria").text
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt; Red&#39;); DELETE FROM support_criteria; --" in page


def test_only_administrators_change_the_criteria_and_a_forged_token_changes_nothing(setting, admin):
    for user in (setting.head, setting.officer):
        client = setting.client(user)
        assert client.get(URL).status_code == 404
        assert client.post(URL, data={**posted(), "csrf_token": csrf_token(client, "/support/criteria")}).status_code == 404
    assert admin.post(URL, data={**posted(), "csrf_token": "forged"}).status_code == 400
    assert versions() == 0
    assert 'href="/support/criteria/change"' in admin.get("/support/criteria").text
    assert 'href="/support/criteria/change"' not in setting.client(setting.officer).get("/support/criteria").text
