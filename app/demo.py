"""A fictional borough for the demo and the browser tests. Every name, URN and postcode is invented."""

from __future__ import annotations

import io
import random
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

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

GRADES = ("exceptional", "strong", "expected", "needs_attention", "urgent_improvement")
# How likely each grade is, from a school's own view of itself: mostly expected or strong.
GRADE_WEIGHTS = (2, 9, 12, 4, 1)

AREA_STRENGTHS = {
    "inclusion": (
        "Pupils with SEND are identified early: the SENCo's termly reviews with class teachers mean support starts within weeks, and provision maps show who gets what.",
        "Disadvantaged pupils attend clubs and trips at the same rate as their peers, because leaders fund places and track uptake half-termly.",
        "Adaptations in lessons are planned rather than improvised; learning walks in the spring term found them in most lessons seen.",
    ),
    "curriculum_teaching": (
        "The curriculum is sequenced from Reception to the end of the key stage in every subject, and subject leaders can explain why topics come in that order.",
        "Reading is prioritised: the phonics programme is taught with fidelity and pupils who fall behind get daily catch-up the same day.",
        "Teachers check understanding well; retrieval practice at the start of lessons is now routine and pupils say it helps them remember.",
    ),
    "achievement": (
        "Outcomes at the end of the key stage were above national in reading and broadly in line in mathematics, with the gap for disadvantaged pupils narrowing for the second year.",
        "Pupils' work in books shows they remember more over time; work scrutiny with the trust found consistent progress across year groups.",
        "Multiplication check results rose from 19.8 to 22.4 average score after the focus on fluency.",
    ),
    "attendance_behaviour": (
        "Attendance is 95.1% this year, above the national average, after the attendance officer started first-day calls and home visits.",
        "Behaviour is calm around the site; suspensions have fallen by a third since the new behaviour policy was introduced with staff and parents.",
        "Persistent absence has fallen from 18% to 12%, with a named adult for every pupil below 90%.",
    ),
    "personal_development": (
        "The personal development programme is mapped across the year, and every pupil takes part in at least one club or leadership role.",
        "Pupils talk confidently about healthy relationships and online safety; the pupil voice survey shows 92% feel safe at school.",
        "Careers and next-steps work starts early, with employer encounters in every year group.",
    ),
    "leadership_governance": (
        "Leaders know the school well: monitoring is regular, evidence-based and shared with governors, who challenge through their link visits.",
        "Staff workload is managed thoughtfully; the staff survey shows 88% feel leaders consider their well-being.",
        "Governors have the skills they need after a skills audit and targeted recruitment, and they hold leaders to account for disadvantaged pupils' progress.",
    ),
    "early_years": (
        "Children settle quickly because of strong transition work with families and nurseries.",
        "Communication and language are at the heart of the provision; the proportion reaching a good level of development rose to 71%.",
    ),
    "sixth_form": (
        "Students follow ambitious programmes and almost all move on to university, apprenticeships or employment.",
        "Retention from Year 12 to Year 13 is high, at 94%, because of careful guidance at enrolment.",
    ),
}

AREA_IMPROVEMENTS = {
    "inclusion": (
        "Make sure adaptations for pupils with SEND are consistently strong in the foundation subjects, not only in English and mathematics.",
        "Strengthen how we check the impact of interventions, so that pupils leave them when they no longer need them.",
    ),
    "curriculum_teaching": (
        "Develop subject leadership in the foundation subjects so that leaders check how well pupils remember the curriculum.",
        "Improve the consistency of feedback in mathematics, so that misconceptions are picked up in the lesson.",
    ),
    "achievement": (
        "Raise attainment in writing at the end of the key stage, especially for boys and disadvantaged pupils.",
        "Close the gap in mathematics between disadvantaged pupils and their peers, which widened last year.",
    ),
    "attendance_behaviour": (
        "Reduce persistent absence among disadvantaged pupils, which remains higher than for other pupils.",
        "Reduce repeat suspensions in Year 9 through earlier pastoral support.",
    ),
    "personal_development": (
        "Widen participation in clubs among disadvantaged pupils, which is lower than for their peers.",
        "Evaluate the impact of the relationships and health education programme with pupils and parents.",
    ),
    "leadership_governance": (
        "Develop middle leaders so that improvement does not rely on the senior team.",
        "Sharpen the school improvement plan's success criteria so governors can measure progress each term.",
    ),
    "early_years": (
        "Improve outdoor provision so that it supports the curriculum as well as the indoor areas do.",
    ),
    "sixth_form": (
        "Increase the proportion of students taking part in work experience.",
    ),
}

SAFEGUARDING_STATEMENTS = (
    "The designated safeguarding lead and two deputies meet weekly. Staff training is up to date, concerns are recorded on the electronic system and followed up promptly, and the single central record was checked by governors this term.",
    "Safeguarding is everyone's responsibility here: staff know how to report concerns, and the annual audit with the local authority found no actions outstanding. Pupils know who to talk to.",
    "Leaders have strengthened early help: more families are supported before concerns escalate. Recruitment checks are thorough and the governor responsible for safeguarding visits each half-term.",
)

PRIORITY_BANK = (
    ("Raise attainment in writing across key stage 2", "attainment", "By July, at least 75% of pupils reach the expected standard in writing, and the gap for disadvantaged pupils is under 10 points."),
    ("Improve attendance of disadvantaged pupils", "inclusion", "Persistent absence among disadvantaged pupils falls below 15% by the summer term."),
    ("Develop middle leaders in the foundation subjects", "capacity", "Every subject leader has monitored their subject and reported to governors by Easter."),
    ("Strengthen adaptive teaching for pupils with SEND", "inclusion", "Learning walks find effective adaptations in at least 90% of lessons by the summer."),
    ("Embed the new behaviour curriculum", "wellbeing_safety", "Suspensions fall by a quarter and the pupil survey shows more pupils feel lessons are calm."),
    ("Broaden careers education and employer encounters", "employability_skills", "Every pupil in Years 7 to 11 has at least one employer encounter this year."),
    ("Improve early reading so every pupil reads fluently by Year 2", "attainment", "The phonics screening check pass rate rises to 85%."),
    ("Use peer review in the trust to check the quality of education", "rigour_partnership", "Two peer reviews completed, with findings acted on within a term."),
    ("Support staff well-being and manage workload", "wellbeing_safety", "Staff survey shows at least 85% feel their workload is manageable."),
    ("Increase the proportion of pupils reaching greater depth in mathematics", "attainment", "Greater depth in mathematics rises from 14% to 20%."),
)

INSPECTION_OUTCOMES = ("good", "good", "good", "outstanding", "requires_improvement")
COMMENTS = {
    "achievement": "Please add how disadvantaged pupils did compared with their peers, with the figures.",
    "priorities": "The second priority needs a measurable impact: what will be different, and by when?",
    "attendance_behaviour": "Give this year's persistent absence figure, not only the overall attendance.",
}
RETURN_REASONS = {
    "990107": "Thank you. Please add the figures for disadvantaged pupils under achievement, and make the second priority's impact measurable.",
    "990117": "Please give this year's persistent absence figure and say what the sixth form's retention was last year.",
}


def academic_year_start(today: date) -> int:
    """The calendar year an academic year's autumn term falls in: September onwards is the new year."""
    return today.year if today.month >= 9 else today.year - 1


@contextmanager
def _as_if_at(moment: datetime):
    """Seed history as it would have happened: the lifecycle and drafts read the clock through
    their own utcnow, which is set to `moment` here and put back afterwards."""
    from app.engine import drafts, lifecycle
    from app.engine.history import submissions_of

    saved = lifecycle.utcnow, drafts.utcnow
    lifecycle.utcnow = drafts.utcnow = lambda: moment
    try:
        yield
    finally:
        lifecycle.utcnow, drafts.utcnow = saved


def _sef_answers(school: School, rng: random.Random, year: int) -> dict[str, dict]:
    """Invented but plausible answers for every section the school is asked."""
    from app.engine import registry

    kind = registry.get("sef")
    answers: dict[str, dict] = {}
    for section in kind.sections_for(kind.form_version, school):
        key = section.key
        if key == "context":
            answers[key] = _context_answers(school, rng, year)
        elif key == "safeguarding":
            answers[key] = {"outcome": "met", "statement": rng.choice(SAFEGUARDING_STATEMENTS)}
        elif key == "priorities":
            chosen = rng.sample(PRIORITY_BANK, rng.randint(3, 6))
            answers[key] = {"priorities": [{"title": t, "la_priority": p, "impact": i} for t, p, i in chosen]}
        else:
            strengths = AREA_STRENGTHS[key]
            improvements = AREA_IMPROVEMENTS[key]
            answers[key] = {
                "grade": rng.choices(GRADES, GRADE_WEIGHTS)[0],
                "strengths": " ".join(rng.sample(strengths, min(2, len(strengths)))),
                "improvements": rng.choice(improvements),
            }
    return answers


def _context_answers(school: School, rng: random.Random, year: int) -> dict:
    if school.is_special:
        roll, send, ehc = rng.randint(80, 220), rng.uniform(0, 4), rng.uniform(90, 96)
    elif school.is_alternative_provision:
        roll, send, ehc = rng.randint(25, 60), rng.uniform(30, 50), rng.uniform(10, 25)
    else:
        low, high = (60, 120) if school.phase == "Nursery" else (180, 630) if (school.statutory_high_age or 11) <= 13 else (700, 1650)
        roll, send, ehc = rng.randint(low, high), rng.uniform(9, 18), rng.uniform(1, 4.5)
    outcome = rng.choice(INSPECTION_OUTCOMES)
    inspected = date(year - rng.randint(1, 4), rng.randint(1, 7), rng.randint(1, 28))
    return {
        "pupils_on_roll": roll,
        "disadvantaged": f"{rng.uniform(8, 48):.1f}",
        "send_support": f"{send:.1f}",
        "ehc_plan": f"{ehc:.1f}",
        "eal": f"{rng.uniform(2, 35):.1f}",
        "last_inspection_outcome": outcome,
        "last_inspection_on": inspected.isoformat(),
    }


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


def seed_returns(heads: dict[str, User], staff: dict[str, User], officer: User, today: date) -> None:
    """Last year's self-evaluations, accepted, and this year's at every state, made through the
    lifecycle and drafts services as schools and officers would have made them."""
    from app.models import CollectionWindow, SectionComment
    from app.models.returns import SECTION_COMPLETED, SECTION_IN_PROGRESS
    from app.engine import drafts, lifecycle
    from app.engine.history import submissions_of

    year = academic_year_start(today)
    last = CollectionWindow(
        return_type="sef", academic_year=f"{year - 1}/{str(year)[-2:]}", period="autumn",
        title=f"Self-evaluation, autumn {year - 1}", opens_on=date(year - 1, 9, 8), due_on=date(year - 1, 10, 17),
        phases=list(MAINSTREAM_PHASES), include_special=True, include_alternative_provision=True,
    )
    current = CollectionWindow(
        return_type="sef", academic_year=f"{year}/{str(year + 1)[-2:]}", period="autumn",
        title=f"Self-evaluation, autumn {year}", opens_on=today - timedelta(days=24), due_on=today + timedelta(days=21),
        phases=list(MAINSTREAM_PHASES), include_special=True, include_alternative_provision=True,
    )
    db.session.add_all([last, current])
    db.session.flush()

    schools = {school.urn: school for school in db.session.scalars(select(School))}
    for index, demo in enumerate(DEMO_SCHOOLS):
        if demo.urn in LAST_YEAR_WITHOUT_RETURN:
            continue
        school, head = schools[demo.urn], heads[demo.urn]
        rng = random.Random(f"{demo.urn}-{year - 1}")
        started = last.opens_on + timedelta(days=3 + index % 10)
        with _as_if_at(_at(started, 8, 30)):
            ret = lifecycle.start(head, last, school)
        _save_all(ret, school, _sef_answers(school, rng, year - 1), staff.get(demo.urn, head), started + timedelta(days=1))
        submitted_on = last.due_on + timedelta(days=2) if demo.urn == LAST_YEAR_LATE else last.due_on - timedelta(days=index % 6)
        moment = _at(submitted_on, 16, index)
        with _as_if_at(moment):
            drafts.submit(ret, school, head)
        with _as_if_at(moment + timedelta(days=8, hours=1)):
            lifecycle.perform(lifecycle.ACCEPT, ret, officer)
    last.closed_at = _at(last.due_on + timedelta(days=30), 9)

    state_of = {urn: state for state, urns in THIS_YEAR.items() for urn in urns}
    for index, demo in enumerate(DEMO_SCHOOLS):
        state = state_of.get(demo.urn, "not_started")
        if state == "not_started":
            continue
        school, head = schools[demo.urn], heads[demo.urn]
        writer = staff.get(demo.urn, head)
        rng = random.Random(f"{demo.urn}-{year}")
        started = current.opens_on + timedelta(days=1 + index % 5)
        from_previous = demo.urn not in FROM_BLANK and drafts.last_accepted(school, "sef", current) is not None
        with _as_if_at(_at(started, 10, 15)):
            ret = drafts.start_return(writer, current, school, from_previous=from_previous)
        answers = _sef_answers(school, rng, year)
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
            for key, text in COMMENTS.items():
                if key in latest.answers:
                    db.session.add(SectionComment(submission_id=latest.id, section_key=key, text=text, author_id=officer.id, updated_at=decided))
            with _as_if_at(decided):
                lifecycle.perform(lifecycle.RETURN_FOR_CHANGES, ret, officer, reason=RETURN_REASONS[demo.urn])
        elif state == "accepted":
            with _as_if_at(_at(submitted_on + timedelta(days=1), 14, 0)):
                lifecycle.perform(lifecycle.ACCEPT, ret, officer)
    db.session.flush()
