"""A fictional borough for the demo and the browser tests. Every name, URN and postcode is invented."""

from __future__ import annotations

import io
import random
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from app.data.demo import seed_data_pack
from app.extensions import db
from app.formatting import LONDON
from app.mail import discard_pending
from app.models import Role, School, User
from app.services import users as user_service
from app.services.gias import import_establishments
from app.services.gias_sample import gias_csv_bytes
from app.services.schools import record_import_run

TRUSTS = {
    "fen": "Fen Valley Learning Trust",
    "est": "Estuary Schools Partnership",
    "hil": "St Hilda Diocesan Academy Trust",
}


@dataclass(frozen=True)
class DemoSchool:
    urn: str
    name: str
    phase: str
    kind: str
    ages: tuple[int, int]
    postcode: str
    head: str
    trust: str | None = None
    sixth_form: bool = False


DEMO_SCHOOLS = (
    DemoSchool("990101", "Fenmoor Nursery School", "Nursery", "Local authority nursery school", (2, 5), "FM1 2AB", "Hannah Reeve", None, False),
    DemoSchool("990102", "Alderbrook Primary School", "Primary", "Academy converter", (4, 11), "FM1 3CD", "Tom Ashworth", "fen", False),
    DemoSchool("990103", "St Aidan's Church of England Primary School", "Primary", "Voluntary aided school", (4, 11), "FM2 1EF", "Grace Obi", None, False),
    DemoSchool("990104", "Marshgate Community Primary School", "Primary", "Community school", (3, 11), "FM2 4GH", "Marek Nowak", None, False),
    DemoSchool("990105", "Heronfield Primary Academy", "Primary", "Academy sponsor led", (4, 11), "FM3 5JK", "Aisha Rahman", "est", False),
    DemoSchool("990106", "Kingsmere Infant School", "Primary", "Academy converter", (4, 7), "FM3 6LM", "Owen Pritchard", "fen", False),
    DemoSchool("990107", "Kingsmere Junior School", "Primary", "Academy converter", (7, 11), "FM3 6LN", "Ruth Calloway", "fen", False),
    DemoSchool("990108", "Willowbank Primary School", "Primary", "Free schools", (4, 11), "FM4 2PQ", "Daniel Mensah", "est", False),
    DemoSchool("990109", "Our Lady of the Marsh Catholic Primary School", "Primary", "Voluntary aided school", (4, 11), "FM4 7RS", "Bernadette Quinn", None, False),
    DemoSchool("990110", "Saltings Primary School", "Primary", "Community school", (3, 11), "FM5 1TU", "Imran Siddiqui", None, False),
    DemoSchool("990111", "Orchard Lane Primary Academy", "Primary", "Academy converter", (4, 11), "FM5 3VW", "Lucy Fairbanks", "est", False),
    DemoSchool("990112", "Beacon Hill Primary School", "Primary", "Academy converter", (4, 11), "FM6 2XY", "Chidi Eze", "fen", False),
    DemoSchool("990113", "Thornwick First and Middle School", "Middle deemed primary", "Foundation school", (4, 12), "FM6 8AZ", "Sophie Lindqvist", None, False),
    DemoSchool("990114", "Ridgeway Middle School", "Middle deemed secondary", "Academy converter", (9, 13), "FM7 1BA", "Gareth Powell", "fen", False),
    DemoSchool("990115", "Fenmoor Academy", "Secondary", "Academy sponsor led", (11, 18), "FM7 4DC", "Neha Kapoor", "est", True),
    DemoSchool("990116", "Castlebrook High School", "Secondary", "Academy converter", (11, 16), "FM8 2FE", "Patrick Doyle", "fen", False),
    DemoSchool("990117", "St Hilda's Church of England High School", "Secondary", "Academy converter", (11, 18), "FM8 5HG", "Miriam Adeyemi", "hil", True),
    DemoSchool("990118", "Northmarsh School", "Secondary", "Academy converter", (11, 16), "FM9 3KJ", "Callum Baird", "est", False),
    DemoSchool("990119", "Eastwater Academy", "Secondary", "Free schools", (11, 18), "FM9 6ML", "Yasmin Haddad", "est", True),
    DemoSchool("990120", "Fenmoor Sixth Form College", "16 plus", "Academy 16-19 converter", (16, 19), "FM1 9NP", "Jonathan Ellery", None, True),
    DemoSchool("990121", "Harbourside All-Through School", "All-through", "Academy sponsor led", (4, 18), "FM2 7QR", "Fatima Begum", "fen", True),
    DemoSchool("990122", "Meadowview School", "Not applicable", "Academy special converter", (2, 19), "FM4 4ST", "Rhys Morgan", "est", True),
    DemoSchool("990123", "Brambleside School", "Not applicable", "Community special school", (4, 16), "FM5 8UV", "Olivia Brennan", None, False),
    DemoSchool("990124", "The Lantern Centre", "Not applicable", "Academy alternative provision converter", (11, 16), "FM6 5WX", "Kwame Asante", "fen", False),
)

COUNCIL_STAFF = (
    ("admin@example.org", "Sam Whitfield", Role.ADMIN),
    ("officer@example.org", "Dana Okafor", Role.OFFICER),
)

PHASE_CODES = {
    "Not applicable": 0, "Nursery": 1, "Primary": 2, "Middle deemed primary": 3, "Secondary": 4,
    "Middle deemed secondary": 5, "16 plus": 6, "All-through": 7,
}


def head_email(school: School) -> str:
    return f"head@{school.slug}.example.org"


def demo_gias_rows(la_code: str) -> list[dict[str, object]]:
    """The demo borough as rows of a GIAS establishment extract."""
    return [
        {
            "URN": demo.urn,
            "LA (code)": la_code,
            "LA (name)": "Fenmoor",
            "EstablishmentNumber": str(2000 + index),
            "EstablishmentName": demo.name,
            "TypeOfEstablishment (name)": demo.kind,
            "EstablishmentStatus (code)": "1",
            "EstablishmentStatus (name)": "Open",
            "PhaseOfEducation (code)": PHASE_CODES[demo.phase],
            "PhaseOfEducation (name)": demo.phase,
            "StatutoryLowAge": demo.ages[0],
            "StatutoryHighAge": demo.ages[1],
            "NurseryProvision (name)": "Has Nursery Classes" if demo.ages[0] < 4 else "No Nursery Classes",
            "OfficialSixthForm (name)": "Has a sixth form" if demo.sixth_form else "Does not have a sixth form",
            "Trusts (name)": TRUSTS[demo.trust] if demo.trust else "",
            "Town": "Fenmoor",
            "Postcode": demo.postcode,
        }
        for index, demo in enumerate(DEMO_SCHOOLS, start=1)
    ]


def database_is_empty() -> bool:
    schools = db.session.scalar(select(func.count()).select_from(School))
    users = db.session.scalar(select(func.count()).select_from(User))
    return not schools and not users


def seed_demo(la_code: str, password: str) -> list[tuple[str, str, str]]:
    """Adds the demo borough; returns (email, name, role) for each sign-in it created.

    The schools go in through the GIAS import, as a council's own would, so a fresh `make run`
    exercises the importer every time.
    """
    result = import_establishments(io.BytesIO(gias_csv_bytes(demo_gias_rows(la_code))), la_code)
    if not result.applied:  # the demo data is ours: a problem here is a bug
        raise RuntimeError(f"The demo GIAS file did not import: {result.problems}")
    record_import_run("gias", "demo-borough-generated.csv", la_code, None, result)
    sign_ins: list[tuple[str, str, str]] = []
    for email, name, role in COUNCIL_STAFF:
        user_service.create_user(name=name, email=email, role=role, school=None, password=password)
        sign_ins.append((email, name, role.label))
    schools = {school.urn: school for school in db.session.scalars(select(School))}
    heads: dict[str, User] = {}
    staff: dict[str, User] = {}
    for demo in DEMO_SCHOOLS:
        school = schools[demo.urn]
        head = user_service.create_user(
            name=demo.head, email=head_email(school), role=Role.SCHOOL, school=school, password=password
        )
        head.approver = True  # the head teacher signs the school's returns off
        heads[demo.urn] = head
        sign_ins.append((head_email(school), f"{demo.head}, head teacher of {demo.name}", Role.SCHOOL.label))
        if demo.urn in DEMO_STAFF:
            name = DEMO_STAFF[demo.urn]
            staff[demo.urn] = user_service.create_user(
                name=name, email=staff_email(school), role=Role.SCHOOL, school=school, password=password
            )
            sign_ins.append((staff_email(school), f"{name}, staff at {demo.name} (drafts; the head submits)", Role.SCHOOL.label))
    db.session.flush()
    officer = db.session.scalar(select(User).where(User.email == "officer@example.org"))
    seed_returns(heads, staff, officer, datetime.now(LONDON).date())
    from app.support.demo import seed_support

    seed_support(db.session.scalar(select(User).where(User.email == "admin@example.org")), officer, datetime.now(LONDON).date())
    from app.officer.demo import seed_monitoring

    seed_monitoring(officer, datetime.now(LONDON).date())  # an extension, reminders and a safeguarding alert
    seed_data_pack(la_code, datetime.now(LONDON).date())
    # The invented history mails nobody: its notifications are dropped before the seed commits.
    discard_pending()
    return sign_ins


# Contributors: a member of staff beside the head teacher in a few schools. They draft; only the head
# (the approver) submits.
DEMO_STAFF = {
    "990105": "Priya Chauhan",
    "990111": "Ellen Marsh",
    "990117": "Sean Gallagher",
    "990119": "Laura Kennedy",
    "990122": "Joseph Adebayo",
}


def staff_email(school: School) -> str:
    return f"staff@{school.slug}.example.org"


# The self-evaluation windows: last year's closed, with most schools' returns accepted, and this
# year's open, with a few schools at each state.
LAST_YEAR_WITHOUT_RETURN = {"990113", "990120", "990124"}
LAST_YEAR_LATE = "990110"
THIS_YEAR = {
    "not_started": ("990101", "990106", "990113", "990123", "990124"),
    "in_progress": ("990102", "990104", "990111", "990122"),
    "submitted": ("990103", "990105", "990108", "990114", "990115"),
    "returned": ("990107", "990117"),
    "accepted": ("990109", "990112", "990116", "990118", "990119", "990120", "990121"),
}
TAKEN_BY_OFFICER = "990115"
FROM_BLANK = {"990111", "990120"}  # started afresh rather than from last year's

MAINSTREAM_PHASES = ["Nursery", "Primary", "Middle deemed primary", "Secondary", "Middle deemed secondary", "16 plus", "All-through"]

def academic_year_start(today: date) -> int:
    """The calendar year an academic year's autumn term falls in: September onwards is the new year."""
    return today.year if today.month >= 9 else today.year - 1


@contextmanager
def _as_if_at(moment: datetime):
    """Seed history as it would have happened: the lifecycle and drafts read the clock through
    their own utcnow, which is set to `moment` here and put back afterwards."""
    from app.engine import drafts, lifecycle, living

    saved = lifecycle.utcnow, drafts.utcnow, living.utcnow
    lifecycle.utcnow = drafts.utcnow = living.utcnow = lambda: moment
    try:
        yield
    finally:
        lifecycle.utcnow, drafts.utcnow, living.utcnow = saved


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(timezone.utc)


def _save_all(ret, school: School, answers: dict, user: User, day: date) -> None:
    """Save every section complete, as the school would over a morning."""
    from app.models.returns import SECTION_COMPLETED
    from app.engine import drafts

    saved = {state.section.key: state.version for state in drafts.section_states(ret, school)}
    for minute, (key, section_answers) in enumerate(answers.items()):
        with _as_if_at(_at(day, 9, minute * 4)):
            drafts.save_section(ret, key, section_answers, loaded_version=saved.get(key, 0), user=user, status=SECTION_COMPLETED)


def _add_living_updates(kind, ret, school: School, writers: list[User], accepted: datetime, today: date, rng: random.Random) -> None:
    """After a demo acceptance, the progress updates the type's demo says the school's staff made
    to the plan's living rows, each at its own moment in the past, by the school's own people."""
    from app.models.returns import LivingRow
    from app.engine import living

    if kind.living is None or kind.demo.living_updates is None:
        return
    rows = list(db.session.scalars(select(LivingRow).where(LivingRow.return_id == ret.id, LivingRow.removed.is_(False)).order_by(LivingRow.position)))
    for n, (row, status, note, when) in enumerate(kind.demo.living_updates(rows, school, rng, accepted, today)):
        living.add_update(ret, row, user=writers[n % len(writers)], status=status, note=note, now=when)


def seed_returns(heads: dict[str, User], staff: dict[str, User], officer: User, today: date) -> None:
    """For every return type that brings demo answers: last year's returns, accepted, and this
    year's at every state, made through the lifecycle and drafts services as schools and officers
    would have made them."""
    from app.engine import registry

    for kind in registry.all_types():
        if kind.demo is not None:
            _seed_type(kind, heads, staff, officer, today)


def _seed_type(kind, heads: dict[str, User], staff: dict[str, User], officer: User, today: date) -> None:
    from app.models import CollectionWindow, SectionComment
    from app.models.returns import SECTION_COMPLETED, SECTION_IN_PROGRESS
    from app.engine import drafts, lifecycle
    from app.engine.history import submissions_of
    from app.services import windows as window_service

    demo_data = kind.demo
    year = academic_year_start(today)
    last = CollectionWindow(
        return_type=kind.key, academic_year=f"{year - 1}/{str(year)[-2:]}", period="autumn",
        title=f"{demo_data.window_title}, autumn {year - 1}", opens_on=date(year - 1, 9, 8), due_on=date(year - 1, 10, 17),
        phases=list(MAINSTREAM_PHASES), include_special=True, include_alternative_provision=True,
    )
    current = CollectionWindow(
        return_type=kind.key, academic_year=f"{year}/{str(year + 1)[-2:]}", period="autumn",
        title=f"{demo_data.window_title}, autumn {year}", opens_on=today - timedelta(days=24), due_on=today + timedelta(days=21),
        phases=list(MAINSTREAM_PHASES), include_special=True, include_alternative_provision=True,
    )
    db.session.add_all([last, current])
    db.session.flush()

    schools = {school.urn: school for school in db.session.scalars(select(School))}
    for index, demo in enumerate(DEMO_SCHOOLS):
        if demo.urn in LAST_YEAR_WITHOUT_RETURN or not window_service.asks(last, schools[demo.urn]):
            continue
        school, head = schools[demo.urn], heads[demo.urn]
        rng = random.Random(f"{demo.urn}-{year - 1}")
        started = last.opens_on + timedelta(days=3 + index % 10)
        with _as_if_at(_at(started, 8, 30)):
            ret = lifecycle.start(head, last, school)
        _save_all(ret, school, demo_data.answers(school, rng, year - 1), staff.get(demo.urn, head), started + timedelta(days=1))
        submitted_on = last.due_on + timedelta(days=2) if demo.urn == LAST_YEAR_LATE else last.due_on - timedelta(days=index % 6)
        moment = _at(submitted_on, 16, index)
        with _as_if_at(moment):
            drafts.submit(ret, school, head)
        with _as_if_at(moment + timedelta(days=8, hours=1)):
            lifecycle.perform(lifecycle.ACCEPT, ret, officer)
        _add_living_updates(kind, ret, school, [staff.get(demo.urn, head), head], moment + timedelta(days=8, hours=1), today, rng)
    last.closed_at = _at(last.due_on + timedelta(days=30), 9)

    state_of = {urn: state for state, urns in THIS_YEAR.items() for urn in urns}
    for index, demo in enumerate(DEMO_SCHOOLS):
        state = state_of.get(demo.urn, "not_started")
        if state == "not_started" or not window_service.asks(current, schools[demo.urn]):
            continue
        school, head = schools[demo.urn], heads[demo.urn]
        writer = staff.get(demo.urn, head)
        rng = random.Random(f"{demo.urn}-{year}")
        started = current.opens_on + timedelta(days=1 + index % 5)
        from_previous = demo.urn not in FROM_BLANK and drafts.last_accepted(school, kind.key, current) is not None
        with _as_if_at(_at(started, 10, 15)):
            ret = drafts.start_return(writer, current, school, from_previous=from_previous)
        answers = demo_data.answers(school, rng, year)
        if state == "in_progress":
            # A few sections done, one half-written; copied ones still to check.
            for n, (key, section_answers) in enumerate(list(answers.items())[:3]):
                saved = {s.section.key: s.version for s in drafts.section_states(ret, school)}
                status = SECTION_COMPLETED if n < 2 else SECTION_IN_PROGRESS
                if status == SECTION_IN_PROGRESS and "improvements" in section_answers:
                    section_answers = {**section_answers, "improvements": ""}
                with _as_if_at(_at(started + timedelta(days=n + 1), 15, 40)):
                    drafts.save_section(ret, key, section_answers, loaded_version=saved.get(key, 0), user=writer, status=status)
            continue
        _save_all(ret, school, answers, writer, started + timedelta(days=2))
        submitted_on = min(today - timedelta(days=1), started + timedelta(days=6 + index % 7))
        with _as_if_at(_at(submitted_on, 17, 5)):
            drafts.submit(ret, school, head)
        if demo.urn == TAKEN_BY_OFFICER:
            with _as_if_at(_at(submitted_on + timedelta(days=1), 9, 10)):
                lifecycle.perform(lifecycle.TAKE, ret, officer)
        if state == "returned":
            latest = submissions_of(ret)[-1].submission
            decided = _at(submitted_on + timedelta(days=1), 11, 30)
            for key, text in demo_data.comments.items():
                if key in latest.answers:
                    db.session.add(SectionComment(submission_id=latest.id, section_key=key, text=text, author_id=officer.id, updated_at=decided))
            with _as_if_at(decided):
                lifecycle.perform(lifecycle.RETURN_FOR_CHANGES, ret, officer, reason=demo_data.return_reasons[THIS_YEAR["returned"].index(demo.urn) % len(demo_data.return_reasons)])
        elif state == "accepted":
            accepted = _at(submitted_on + timedelta(days=1), 14, 0)
            with _as_if_at(accepted):
                lifecycle.perform(lifecycle.ACCEPT, ret, officer)
            _add_living_updates(kind, ret, school, [writer, head], accepted, today, rng)
    db.session.flush()
