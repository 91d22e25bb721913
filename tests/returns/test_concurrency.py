"""Many people saving one section at once, two officers taking one return, two approvers submitting
it: with real commits on PostgreSQL, nothing is lost, nothing is recorded twice, and every loser is told."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import CollectionWindow, Return, ReturnSection, ReturnTransition, Role, School, Submission, User
from app.models.returns import SECTION_COMPLETED, SUBMITTED
from app.engine import lifecycle
from app.services.passwords import hash_password
from tests.concurrency import own_postgres_app, run_together
from tests.conftest import PASSWORD, csrf_token, sign_in
from tests.returns.test_sef_sections import VALID_JSON, valid

pytestmark = [pytest.mark.postgres, pytest.mark.own_database]

THREADS, SAVES = 8, 10
SAVES_WITHOUT_JAVASCRIPT = 5  # a full save then reloads the page to learn its version: slower, so fewer
ROUNDS = 4  # races for take and submit, each on a return of its own
VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')
KEEP_MINE_VERSION = re.compile(r'<input type="hidden" name="version" value="(\d+)">')


@pytest.fixture
def race_app():
    """An app on a PostgreSQL database of its own: these tests commit for real, from many threads."""
    with own_postgres_app("_returns_race") as app:
        yield app


def seed(app, *, schools: int, staff: int, officers: int = 0) -> dict:
    """Schools with `staff` approvers each, council officers, and an open self-evaluation window."""
    with app.app_context():
        window = CollectionWindow(
            return_type="sef", academic_year="2026/27", period="autumn", title="Self-evaluation, autumn 2026",
            opens_on=date.today() - timedelta(days=10), due_on=date.today() + timedelta(days=10), phases=["All-through"],
        )
        db.session.add(window)
        password_hash = hash_password(PASSWORD)
        made = {"schools": [], "staff": [], "officers": []}
        for s in range(schools):
            school = School(
                urn=f"9{s:05d}", name=f"Race School {s}", slug=f"race-school-{s}", la_code="883", phase="All-through",
                establishment_type="Academy converter", statutory_low_age=3, statutory_high_age=18, status="Open",
                has_early_years=True, has_sixth_form=True,
            )
            db.session.add(school)
            db.session.flush()
            people = [
                User(email=f"staff{p}@race-{s}.example.org", name=f"Staff {p} of {s}", role=Role.SCHOOL.value, school_id=school.id,
                     approver=True, password_hash=password_hash, active=True)
                for p in range(staff)
            ]
            db.session.add_all(people)
            made["schools"].append(school)
            made["staff"].append(people)
        for o in range(officers):
            officer = User(email=f"officer{o}@council.example.org", name=f"Officer {o}", role=Role.OFFICER.value, password_hash=password_hash, active=True)
            db.session.add(officer)
            made["officers"].append(officer)
        db.session.flush()
        ids = {
            "window": window.id,
            "schools": [school.id for school in made["schools"]],
            "staff": [[person.email for person in people] for people in made["staff"]],
            "officers": [officer.email for officer in made["officers"]],
        }
        db.session.commit()
    return ids


def start_return(app, ids: dict, school_index: int, *, complete: bool = False, submit: bool = False) -> int:
    with app.app_context():
        school = db.session.get(School, ids["schools"][school_index])
        approver = db.session.scalar(select(User).where(User.email == ids["staff"][school_index][0]))
        ret = lifecycle.start(approver, db.session.get(CollectionWindow, ids["window"]), school)
        if complete:
            for key, answers in VALID_JSON.items():
                db.session.add(ReturnSection(return_id=ret.id, key=key, answers=dict(answers), version=1, status=SECTION_COMPLETED, updated_by_id=approver.id))
            db.session.flush()
        if submit:
            lifecycle.perform(lifecycle.SUBMIT, ret, approver)
        db.session.commit()
        return ret.id


def signed_in(app, email: str, page: str = "/accessibility"):
    client = app.test_client()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        sign_in(client, user)
    return client, csrf_token(client, page)


@pytest.mark.parametrize("how", ["autosave", "save"])
def test_concurrent_saves_of_one_section_lose_nothing_and_every_loser_sees_the_conflict(race_app, how):
    app = race_app
    ids = seed(app, schools=1, staff=THREADS)
    return_id = start_return(app, ids, 0)
    clients = [signed_in(app, email) for email in ids["staff"][0]]
    path = f"/returns/{return_id}/sections/inclusion"
    results: list[dict] = [{} for _ in clients]
    saves = SAVES if how == "autosave" else SAVES_WITHOUT_JAVASCRIPT

    def current_version(client) -> int:
        page = client.get(path)
        assert page.status_code == 200
        return int(VERSION.search(page.get_data(as_text=True)).group(1))

    def saver(index: int, client, token: str):
        tally = {"attempts": 0, "successes": 0, "conflicts": 0, "versions": [], "last": None, "unexpected": []}
        version = current_version(client)
        while tally["successes"] < saves and tally["attempts"] < 40 * saves:
            tally["attempts"] += 1
            words = f"Thread {index}, attempt {tally['attempts']}"
            data = {**valid("inclusion"), "strengths": words, "version": str(version), "csrf_token": token}
            if how == "autosave":
                response = client.post(f"{path}/autosave", data=data, headers={"HX-Request": "true"})
            else:
                response = client.post(path, data=data)
            body = response.get_data(as_text=True)
            if response.status_code in (200, 303):
                tally["successes"] += 1
                tally["last"] = words
                if how == "autosave":
                    assert "Saved at" in body
                    version = int(VERSION.search(body).group(1))
                    tally["versions"].append((version, words))
                else:
                    version = current_version(client)
            elif response.status_code == 409:
                tally["conflicts"] += 1
                if how == "autosave":
                    assert "has also changed" in body and "Compare and choose which to keep" in body
                    version = current_version(client)
                else:
                    # The conflict page shows both texts and offers to keep mine over the version it shows.
                    assert "changed the same answer as you" in body and words in body
                    version = int(KEEP_MINE_VERSION.search(body).group(1))
            else:
                tally["unexpected"].append((response.status_code, body[:300]))
                version = current_version(client)
        results[index] = tally

    run_together(saver, [(i, client, token) for i, (client, token) in enumerate(clients)])

    # Every thread reported (an empty tally would make the checks below vacuous) and none was surprised.
    assert len(results) == THREADS and all(tally.get("attempts") for tally in results)
    assert [tally["unexpected"][:1] for tally in results] == [[] for _ in results]
    successes = sum(tally["successes"] for tally in results)
    conflicts = sum(tally["conflicts"] for tally in results)
    attempts = sum(tally["attempts"] for tally in results)
    assert successes == THREADS * saves
    assert successes + conflicts == attempts
    with app.app_context():
        row = db.session.scalar(select(ReturnSection).where(ReturnSection.return_id == return_id, ReturnSection.key == "inclusion"))
        assert row.version == successes
        if how == "autosave":
            # Every acknowledged save got a version of its own, and the last of them is what is stored.
            versions = sorted(version for tally in results for version, _words in tally["versions"])
            assert versions == list(range(1, successes + 1))
            newest = max((pair for tally in results for pair in tally["versions"]), key=lambda pair: pair[0])
            assert row.answers["strengths"] == newest[1]
        else:
            assert row.answers["strengths"] in {tally["last"] for tally in results}


def test_two_officers_taking_one_return_at_once_record_one_taking(race_app):
    app = race_app
    ids = seed(app, schools=ROUNDS, staff=1, officers=2)
    officers = [signed_in(app, email) for email in ids["officers"]]
    for round_ in range(ROUNDS):
        return_id = start_return(app, ids, round_, complete=True, submit=True)
        statuses: list[int] = []

        def take(client, token):
            # Over HTTP only: a missing take route fails here instead of being stood in for.
            statuses.append(client.post(f"/returns/{return_id}/take", data={"csrf_token": token}).status_code)

        run_together(take, officers)
        with app.app_context():
            takes = db.session.scalars(select(ReturnTransition).where(ReturnTransition.return_id == return_id, ReturnTransition.action == "take")).all()
            assert len(takes) == 1, f"round {round_}: {len(takes)} takings recorded"
            ret = db.session.get(Return, return_id)
            taker = db.session.get(User, takes[0].by_id)
            assert ret.assigned_to_id == taker.id
        assert statuses == [303, 303]
        loser = officers[ids["officers"].index(next(email for email in ids["officers"] if email != taker.email))][0]
        page = loser.get(f"/returns/{return_id}/review").get_data(as_text=True)
        assert "Another officer has just taken this return" in page


def test_two_approvers_submitting_at_once_make_one_submission(race_app):
    app = race_app
    ids = seed(app, schools=ROUNDS, staff=2)
    for round_ in range(ROUNDS):
        return_id = start_return(app, ids, round_, complete=True)
        approvers = [signed_in(app, email) for email in ids["staff"][round_]]
        statuses: list[int] = []

        def submit(client, token):
            statuses.append(client.post(f"/returns/{return_id}/check", data={"declaration": "y", "csrf_token": token}).status_code)

        run_together(submit, approvers)
        assert sorted(statuses) == [303, 422], statuses
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Submission).where(Submission.return_id == return_id)) == 1
            assert db.session.scalar(
                select(func.count()).select_from(ReturnTransition).where(ReturnTransition.return_id == return_id, ReturnTransition.action == "submit")
            ) == 1
            assert db.session.get(Return, return_id).state == SUBMITTED
