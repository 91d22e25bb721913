"""A fictional borough for the demo and the browser tests. Every name, URN and postcode is invented."""

from __future__ import annotations

import io
from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
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
    for demo in DEMO_SCHOOLS:
        school = schools[demo.urn]
        head = user_service.create_user(
            name=demo.head, email=head_email(school), role=Role.SCHOOL, school=school, password=password
        )
        head.approver = True  # the head teacher signs the school's returns off
        sign_ins.append((head_email(school), f"{demo.head}, head teacher of {demo.name}", Role.SCHOOL.label))
    return sign_ins
