"""Benchmark: the self-evaluation dashboards read facts, not JSON, at national size on PostgreSQL.

On a fresh PostgreSQL database of its own (migrated with the app's migrations) it writes, with Core
bulk inserts, --schools schools (22,000 by default: England), three annual self-evaluation windows
and a return per school per window with plausible answers (context, six to eight graded areas with
strengths and improvements, safeguarding, three to six priorities): older windows mostly accepted,
the current one mixed (accepted, waiting, returned, not submitted), some returns submitted twice.
Then it times:

  1. `flask returns rebuild-facts` over every submission (the facts written by the same code the
     moves use: the type's facts() and the engine's rows);
  2. the distribution of self-grades per area, for one window and for three windows: GROUP BY key,
     text_value over facts WHERE window, current and accepted, each repeated;
  3. the same distributions from the JSON snapshots in SQL (jsonb_each over each return's latest
     accepted submission), and the one-window one in Python over the loaded snapshots (what a page
     would do if it read JSON per request): the baselines, measured in the same run.

Each distribution is checked equal to its JSON baseline. It prints median and p95 of each, and
each baseline as a ratio of the facts query. The database is dropped afterwards (--keep keeps it).

    .venv/bin/python bench/facts.py                 # 22,000 schools x 3 windows
    .venv/bin/python bench/facts.py --quick         # 300 schools, few repeats: the smoke run
    .venv/bin/python bench/facts.py --schools 2000 --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_facts
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import sys
import time
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from liveserver import database_url, drop_database, fresh_database, percentile  # noqa: E402

BATCH = 2_000


def plan_states(rng: random.Random, newest: bool) -> tuple[str, int]:
    """A return's state and how many times it was submitted (0: still a draft)."""
    roll = rng.random()
    if not newest:  # a past window: nearly all accepted
        if roll < 0.93:
            return "accepted", 1 if rng.random() < 0.85 else 2
        if roll < 0.97:
            return "returned", 1
        return "submitted", 1 if rng.random() < 0.7 else 2
    if roll < 0.45:
        return "accepted", 1 if rng.random() < 0.85 else 2
    if roll < 0.80:
        return "submitted", 1 if rng.random() < 0.85 else 2
    if roll < 0.88:
        return "returned", 1
    return "draft", 0


def answers_for(rng: random.Random, early_years: bool, sixth_form: bool, year: int) -> dict:
    """Plausible answers in the SEF's own shape, from the demo borough's text banks."""
    from app.returns.sef import demo
    from app.returns.sef.framework import CURRENT

    found: dict[str, dict] = {
        "context": {
            "pupils_on_roll": rng.randint(90, 1600),
            "disadvantaged": f"{rng.uniform(8, 48):.1f}",
            "send_support": f"{rng.uniform(9, 18):.1f}",
            "ehc_plan": f"{rng.uniform(1, 4.5):.1f}",
            "eal": f"{rng.uniform(2, 35):.1f}",
            "last_inspection_outcome": rng.choice(demo.INSPECTION_OUTCOMES),
            "last_inspection_on": date(year - rng.randint(1, 4), rng.randint(1, 7), rng.randint(1, 28)).isoformat(),
        }
    }
    for area in CURRENT.areas_for(early_years=early_years, sixth_form=sixth_form):
        strengths = demo.AREA_STRENGTHS[area.key]
        found[area.key] = {
            "grade": rng.choices(demo.GRADES, demo.GRADE_WEIGHTS)[0],
            "strengths": " ".join(rng.sample(strengths, min(2, len(strengths)))),
            "improvements": rng.choice(demo.AREA_IMPROVEMENTS[area.key]),
        }
    found["safeguarding"] = {"outcome": "met" if rng.random() < 0.98 else "not_met", "statement": rng.choice(demo.SAFEGUARDING_STATEMENTS)}
    chosen = rng.sample(demo.PRIORITY_BANK, rng.randint(3, 6))
    rows = [{"title": t, "la_priority": p, "impact": i} for t, p, i in chosen]
    if rng.random() < 0.5:  # half the snapshots from after list rows gained stable ids
        for row in rows:
            row["id"] = f"{rng.getrandbits(40):010x}"
    found["priorities"] = {"priorities": rows}
    return found


def generate(schools: int, seed: int = 7) -> dict:
    """Schools, windows, returns and submissions straight into the tables, in batches; returns counts."""
    from sqlalchemy import insert, text

    from app.extensions import db
    from app.models import CollectionWindow, Return, School, Submission, User
    from app.returns.sef.framework import CURRENT

    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    db.session.execute(
        insert(User.__table__),
        [{"id": 1, "email": "officer@bench.example.org", "name": "Bench Officer", "role": "officer", "password_hash": None, "active": True,
          "approver": False, "session_version": 1, "failed_sign_ins": 0, "created_at": now}],
    )
    kinds = []  # (early years, sixth form) per school
    for start in range(0, schools, BATCH):
        rows = []
        for n in range(start, min(schools, start + BATCH)):
            secondary = rng.random() < 0.17
            early_years, sixth_form = (not secondary and rng.random() < 0.8), (secondary and rng.random() < 0.6)
            kinds.append((early_years, sixth_form))
            name = f"Bench {'Secondary' if secondary else 'Primary'} School {n}"
            rows.append({
                "id": n + 1, "urn": f"{100000 + n}", "name": name, "search_name": name.lower(), "slug": f"bench-school-{n}",
                "la_code": f"{201 + n % 150}", "phase": "Secondary" if secondary else "Primary", "establishment_type": "Academy converter",
                "statutory_low_age": 11 if secondary else 4, "statutory_high_age": 18 if sixth_form else 16 if secondary else 11,
                "status": "Open", "has_early_years": early_years, "has_sixth_form": sixth_form, "created_at": now,
            })
        db.session.execute(insert(School.__table__), rows)
    year = date.today().year if date.today().month >= 9 else date.today().year - 1
    windows = []
    for back in (2, 1, 0):
        start_year = year - back
        windows.append({
            "id": 3 - back, "return_type": "sef", "academic_year": f"{start_year}/{(start_year + 1) % 100:02d}", "period": "annual",
            "title": f"Self-evaluation {start_year} to {start_year + 1}", "opens_on": date(start_year, 9, 15), "due_on": date(start_year, 10, 31),
            "phases": ["Primary", "Secondary"], "include_special": True, "include_alternative_provision": True, "created_at": now,
        })
    db.session.execute(insert(CollectionWindow.__table__), windows)
    return_id = submission_id = 0
    submissions = Counter()
    for window in windows:
        newest = window["id"] == 3
        start_year = int(window["academic_year"][:4])
        for start in range(0, schools, BATCH):
            returns, snapshots = [], []
            for n in range(start, min(schools, start + BATCH)):
                state, times = plan_states(rng, newest)
                return_id += 1
                submitted_at = datetime(start_year, 10, 20, 12, tzinfo=timezone.utc) + timedelta(minutes=n % 5000)
                returns.append({
                    "id": return_id, "window_id": window["id"], "school_id": n + 1, "return_type": "sef", "form_version": CURRENT.version,
                    "state": state, "late": False, "first_submitted_at": submitted_at if times else None, "created_at": submitted_at, "updated_at": submitted_at,
                })
                for number in range(1, times + 1):
                    submission_id += 1
                    snapshots.append({
                        "id": submission_id, "return_id": return_id, "number": number, "form_version": CURRENT.version,
                        "answers": answers_for(rng, *kinds[n], start_year), "submitted_by_id": 1,
                        "submitted_at": submitted_at + timedelta(days=14 * (number - 1)), "late": False,
                    })
                    submissions[window["id"]] += 1
            db.session.execute(insert(Return.__table__), returns)
            if snapshots:
                db.session.execute(insert(Submission.__table__), snapshots)
            db.session.commit()
    for table in ("users", "schools", "collection_windows", "returns", "submissions"):
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    db.session.commit()
    return {"returns": return_id, "submissions": submission_id, "by_window": dict(submissions)}


# The distribution of self-grades per area: from facts, and the same from the JSON snapshots.

# A window is of one type, so the facts query needs no filter on return_type (and one would stop an
# index-only scan on the schema's covering partial index, ix_facts_current_window_key).
FACTS_SQL = """
SELECT window_id, key, text_value, count(*) FROM facts
WHERE window_id = ANY(:windows) AND current AND state = 'accepted' AND key LIKE 'grade.%'
GROUP BY window_id, key, text_value
"""
JSON_SQL = """
SELECT r.window_id, 'grade.' || a.key, a.value ->> 'grade', count(*)
FROM returns r
JOIN submissions s ON s.return_id = r.id
  AND s.number = (SELECT max(number) FROM submissions l WHERE l.return_id = r.id)
CROSS JOIN LATERAL jsonb_each(s.answers) AS a
WHERE r.window_id = ANY(:windows) AND r.state = 'accepted' AND r.return_type = 'sef' AND a.value ? 'grade'
GROUP BY 1, 2, 3
"""
LOAD_SQL = """
SELECT r.window_id, s.answers
FROM returns r
JOIN submissions s ON s.return_id = r.id
  AND s.number = (SELECT max(number) FROM submissions l WHERE l.return_id = r.id)
WHERE r.window_id = ANY(:windows) AND r.state = 'accepted' AND r.return_type = 'sef'
"""


def distribution(sql: str, windows: list[int]) -> dict:
    from sqlalchemy import text

    from app.extensions import db

    return {(w, k, t): c for w, k, t, c in db.session.execute(text(sql), {"windows": windows})}


def in_python(windows: list[int]) -> dict:
    """What a page reading JSON per request would do: load the snapshots, count in Python."""
    from sqlalchemy import text

    from app.extensions import db

    found: Counter = Counter()
    for window_id, answers in db.session.execute(text(LOAD_SQL).execution_options(yield_per=2000), {"windows": windows}):
        for key, section in answers.items():
            if isinstance(section, dict) and "grade" in section:
                found[(window_id, f"grade.{key}", section["grade"])] += 1
    return dict(found)


def timed(run, repeat: int) -> tuple[list[float], object]:
    seconds, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - started)
    return seconds, result


def line(label: str, seconds: list[float], baseline: list[float] | None = None) -> str:
    median, p95 = percentile(seconds, 0.5) * 1000, percentile(seconds, 0.95) * 1000
    text = f"{label:<44} {len(seconds):4} runs  median {median:9.1f} ms  p95 {p95:9.1f} ms"
    if baseline:
        text += f"  ({median / (percentile(baseline, 0.5) * 1000):6.1f}x the facts query's median)"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=22_000)
    parser.add_argument("--repeat", type=int, default=30, help="runs of each facts query (the JSON baselines run fewer)")
    parser.add_argument("--quick", action="store_true", help="300 schools and few repeats: the smoke run")
    parser.add_argument("--database-url", default="", help="default: golden_thread_bench_facts on TEST_DATABASE_URL's server or 127.0.0.1")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    if args.quick:
        args.schools, args.repeat = min(args.schools, 300), min(args.repeat, 5)
    url = args.database_url or database_url("golden_thread_bench_facts")
    fresh_database(url)

    os.environ.setdefault("GOLDEN_THREAD_ENV", "development")
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from app import create_app
    from app.extensions import db
    from app.models.returns import Fact

    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; {date.today().isoformat()}")
    app = create_app("development", SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="facts-bench")
    try:
        with app.app_context():
            upgrade()
            server = db.session.scalar(text("SHOW server_version"))
            started = time.perf_counter()
            counts = generate(args.schools)
            print(
                f"Generated {args.schools:,} schools x 3 windows: {counts['returns']:,} returns, {counts['submissions']:,} submissions "
                f"in {time.perf_counter() - started:.1f}s (PostgreSQL {server})"
            )
            json_mb = db.session.scalar(text("SELECT sum(pg_column_size(answers)) FROM submissions")) / 1024 / 1024

            started = time.perf_counter()
            result = app.test_cli_runner().invoke(args=["returns", "rebuild-facts"])
            rebuild_seconds = time.perf_counter() - started
            if result.exit_code != 0:
                raise SystemExit(f"rebuild-facts failed: {result.output[-2000:]}{result.exception!r}")
            facts = db.session.scalar(select(func.count()).select_from(Fact))
            current = db.session.scalar(select(func.count()).select_from(Fact).where(Fact.current.is_(True)))
            print(
                f"rebuild-facts: {counts['submissions']:,} submissions ({json_mb:.0f} MB of JSONB) -> {facts:,} facts ({current:,} current) "
                f"in {rebuild_seconds:.1f}s ({counts['submissions'] / rebuild_seconds:,.0f} submissions/s)"
            )
            db.session.execute(text("ANALYZE"))
            db.session.commit()

            one, three = [3], [1, 2, 3]
            for label, windows in (("one window", one), ("three windows", three)):
                facts_runs, from_facts = timed(lambda: distribution(FACTS_SQL, windows), args.repeat)
                json_runs, from_json = timed(lambda: distribution(JSON_SQL, windows), max(3, args.repeat // 6))
                if from_facts != from_json:
                    raise SystemExit(f"The facts and the snapshots disagree for {label}")
                schools_counted = sum(c for (_, k, _), c in from_facts.items() if k == "grade.inclusion")
                print(f"Self-grades per area, {label} ({schools_counted:,} accepted returns, {len(from_facts)} groups):")
                print("  " + line("facts (GROUP BY key, text_value)", facts_runs))
                print("  " + line("JSON snapshots in SQL (jsonb_each)", json_runs, facts_runs))
                if windows == one:
                    python_runs, from_python = timed(lambda: in_python(windows), 3)
                    if from_python != from_facts:
                        raise SystemExit("The facts and the snapshots read in Python disagree")
                    print("  " + line("JSON snapshots loaded, counted in Python", python_runs, facts_runs))
                target = "met" if percentile(facts_runs, 0.5) < 0.1 else "NOT met"
                print(f"  Target (facts median under 100 ms): {target}")
            db.session.remove()
            db.engine.dispose()
    finally:
        if not args.keep:
            drop_database(url)
    print(f"Peak resident memory of the whole run: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
