"""Benchmark: the week a self-evaluation is due, against the real app under gunicorn on PostgreSQL.

On a fresh PostgreSQL database of its own (migrated with the app's migrations) it seeds 60 schools
with 5 staff each, an open self-evaluation window with every school's return started, last year's
window with every school's return waiting in the review queue, and 20 officers. Then, on loopback,
the project's gunicorn.conf.py serving 2 workers (bench/wsgi_bench.py: the app plus a bare Flask
route), every person signs in with a session and CSRF token of their own and, for --duration
seconds, in bounded loops:

  - each of the 300 staff autosaves "their" section every 5 s (+-20% jitter), as htmx does: the
    whole section, the CSRF header and the version the page was loaded at, then the version each
    acknowledged save returned. In --shared-schools schools two staff share one section, so some
    saves meet a newer version (409, counted as conflicts, not errors: the user reloads the section);
  - each of the 20 officers loads the review queue every 5 s (+-20%);
  - in --signing-schools more schools (10) every section is complete, and each school's head
    submits its return and withdraws it again, in turn, every 5 s: each submission freezes a
    snapshot and writes its facts, each withdrawal marks them no longer current;
  - 4 probes request the bare Flask route every second: the baseline, in the same run.

Then it reads every section back from the database: each acknowledged save must be there at the
version it was given (per user the versions only go up; in each section no version was given out
twice; the newest acknowledged save is what the row holds; the row's version is the number of
acknowledged saves, so nothing was written that nobody heard about); and each signing school's
return must hold one submission per acknowledged submit, with its facts current exactly while it is
submitted.

It prints requests, errors (5xx, timeouts, unexpected statuses), conflicts, lost saves, and median
and p95 latency of autosave and the review queue next to the bare route's. Exit status 1 when there
were errors or lost saves.

    .venv/bin/python bench/due_day.py                   # 10 minutes
    .venv/bin/python bench/due_day.py --duration 20     # the smoke run that `make test` does
    .venv/bin/python bench/due_day.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/golden_thread_bench
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import re
import resource
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from liveserver import BARE_PATH, Client, Gunicorn, database_url, drop_database, fresh_database, latency_line, percentile  # noqa: E402

PASSWORD = "due day bench password"
AREAS = ("inclusion", "curriculum_teaching", "achievement", "attendance_behaviour", "personal_development", "leadership_governance")
SECTIONS = ("context", *AREAS)  # staff n of a school works on SECTIONS[n]
GRADES = ("exceptional", "strong", "expected", "needs_attention", "urgent_improvement")
WORDS = (
    "pupils", "reading", "phonics", "attendance", "curriculum", "governors", "leaders", "evidence", "monitoring",
    "disadvantaged", "writing", "mathematics", "inclusion", "behaviour", "wellbeing", "assessment", "staff", "families",
)
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
VERSION_INPUT = re.compile(r'<input[^>]*\bname="version"[^>]*>')
VALUE = re.compile(r'\bvalue="(\d*)"')


# Seeding.


@dataclass
class StaffPlan:
    email: str
    return_id: int
    key: str
    school: int
    shared: bool = False


@dataclass
class Plan:
    staff: list[StaffPlan]
    officers: list[str]
    queue_length: int
    signers: list[tuple[str, int]] = field(default_factory=list)  # (head's email, return id)


def seed(url: str, *, schools: int, staff_per_school: int, officers: int, shared_schools: int, signing_schools: int = 0) -> Plan:
    """Migrate the empty database and fill it, in this process, straight through the models."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import CollectionWindow, Return, ReturnTransition, Role, School, Submission, User
    from app.models.returns import SUBMITTED
    from app.models.types import utcnow
    from app.engine import registry
    from app.engine import lifecycle
    from app.services.passwords import hash_password

    if staff_per_school > len(SECTIONS):
        raise SystemExit(f"--staff-per-school is at most {len(SECTIONS)}: one section each")
    app = create_app("development", SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="due-day-seed", PASSWORD_HASH_METHOD="pbkdf2:sha256:1")
    with app.app_context():
        upgrade()
        # One cheap hash for everyone: signing in 320 people is set-up, not what is measured.
        password_hash = hash_password(PASSWORD)
        today = date.today()
        year = today.year if today.month >= 9 else today.year - 1
        now = utcnow()
        current = CollectionWindow(
            return_type="sef", academic_year=f"{year}/{(year + 1) % 100:02d}", period="annual",
            title=f"School self-evaluation {year} to {year + 1}", opens_on=today - timedelta(days=14),
            due_on=today + timedelta(days=28), phases=["Primary", "Secondary", "All-through"],
        )
        last_year = CollectionWindow(
            return_type="sef", academic_year=f"{year - 1}/{year % 100:02d}", period="annual",
            title=f"School self-evaluation {year - 1} to {year}", opens_on=today - timedelta(days=379),
            due_on=today - timedelta(days=351), phases=["Primary", "Secondary", "All-through"],
        )
        db.session.add_all([current, last_year])
        officer_users = [
            User(email=f"officer{n}@fenmoor.example.org", name=f"Officer {n}", role=Role.OFFICER.value, password_hash=password_hash, active=True)
            for n in range(officers)
        ]
        db.session.add_all(officer_users)
        plan: list[StaffPlan] = []
        for s in range(schools):
            school = School(
                urn=f"{900000 + s}", name=f"Bench Primary School {s}", slug=f"bench-primary-{s}", la_code="883",
                phase="Primary", establishment_type="Community school", statutory_low_age=4, statutory_high_age=11,
                status="Open", has_early_years=False, has_sixth_form=False,
            )
            db.session.add(school)
            db.session.flush()
            staff = [
                User(
                    email=f"staff{n}@bench-primary-{s}.example.org", name=f"Staff {n} of school {s}", role=Role.SCHOOL.value,
                    school_id=school.id, approver=n == 0, password_hash=password_hash, active=True,
                )
                for n in range(staff_per_school)
            ]
            db.session.add_all(staff)
            db.session.flush()
            keys = {section.key for section in registry.get("sef").sections_for("ofsted-2025", school)}
            assert set(SECTIONS) <= keys, f"the SEF no longer has the sections {set(SECTIONS) - keys}"
            ret = lifecycle.start(staff[0], current, school)
            for n, user in enumerate(staff):
                shared = s < shared_schools and n == staff_per_school - 1 and n > 0
                key = SECTIONS[n - 1] if shared else SECTIONS[n]
                plan.append(StaffPlan(user.email, ret.id, key, s, shared))
                if shared:
                    plan[-2].shared = True
            # Last year's return, submitted and waiting for an officer: what the queue shows.
            old = Return(
                window_id=last_year.id, school_id=school.id, return_type="sef", form_version="ofsted-2025", state=SUBMITTED,
                late=s % 7 == 0, first_submitted_at=now - timedelta(days=60 - s % 30),
                assigned_to_id=officer_users[s % officers].id if officers and s % 3 == 0 else None,
                assigned_at=now - timedelta(days=s % 10) if officers and s % 3 == 0 else None,
            )
            db.session.add(old)
            db.session.flush()
            db.session.add(Submission(
                return_id=old.id, number=1, form_version="ofsted-2025", submitted_by_id=staff[0].id,
                submitted_at=old.first_submitted_at, late=old.late,
                answers={"context": {"pupils_on_roll": 200 + s, "last_inspection_outcome": "good"}},
            ))
            db.session.add(ReturnTransition(return_id=old.id, action="start", from_state=None, to_state="draft", by_id=staff[0].id, at=old.first_submitted_at - timedelta(days=20)))
            db.session.add(ReturnTransition(return_id=old.id, action="submit", from_state="draft", to_state=SUBMITTED, by_id=staff[0].id, at=old.first_submitted_at))
        signers = []
        for s in range(signing_schools):
            # A school whose every section is complete: its head submits and withdraws in turn.
            from app.models import ReturnSection
            from app.models.returns import SECTION_COMPLETED
            from app.returns.sef import demo as sef_demo

            school = School(
                urn=f"{950000 + s}", name=f"Bench Sign-off School {s}", slug=f"bench-signoff-{s}", la_code="883",
                phase="Primary", establishment_type="Community school", statutory_low_age=4, statutory_high_age=11,
                status="Open", has_early_years=False, has_sixth_form=False,
            )
            db.session.add(school)
            db.session.flush()
            head = User(
                email=f"head@bench-signoff-{s}.example.org", name=f"Head of sign-off school {s}", role=Role.SCHOOL.value,
                school_id=school.id, approver=True, password_hash=password_hash, active=True,
            )
            db.session.add(head)
            db.session.flush()
            ret = lifecycle.start(head, current, school, answers=sef_demo.answers(school, random.Random(s), year))
            db.session.flush()
            db.session.execute(ReturnSection.__table__.update().where(ReturnSection.return_id == ret.id).values(status=SECTION_COMPLETED))
            signers.append((head.email, ret.id))
        db.session.commit()
        emails = [user.email for user in officer_users]
        db.session.remove()
        db.engine.dispose()
    return Plan(plan, emails, schools, signers)


# What a save sends and what the database must then hold.


def section_form(plan: StaffPlan, number: int, rng: random.Random) -> tuple[list, dict]:
    """The section's fields (name, value pairs, as a browser sends them) for this person's save number
    `number`, and the answers the database must then hold."""
    if plan.key == "context":
        values = {
            "pupils_on_roll": 150 + number,
            "disadvantaged": f"{rng.uniform(5, 45):.1f}",
            "send_support": f"{rng.uniform(5, 20):.1f}",
            "ehc_plan": f"{rng.uniform(0, 4):.1f}",
            "eal": f"{rng.uniform(0, 60):.1f}",
            "last_inspection_outcome": "good",
        }
        # The date's three boxes share one name (GovDateInput): day, month, year in that order.
        form = [*((k, str(v)) for k, v in values.items()), ("last_inspection_on", "14"), ("last_inspection_on", "3"), ("last_inspection_on", "2023")]
        return form, {**values, "last_inspection_on": "2023-03-14"}

    def text(kind: str) -> str:
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 200)))
        return f"{kind} by {plan.email}, save {number}: {words}."

    values = {"grade": rng.choice(GRADES), "strengths": text("Strengths"), "improvements": text("Improvements")}
    return list(values.items()), values


# The people.


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict = field(default_factory=lambda: defaultdict(list))
    requests: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    samples: list = field(default_factory=list)
    conflicts: int = 0

    def timed(self, kind: str, reply) -> None:
        with self.lock:
            self.requests[kind] += 1
            self.latencies[kind].append(reply.seconds)

    def error(self, kind: str, what: str, *, unanswered: bool = False) -> None:
        with self.lock:
            self.requests[kind] += 1 if unanswered else 0
            self.errors[what] += 1
            if len(self.samples) < 20:
                self.samples.append(f"{kind}: {what}")


class Person:
    def __init__(self, email: str, port: int, stats: Stats, timeout: float):
        self.email = email
        self.client = Client(port, timeout=timeout)
        self.stats = stats
        self.token = ""

    def call(self, kind: str, method: str, path: str, expect: tuple[int, ...], **kwargs):
        """One request, timed; None (and an error counted) for a timeout, a 5xx or another unexpected status."""
        try:
            reply = self.client.request(method, path, **kwargs)
        except TimeoutError:
            self.stats.error(kind, "timeout", unanswered=True)
            return None
        except OSError as error:
            self.stats.error(kind, f"connection: {type(error).__name__}", unanswered=True)
            return None
        self.stats.timed(kind, reply)
        if reply.status not in expect:
            self.stats.error(kind, f"{'5xx' if reply.status >= 500 else 'status'} {reply.status}")
            return None
        return reply

    def sign_in(self) -> bool:
        self.client.cookies.clear()  # a fresh session, also after an error
        page = self.call("sign-in", "GET", "/sign-in", (200,))
        token = CSRF_META.search(page.text) if page else None
        if not token:
            return False
        done = self.call("sign-in", "POST", "/sign-in", (303,), form={"email": self.email, "password": PASSWORD, "csrf_token": token.group(1)})
        return done is not None


class Staff(Person):
    def __init__(self, plan: StaffPlan, port: int, stats: Stats, timeout: float, seed: int):
        super().__init__(plan.email, port, stats, timeout)
        self.plan = plan
        self.path = f"/returns/{plan.return_id}/sections/{plan.key}"
        self.version = 0
        self.saves = 0
        self.rng = random.Random(seed)
        self.acks: list[tuple[int, dict]] = []  # (version, answers) of every acknowledged save, in order
        self.stale = False

    def load(self) -> bool:
        """Open the section page: the CSRF token and the version it was loaded at, as a browser would."""
        page = self.call("section page", "GET", self.path, (200,))
        if page is None:
            self.token = ""  # signed out, or the page failed: sign in again next time
            return False
        self.stale = False
        token, version = CSRF_META.search(page.text), VERSION_INPUT.search(page.text)
        value = VALUE.search(version.group(0)) if version else None
        if not token or not value:
            self.stats.error("section page", "no CSRF token or version on the page")
            return False
        self.token, self.version = token.group(1), int(value.group(1) or 0)
        return True

    def start(self) -> bool:
        return self.sign_in() and self.load()

    def act(self) -> None:
        if not self.token and not self.start():
            return
        if self.stale and not self.load():
            return
        self.saves += 1
        form, answers = section_form(self.plan, self.saves, self.rng)
        form += [("csrf_token", self.token), ("version", str(self.version))]
        reply = self.call(
            "autosave", "POST", f"{self.path}/autosave", (200, 409), form=form,
            headers={"HX-Request": "true", "X-CSRFToken": self.token, "HX-Current-URL": f"http://127.0.0.1{self.path}"},
        )
        if reply is None:
            self.stale = True  # the save may or may not have landed: reload the section before the next one
            return
        if reply.status == 409:
            with self.stats.lock:
                self.stats.conflicts += 1
            self.load()  # they compare, take the newer answers and carry on from that version
            return
        found = VERSION_INPUT.search(reply.text)
        value = VALUE.search(found.group(0)) if found else None
        if not value or not value.group(1) or "Saved at" not in reply.text:
            self.stats.error("autosave", "200 without a new version and 'Saved at'")
            self.stale = True
            return
        self.version = int(value.group(1))
        self.acks.append((self.version, answers))


class Officer(Person):
    def start(self) -> bool:
        return self.sign_in() and self.act_once(check=True)

    def act_once(self, check: bool = False) -> bool:
        page = self.call("review queue", "GET", "/review", (200,))
        if page is None:
            return False
        if "Bench Primary School" not in page.text:
            self.stats.error("review queue", "the queue does not list the submitted returns")
            return False
        return True

    def act(self) -> None:
        if not self.token:
            self.token = "signed-in" if self.sign_in() else ""
            if not self.token:
                return
        self.act_once()


class Signer(Person):
    """A head teacher whose return is complete: submits it, withdraws it, submits it again."""

    def __init__(self, email: str, return_id: int, port: int, stats: Stats, timeout: float):
        super().__init__(email, port, stats, timeout)
        self.path = f"/returns/{return_id}"
        self.return_id = return_id
        self.submitted = False
        self.submits = 0  # acknowledged submissions
        self.unsure = False  # a move whose answer never came: the check below cannot count on it

    def start(self) -> bool:
        if not self.sign_in():
            return False
        page = self.call("check page", "GET", f"{self.path}/check", (200,))
        token = CSRF_META.search(page.text) if page else None
        self.token = token.group(1) if token else ""
        return bool(self.token)

    def act(self) -> None:
        if not self.token and not self.start():
            return
        if self.submitted:
            reply = self.call("withdraw", "POST", f"{self.path}/withdraw", (303,), form={"csrf_token": self.token})
            if reply is not None:
                self.submitted = False
        else:
            reply = self.call("submit", "POST", f"{self.path}/check", (303,), form={"declaration": "y", "csrf_token": self.token})
            if reply is not None:
                self.submitted = True
                self.submits += 1
        if reply is None:
            self.unsure = True
            self.token = ""


class Probe(Person):
    def act(self) -> None:
        self.call("bare route", "GET", BARE_PATH, (200,))


def run_loop(person, started: float, deadline: float, interval: float, jitter: float, rng: random.Random) -> None:
    """act() every `interval` s (+- jitter) until the deadline; never more than the duration allows."""
    next_at = started + rng.uniform(0, interval)
    bound = math.ceil((deadline - started) / (interval * (1 - jitter))) + 1
    for _ in range(bound):
        if next_at >= deadline or time.monotonic() >= deadline:
            return
        pause = next_at - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        person.act()
        # A person who waited on a slow answer carries on from now: no burst of saves to catch up.
        next_at = max(next_at + interval * rng.uniform(1 - jitter, 1 + jitter), time.monotonic() + interval * (1 - jitter))


# Checking every acknowledged save against the database.


def check_versions(url: str) -> tuple[int, int, list[str]]:
    """(versions kept, versions beyond the rule, examples). The rule (app/engine/versions.py): a copy
    replaced by its own author's save is kept only when none of that author's copies of the section
    from the five minutes before it was kept; a copy someone else replaced is always kept."""
    from datetime import timedelta as _timedelta

    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT return_id, key, saved_by_id, replaced_by_id, saved_at, replaced_at FROM section_versions ORDER BY return_id, key, saved_by_id, id")
        ).all()
    engine.dispose()
    beyond, problems = 0, []
    newest: dict[tuple, object] = {}  # the latest saved_at of a copy kept so far, per section and author
    for return_id, key, saved_by, replaced_by, saved_at, replaced_at in rows:
        group = (return_id, key, saved_by)
        last = newest.get(group)
        if replaced_by == saved_by and last is not None and last > replaced_at - _timedelta(minutes=5):
            beyond += 1
            problems.append(f"{group}: a copy of its author's own saves kept when one saved at {last} was already kept")
        newest[group] = max(last, saved_at) if last is not None else saved_at
    return len(rows), beyond, problems


def check_saves(url: str, staff: list[Staff]) -> tuple[int, int, int, list[str]]:
    """(acknowledged saves, lost saves, saves nobody heard about, examples of what was wrong)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        rows = {
            (return_id, key): (version, answers)
            for return_id, key, version, answers in connection.execute(text("SELECT return_id, key, version, answers FROM return_sections"))
        }
    engine.dispose()
    problems: list[str] = []
    lost = unheard = acknowledged = 0
    by_section: dict[tuple[int, str], list[tuple[int, dict, str]]] = defaultdict(list)
    for person in staff:
        acknowledged += len(person.acks)
        versions = [version for version, _ in person.acks]
        if any(later <= earlier for earlier, later in zip(versions, versions[1:])):
            lost += 1
            problems.append(f"{person.email}: versions not strictly increasing: {versions[:20]}")
        for version, answers in person.acks:
            by_section[(person.plan.return_id, person.plan.key)].append((version, answers, person.email))
    for section, acks in by_section.items():
        version, stored = rows.get(section, (0, None))
        given = Counter(v for v, _, _ in acks)
        twice = [v for v, count in given.items() if count > 1]
        if twice:
            lost += len(twice)
            problems.append(f"{section}: versions {twice[:5]} acknowledged to more than one save")
        above = [v for v, _, _ in acks if v > version]
        if above:
            lost += len(above)
            problems.append(f"{section}: {len(above)} acknowledged versions above the stored version {version}")
        newest_version, newest, who = max(acks, key=lambda ack: ack[0])
        if newest_version == version:
            differs = {k: (stored or {}).get(k) for k, v in newest.items() if (stored or {}).get(k) != v}
            if differs:
                lost += 1
                problems.append(f"{section}: the row at version {version} does not hold {who}'s acknowledged answers ({sorted(differs)})")
        if version > len(given):
            unheard += version - len(given)  # versions written whose acknowledgement never arrived
    autosaved = {person.plan.return_id for person in staff}  # the signing schools' returns are not
    for section, (version, _answers) in rows.items():
        if section[0] in autosaved and section not in by_section:
            unheard += version
    return acknowledged, lost, unheard, problems


def check_submissions(url: str, signers: list[Signer]) -> tuple[int, int, list[str]]:
    """(acknowledged submissions, wrong ones, examples): one submission per acknowledged submit, and
    facts current exactly while the return is submitted, as many as its first submission's."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    problems: list[str] = []
    wrong = 0
    with engine.connect() as connection:
        for signer in signers:
            if signer.unsure:
                continue
            state = connection.execute(text("SELECT state FROM returns WHERE id = :id"), {"id": signer.return_id}).scalar_one()
            submissions = connection.execute(text("SELECT count(*) FROM submissions WHERE return_id = :id"), {"id": signer.return_id}).scalar_one()
            per_submission = connection.execute(
                text("SELECT count(*) FROM facts WHERE submission_id = (SELECT min(id) FROM submissions WHERE return_id = :id)"),
                {"id": signer.return_id},
            ).scalar_one()
            facts, current = connection.execute(
                text("SELECT count(*), count(*) FILTER (WHERE current) FROM facts WHERE return_id = :id"), {"id": signer.return_id}
            ).one()
            expected_state = "submitted" if signer.submitted else "draft"
            if submissions != signer.submits or state != expected_state:
                wrong += 1
                problems.append(f"{signer.email}: {submissions} submissions for {signer.submits} acknowledged, state {state}")
            elif submissions and (not per_submission or facts != per_submission * submissions or current != (per_submission if state == "submitted" else 0)):
                wrong += 1
                problems.append(f"{signer.email}: {facts} facts ({current} current) for {submissions} submissions of {per_submission}")
    engine.dispose()
    return sum(signer.submits for signer in signers), wrong, problems


def _load() -> str:
    """The 1, 5 and 15-minute load averages: anything else running on the machine shows here."""
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=600, help="seconds of load after everyone has signed in (default 600)")
    parser.add_argument("--schools", type=int, default=60)
    parser.add_argument("--staff-per-school", type=int, default=5)
    parser.add_argument("--officers", type=int, default=20)
    parser.add_argument("--shared-schools", type=int, default=3, help="schools where two staff share a section (conflicts)")
    parser.add_argument("--signing-schools", type=int, default=10, help="schools whose head submits and withdraws in turn")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between one person's requests (default 5)")
    parser.add_argument("--jitter", type=float, default=0.2, help="+- share of the interval (default 0.2)")
    parser.add_argument("--probes", type=int, default=4, help="threads requesting the bare route once a second")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="gunicorn threads per worker (gunicorn.conf.py's default: 2)")
    parser.add_argument("--timeout", type=float, default=10.0, help="a request taking longer is an error")
    parser.add_argument("--database-url", default="", help="default: golden_thread_bench on TEST_DATABASE_URL's server or the local one")
    parser.add_argument("--keep-database", action="store_true", help="leave the database behind for a look afterwards")
    args = parser.parse_args(argv)

    url = args.database_url or database_url("golden_thread_bench")
    began = time.monotonic()
    print(f"Machine: {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), Python {platform.python_version()}; load average {_load()}")
    fresh_database(url)
    plan = seed(
        url, schools=args.schools, staff_per_school=args.staff_per_school, officers=args.officers,
        shared_schools=args.shared_schools, signing_schools=args.signing_schools,
    )
    shared_sections = len({(p.return_id, p.key) for p in plan.staff if p.shared})
    print(
        f"Seeded {args.schools} schools, {len(plan.staff)} staff, {len(plan.officers)} officers, "
        f"{plan.queue_length} returns in the review queue, {shared_sections} sections shared by two staff, "
        f"{len(plan.signers)} schools submitting and withdrawing, "
        f"in {time.monotonic() - began:.1f}s"
    )
    stats = Stats()
    with tempfile.TemporaryDirectory() as folder, Gunicorn(url, workers=args.workers, threads=args.threads, log_path=Path(folder) / "gunicorn.log") as server:
        print(f"gunicorn: {args.workers} workers x {args.threads} threads (gunicorn.conf.py), 127.0.0.1:{server.port}, PostgreSQL")
        staff = [Staff(p, server.port, stats, args.timeout, seed=n) for n, p in enumerate(plan.staff)]
        officers = [Officer(email, server.port, stats, args.timeout) for email in plan.officers]
        probes = [Probe(f"probe{n}", server.port, stats, args.timeout) for n in range(args.probes)]
        signers = [Signer(email, return_id, server.port, stats, args.timeout) for email, return_id in plan.signers]

        signing_in = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            ready = list(pool.map(lambda person: person.start(), [*staff, *officers, *signers]))
        for officer, ok in zip(officers, ready[len(staff):len(staff) + len(officers)]):
            officer.token = "signed-in" if ok else ""
        print(f"Signed in and opened their pages: {sum(ready)} of {len(ready)} people in {time.monotonic() - signing_in:.1f}s")
        setup_requests = sum(stats.requests.values())
        setup_errors = sum(stats.errors.values())
        for kind in ("sign-in", "section page", "review queue", "check page"):
            stats.latencies.pop(kind, None)  # the figures are the load's, not the sign-in's
        stats.requests.clear()

        started = time.monotonic()
        deadline = started + args.duration
        threads = []
        for n, person in enumerate([*staff, *officers, *signers, *probes]):
            interval = 1.0 if isinstance(person, Probe) else args.interval
            thread = threading.Thread(
                target=run_loop, args=(person, started, deadline, interval, args.jitter, random.Random(1000 + n)),
                name=f"person-{n}", daemon=True,
            )
            threads.append(thread)
            thread.start()
        give_up = deadline + args.timeout * 3 + 5  # the last request of each, and one more after an error
        for thread in threads:
            thread.join(timeout=max(0.0, give_up - time.monotonic()))
        stuck = sum(thread.is_alive() for thread in threads)
        elapsed = time.monotonic() - started
        for person in [*staff, *officers, *signers, *probes]:
            person.client.close()
        worker_errors = server.log_lines("[ERROR]")

    # gunicorn has been waited for: its workers' CPU time is in RUSAGE_CHILDREN now.
    driver_cpu = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    server_cpu = sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2])
    acknowledged, lost, unheard, problems = check_saves(url, staff)
    submitted, wrong_submissions, submission_problems = check_submissions(url, signers)
    kept_versions, versions_beyond_rule, version_problems = check_versions(url)
    if not args.keep_database:
        drop_database(url)

    total = sum(stats.requests.values())
    errors = sum(stats.errors.values()) + stuck
    retries = sum(person.client.retries for person in [*staff, *officers, *signers, *probes])
    lat = stats.latencies
    print(f"Load: {elapsed:.1f}s, {total:,} requests ({total / elapsed:.1f}/s): " + ", ".join(f"{kind} {count:,}" for kind, count in sorted(stats.requests.items())))
    print(f"Set-up before the load: {setup_requests:,} requests, {setup_errors} errors")
    print(f"Errors: {errors} (" + ", ".join([f"{what} {count}" for what, count in sorted(stats.errors.items())] + ([f"threads still running {stuck}"] if stuck else [])) + ")")
    for sample in stats.samples[:10]:
        print(f"  e.g. {sample}")
    print(f"Conflicts (409, two staff on one section): {stats.conflicts:,}")
    print(f"Lost saves: {lost} (of {acknowledged:,} acknowledged saves; {unheard} saves in the database nobody heard about)")
    for problem in problems[:10]:
        print(f"  {problem}")
    print(f"Versions kept: {kept_versions:,} (every save kept one at most every 5 minutes per person per section, plus every overwrite by someone else); beyond that rule: {versions_beyond_rule}")
    for problem in version_problems[:10]:
        print(f"  {problem}")
    print(f"Submissions: {submitted:,} acknowledged, {wrong_submissions} returns whose submissions or facts are not as acknowledged")
    for problem in submission_problems[:10]:
        print(f"  {problem}")
    print(f"Reused connections the server had closed, sent again: {retries}")
    if worker_errors:
        print(f"gunicorn logged {len(worker_errors)} errors, e.g. {worker_errors[0][:300]}")
    print(f"CPU time: gunicorn {server_cpu:.0f}s, this driver (seeding and {len(staff) + len(officers) + len(signers) + len(probes)} simulated people) {driver_cpu:.0f}s, over {time.monotonic() - began:.0f}s on {os.cpu_count()} CPUs")
    print(latency_line("Autosave", lat["autosave"], lat["bare route"]))
    print(latency_line("Review queue", lat["review queue"], lat["bare route"]))
    if lat.get("section page"):
        print(latency_line("Section page", lat["section page"], lat["bare route"]))
    for kind in ("submit", "withdraw"):
        if lat.get(kind):
            print(latency_line(kind.capitalize(), lat[kind], lat["bare route"]))
    print(latency_line("Bare route", lat["bare route"]))
    p95 = percentile(lat["autosave"], 0.95) * 1000
    met = not errors and not lost and not wrong_submissions and not versions_beyond_rule and p95 < 200
    print(
        "Target: 0 errors, 0 lost saves, submissions and facts as acknowledged, versions within the rule, autosave p95 under 200 ms: "
        + ("met" if met else "NOT met")
    )
    print(f"Whole run, set-up included: {time.monotonic() - began:.1f}s; load average at the end {_load()}")
    failed = bool(errors or lost or wrong_submissions or versions_beyond_rule or not lat["autosave"] or (signers and not submitted))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
