"""A fictional borough for the demo and the browser tests. Every name, URN and postcode is invented."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.models import Role, School, User
from app.services import users as user_service

TRUSTS = {
    "fen": "Fen Valley Learning Trust",
    "est": "Estuary Schools Partnership",
    "hil": "St Hilda Diocesan Academy Trust",
}


@dataclass(frozen=True)
class DemoSchool:
    urn: str
    name: str
    slug: str
    phase: str
    kind: str
    ages: tuple[int, int]
    postcode: str
    head: str
    trust: str | None = None
    early_years: bool | None = None
    sixth_form: bool | None = None


DEMO_SCHOOLS = (
    DemoSchool("990101", "Fenmoor Nursery School", "fenmoor-nursery", "Nursery", "Local authority nursery school", (2, 5), "FM1 2AB", "Hannah Reeve", None, True, False),
    DemoSchool("990102", "Alderbrook Primary School", "alderbrook-primary", "Primary", "Academy converter", (4, 11), "FM1 3CD", "Tom Ashworth", "fen", True, False),
    DemoSchool("990103", "St Aidan's Church of England Primary School", "st-aidans-primary", "Primary", "Voluntary aided school", (4, 11), "FM2 1EF", "Grace Obi", None, True, False),
    DemoSchool("990104", "Marshgate Community Primary School", "marshgate-primary", "Primary", "Community school", (3, 11), "FM2 4GH", "Marek Nowak", None, True, False),
    DemoSchool("990105", "Heronfield Primary Academy", "heronfield-primary", "Primary", "Academy sponsor led", (4, 11), "FM3 5JK", "Aisha Rahman", "est", True, False),
    DemoSchool("990106", "Kingsmere Infant School", "kingsmere-infant", "Primary", "Academy converter", (4, 7), "FM3 6LM", "Owen Pritchard", "fen", True, False),
    DemoSchool("990107", "Kingsmere Junior School", "kingsmere-junior", "Primary", "Academy converter", (7, 11), "FM3 6LN", "Ruth Calloway", "fen", False, False),
    DemoSchool("990108", "Willowbank Primary School", "willowbank-primary", "Primary", "Free schools", (4, 11), "FM4 2PQ", "Daniel Mensah", "est", True, False),
    DemoSchool("990109", "Our Lady of the Marsh Catholic Primary School", "our-lady-of-the-marsh", "Primary", "Voluntary aided school", (4, 11), "FM4 7RS", "Bernadette Quinn", None, True, False),
    DemoSchool("990110", "Saltings Primary School", "saltings-primary", "Primary", "Community school", (3, 11), "FM5 1TU", "Imran Siddiqui", None, True, False),
    DemoSchool("990111", "Orchard Lane Primary Academy", "orchard-lane-primary", "Primary", "Academy converter", (4, 11), "FM5 3VW", "Lucy Fairbanks", "est", True, False),
    DemoSchool("990112", "Beacon Hill Primary School", "beacon-hill-primary", "Primary", "Academy converter", (4, 11), "FM6 2XY", "Chidi Eze", "fen", True, False),
    DemoSchool("990113", "Thornwick First and Middle School", "thornwick-middle", "Middle deemed primary", "Foundation school", (4, 12), "FM6 8AZ", "Sophie Lindqvist", None, True, False),
    DemoSchool("990114", "Ridgeway Middle School", "ridgeway-middle", "Middle deemed secondary", "Academy converter", (9, 13), "FM7 1BA", "Gareth Powell", "fen", False, False),
    DemoSchool("990115", "Fenmoor Academy", "fenmoor-academy", "Secondary", "Academy sponsor led", (11, 18), "FM7 4DC", "Neha Kapoor", "est", False, True),
    DemoSchool("990116", "Castlebrook High School", "castlebrook-high", "Secondary", "Academy converter", (11, 16), "FM8 2FE", "Patrick Doyle", "fen", False, False),
    DemoSchool("990117", "St Hilda's Church of England High School", "st-hildas-high", "Secondary", "Academy converter", (11, 18), "FM8 5HG", "Miriam Adeyemi", "hil", False, True),
    DemoSchool("990118", "Northmarsh School", "northmarsh", "Secondary", "Academy converter", (11, 16), "FM9 3KJ", "Callum Baird", "est", False, False),
    DemoSchool("990119", "Eastwater Academy", "eastwater-academy", "Secondary", "Free schools", (11, 18), "FM9 6ML", "Yasmin Haddad", "est", False, True),
    DemoSchool("990120", "Fenmoor Sixth Form College", "fenmoor-sixth-form", "16 plus", "Academy 16-19 converter", (16, 19), "FM1 9NP", "Jonathan Ellery", None, False, True),
    DemoSchool("990121", "Harbourside All-Through School", "harbourside", "All-through", "Academy sponsor led", (4, 18), "FM2 7QR", "Fatima Begum", "fen", True, True),
    DemoSchool("990122", "Meadowview School", "meadowview", "Not applicable", "Academy special converter", (2, 19), "FM4 4ST", "Rhys Morgan", "est", True, True),
    DemoSchool("990123", "Brambleside School", "brambleside", "Not applicable", "Community special school", (4, 16), "FM5 8UV", "Olivia Brennan", None, False, False),
    DemoSchool("990124", "The Lantern Centre", "lantern-centre", "Not applicable", "Academy alternative provision converter", (11, 16), "FM6 5WX", "Kwame Asante", "fen", False, False),
)

COUNCIL_STAFF = (
    ("admin@example.org", "Sam Whitfield", Role.ADMIN),
    ("officer@example.org", "Dana Okafor", Role.OFFICER),
)

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def head_email(school: DemoSchool) -> str:
    return f"head@{school.slug}.example.org"


def database_is_empty() -> bool:
    schools = db.session.scalar(select(func.count()).select_from(School))
    users = db.session.scalar(select(func.count()).select_from(User))
    return not schools and not users


def seed_demo(la_code: str, password: str) -> list[tuple[str, str, str]]:
    """Adds the demo borough; returns (email, name, role) for each sign-in it created."""
    sign_ins: list[tuple[str, str, str]] = []
    for email, name, role in COUNCIL_STAFF:
        user_service.create_user(name=name, email=email, role=role, school=None, password=password)
        sign_ins.append((email, name, role.label))
    for demo in DEMO_SCHOOLS:
        assert SLUG_PATTERN.match(demo.slug), demo.slug
        school = School(
            urn=demo.urn,
            name=demo.name,
            slug=demo.slug,
            la_code=la_code,
            phase=demo.phase,
            establishment_type=demo.kind,
            trust_name=TRUSTS[demo.trust] if demo.trust else None,
            statutory_low_age=demo.ages[0],
            statutory_high_age=demo.ages[1],
            postcode=demo.postcode,
            status="Open",
            has_early_years=demo.early_years,
            has_sixth_form=demo.sixth_form,
        )
        db.session.add(school)
        db.session.flush()
        user_service.create_user(
            name=demo.head, email=head_email(demo), role=Role.SCHOOL, school=school, password=password
        )
        sign_ins.append((head_email(demo), f"{demo.head}, head teacher of {demo.name}", Role.SCHOOL.label))
    return sign_ins
