"""The schools register list: filters with and without htmx, pagination, query counts, the council's fields."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import School
from app.services.gias import import_establishments
from tests.conftest import csrf_token
from tests.schools.gias_samples import row, sample_file


@pytest.fixture
def register(db):
    result = import_establishments(io.BytesIO(sample_file()), "883")
    assert result.applied
    return {s.urn: s for s in db.session.scalars(select(School))}


@pytest.mark.parametrize(
    "query, shown, hidden",
    [
        ({"q": "mary"}, "St Mary&#39;s Church", "Castlebrook Academy"),
        ({"q": "880003"}, "Castlebrook Academy", "St Mary&#39;s Church"),
        ({"q": "école"}, "École Saint-Exupéry", "Castlebrook Academy"),
        ({"phase": "Secondary"}, "Castlebrook Academy", "St Mary&#39;s Church"),
        ({"phase": "Not applicable"}, "Brambleside School", "Castlebrook Academy"),
        ({"trust": "estuary"}, "Castlebrook Academy", "École Saint-Exupéry"),
        ({"status": "closed"}, "Old Mill Infant School", "Castlebrook Academy"),
        ({"status": "open"}, "Castlebrook Academy", "Old Mill Infant School"),
        ({}, "Castlebrook Academy", "Old Mill Infant School"),  # open schools by default
        ({"q": "%"}, "0 schools", "Castlebrook Academy"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_filter_by_each_field(officer_client, register, query, shown, hidden, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    response = officer_client.get("/schools", query_string=query, headers=headers)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert shown in page and hidden not in page
    assert "HX-Request" in response.headers["Vary"]
    assert ("<html" in page) is not htmx
    assert 'id="schools-count"' in page


def test_status_all_shows_open_and_closed(officer_client, register):
    page = officer_client.get("/schools", query_string={"status": "all"}).get_data(as_text=True)
    assert "Old Mill Infant School" in page and "Castlebrook Academy" in page
    assert "6 schools" in page


def test_filters_are_kept_in_the_form_and_the_links(officer_client, register):
    page = officer_client.get("/schools", query_string={"q": "academy", "phase": "Secondary"}).get_data(as_text=True)
    assert 'value="academy"' in page
    assert '<option value="Secondary" selected>' in page
    assert "/schools/export.csv?q=academy&amp;phase=Secondary" in page
    assert "/schools/export.xlsx?q=academy&amp;phase=Secondary" in page
    assert ">Download as CSV</a>" in page and ">Download as Excel</a>" in page


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_downloads_hold_the_filtered_schools(officer_client, register, suffix):
    from tests.test_exports import read_csv, read_xlsx

    response = officer_client.get(f"/schools/export.{suffix}", query_string={"phase": "Secondary"})
    assert response.status_code == 200
    assert re.fullmatch(rf'attachment; filename="schools-\d{{4}}-\d{{2}}-\d{{2}}\.{suffix}"', response.headers["Content-Disposition"])
    if suffix == "csv":
        rows = read_csv(response.data)
    else:
        rows = [list(row) for row in read_xlsx(response.data).iter_rows(values_only=True)]
    assert rows[0][:2] == ["URN", "Name"]
    names = [row[1] for row in rows[1:]]
    assert "Castlebrook Academy" in names and "St Mary's Church" not in " ".join(names)
    ages = [row[5:7] for row in rows[1:]]
    assert all(isinstance(age, int) for pair in ages for age in pair) if suffix == "xlsx" else all(a.isdigit() for pair in ages for a in pair)


@pytest.mark.parametrize(
    "query, message",
    [({"phase": "Kindergarten"}, "Select a phase from the list"), ({"status": "everything"}, "Select open, closed"),
     ({"q": "x" * 201}, "Name or URN must be 200 characters or fewer")],
)
def test_a_forged_filter_is_an_error_not_a_crash(officer_client, register, query, message):
    response = officer_client.get("/schools", query_string=query)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_the_list_is_paginated(app, officer_client, db):
    import_establishments(io.BytesIO(sample_file([row(f"{770000 + n}", f"Paged School {n:03d}") for n in range(120)])), "883")
    first = officer_client.get("/schools", query_string={"q": "paged"}).get_data(as_text=True)
    assert "120 schools, page 1 of 3" in first and "Paged School 000" in first and "Paged School 050" not in first
    third = officer_client.get("/schools", query_string={"q": "paged", "page": 3}).get_data(as_text=True)
    assert "Paged School 119" in third and "page=2" in third and "q=paged" in third


def test_query_count_does_not_grow_with_the_borough(officer_client, db, count_queries):
    def measure():
        with count_queries() as counter:
            assert officer_client.get("/schools", query_string={"status": "all"}).status_code == 200
        return counter.count

    import_establishments(io.BytesIO(sample_file([row(f"{600000 + n}", f"School {n}") for n in range(20)])), "883")
    small = measure()
    import_establishments(io.BytesIO(sample_file([row(f"{600000 + n}", f"School {n}") for n in range(2000)])), "883")
    assert db.session.scalar(select(db.func.count()).select_from(School)) == 2000
    assert measure() == small


def test_school_users_cannot_reach_the_list(school_client):
    assert school_client.get("/schools").status_code == 404
    assert school_client.get("/schools/export.csv").status_code == 404
    assert school_client.get("/schools/export.xlsx").status_code == 404


class TestCouncilDetails:
    def post(self, client, school, **data):
        token = csrf_token(client, f"/schools/{school.id}")
        return client.post(f"/admin/schools/{school.id}/details", data={"csrf_token": token, **data})

    def test_admin_records_early_years_sixth_form_and_contact(self, admin_client, register):
        target = register["880002"]
        response = self.post(admin_client, target, has_early_years="no", has_sixth_form="yes", contact_email=" Office@Ecole.example.org ")
        assert response.status_code == 303
        db.session.refresh(target)
        assert (target.has_early_years, target.has_sixth_form, target.contact_email) == (False, True, "office@ecole.example.org")
        page = admin_client.get(f"/schools/{target.id}").get_data(as_text=True)
        assert "School details saved" in page and "recorded by the council" in page

    def test_back_to_as_gias_says(self, admin_client, register):
        target = register["880002"]
        self.post(admin_client, target, has_early_years="no", has_sixth_form="yes")
        assert self.post(admin_client, target, has_early_years="gias", has_sixth_form="gias", contact_email="").status_code == 303
        db.session.refresh(target)
        assert target.has_early_years is None and target.has_sixth_form is None and target.contact_email is None

    @pytest.mark.parametrize(
        "data, message",
        [
            ({"has_sixth_form": "yes"}, "Select whether the school has early years"),
            ({"has_early_years": "maybe", "has_sixth_form": "yes"}, "Select whether the school has early years"),
            ({"has_early_years": "yes", "has_sixth_form": "' OR 1=1"}, "Select whether the school has a sixth form"),
            ({"has_early_years": "yes", "has_sixth_form": "no", "contact_email": "not an email"}, "Enter an email address in the correct format"),
            ({"has_early_years": "yes", "has_sixth_form": "no", "contact_email": "a" * 250 + "@x.org"}, "254 characters or fewer"),
        ],
    )
    def test_bad_input(self, admin_client, register, data, message):
        target = register["880002"]
        response = self.post(admin_client, target, **data)
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert message in page and "govuk-error-summary" in page
        db.session.refresh(target)
        assert target.has_early_years is None and target.has_sixth_form is None

    def test_officers_see_no_edit_forms(self, officer_client, register):
        page = officer_client.get(f"/schools/{register['880002'].id}").get_data(as_text=True)
        assert "Details the council records" not in page


def test_the_council_details_questions_have_their_legends(admin_client, register):
    page = admin_client.get(f"/schools/{register['880002'].id}").get_data(as_text=True)
    for legend in ("Does the school have early years (nursery or reception)?", "Does the school have a sixth form?"):
        assert re.search(r'<legend class="govuk-fieldset__legend[^"]*">\s*' + re.escape(legend), page), legend
