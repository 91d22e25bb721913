"""The officers' careers view (issue 15): careers returns across the borough for one window.

Every figure comes from current facts (app/engine/facts.py), never from submissions' answers: a
fixed number of queries however many schools there are. The heat table's rows are one query over
the benchmark facts; the borough averages of this window and the one before are one GROUP BY;
encounter coverage, the entitlement and the queries one query each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, func, select

from app.extensions import db
from app.models import CollectionWindow, Fact, School
from app.returns.careers.benchmarks import CURRENT, Version
from app.returns.careers.forms import YEARS
from app.returns.careers.queries import message_of
from app.returns.careers.scoring import ACHIEVED, band_of, words_of

CAREERS = "careers"
BENCHMARK = "benchmark."
MEASURES = (("employer", "Employer encounter"), ("stem", "STEM employer encounter"), ("workplace", "Workplace experience"))
SORTS = ("name", *(f"b{n}" for n in range(1, 9)))


@dataclass(frozen=True)
class Filters:
    window_id: int | None = None
    phase: str = ""
    trust: str = ""
    sort: str = "name"
    descending: bool = False


@dataclass
class SchoolScores:
    school_id: int
    name: str
    scores: dict[int, float] = field(default_factory=dict)  # benchmark number: exact percentage

    def band(self, number: int) -> str | None:
        value = self.scores.get(number)
        return None if value is None else band_of(value)

    @property
    def achieves_all(self) -> bool:
        return len(self.scores) == 8 and all(band_of(value) == ACHIEVED for value in self.scores.values())


@dataclass
class Raised:
    school_id: int
    school_name: str
    key: str
    explanation: str

    @property
    def message(self) -> str:
        return message_of(self.key)


@dataclass
class CareersFigures:
    version: Version
    previous_title: str = ""
    schools: list[SchoolScores] = field(default_factory=list)
    averages: dict[int, float] = field(default_factory=dict)
    previous: dict[int, float] = field(default_factory=dict)
    # year: measure ("on_roll", "employer", "stem", "workplace"): pupils across the schools
    coverage: dict[int, dict[str, float]] = field(default_factory=dict)
    entitlement: dict[str, dict[str, int]] = field(default_factory=dict)  # point: {"yes": n, "no": n}
    queries: list[Raised] = field(default_factory=list)

    @property
    def all_eight(self) -> list[SchoolScores]:
        return [row for row in self.schools if row.achieves_all]

    def change(self, number: int) -> float | None:
        if number not in self.averages or number not in self.previous:
            return None
        return self.averages[number] - self.previous[number]


def _school_filter(filters: Filters) -> list:
    found = []
    if filters.phase:
        found.append(School.phase == filters.phase)
    if filters.trust:
        found.append(School.trust_name == filters.trust)
    return found


def _scope(filters: Filters, window_ids):
    condition = and_(Fact.return_type == CAREERS, Fact.current.is_(True), Fact.window_id.in_(window_ids))
    schools = _school_filter(filters)
    if schools:
        condition = and_(condition, Fact.school_id.in_(select(School.id).where(*schools)))
    return condition


def figures(filters: Filters, previous: CollectionWindow | None) -> CareersFigures:
    """Everything the page shows, in five queries."""
    found = CareersFigures(version=CURRENT, previous_title=previous.title if previous else "")
    if filters.window_id is None:
        return found
    scope = _scope(filters, [filters.window_id])

    by_school: dict[int, SchoolScores] = {}
    for school_id, name, key, value in db.session.execute(
        select(School.id, School.name, Fact.key, Fact.number_value)
        .join(School, School.id == Fact.school_id)
        .where(scope, Fact.key.startswith(BENCHMARK, autoescape=True))
        .order_by(School.name, School.id)
    ):
        row = by_school.setdefault(school_id, SchoolScores(school_id, name))
        row.scores[int(key.removeprefix(BENCHMARK))] = value
    found.schools = sort_rows(list(by_school.values()), filters.sort, filters.descending)

    window_ids = [filters.window_id] + ([previous.id] if previous else [])
    for window_id, key, average in db.session.execute(
        select(Fact.window_id, Fact.key, func.avg(Fact.number_value))
        .where(_scope(filters, window_ids), Fact.key.startswith(BENCHMARK, autoescape=True))
        .group_by(Fact.window_id, Fact.key)
    ):
        target = found.averages if window_id == filters.window_id else found.previous
        target[int(key.removeprefix(BENCHMARK))] = float(average)

    for row_id, key, total in db.session.execute(
        select(Fact.row_id, Fact.key, func.sum(Fact.number_value))
        .where(scope, Fact.key.in_(("year.on_roll", "year.employer", "year.stem", "year.workplace")))
        .group_by(Fact.row_id, Fact.key)
    ):
        found.coverage.setdefault(int(row_id.removeprefix("y")), {})[key.removeprefix("year.")] = float(total or 0)

    for key, value, count in db.session.execute(
        select(Fact.key, Fact.text_value, func.count())
        .where(scope, Fact.key.startswith("entitlement.", autoescape=True))
        .group_by(Fact.key, Fact.text_value)
    ):
        found.entitlement.setdefault(key.removeprefix("entitlement."), {})[value] = count

    for school_id, name, key, explanation in db.session.execute(
        select(School.id, School.name, Fact.row_id, Fact.text_value)
        .join(School, School.id == Fact.school_id)
        .where(scope, Fact.key == "query")
        .order_by(School.name, School.id, Fact.row_id)
    ):
        found.queries.append(Raised(school_id, name, key, explanation or ""))
    return found


def sort_rows(rows: list[SchoolScores], sort: str, descending: bool) -> list[SchoolScores]:
    """The heat table in the order asked: by name, or by one benchmark's score (schools without a
    score last, then by name)."""
    rows = sorted(rows, key=lambda row: (row.name.lower(), row.school_id))
    if sort == "name":
        return list(reversed(rows)) if descending else rows
    number = int(sort[1:])
    scored = [row for row in rows if number in row.scores]
    unscored = [row for row in rows if number not in row.scores]
    return sorted(scored, key=lambda row: row.scores[number], reverse=descending) + unscored


# --- What the page and the downloads show, from the same figures --------------------------------


def whole(value: float | None) -> int | None:
    return None if value is None else int(value + 0.5)


def percent_words(value: float | None) -> str:
    return "No score" if value is None else words_of(value)


def change_words(change: float | None) -> str:
    if change is None:
        return "No earlier figure"
    points = round(change, 1)
    if points == 0:
        return "No change"
    return f"{'Up' if points > 0 else 'Down'} {abs(points):.1f} points"


def score_rows(found: CareersFigures) -> list[tuple]:
    return [
        (row.name, *(whole(row.scores.get(n)) for n in range(1, 9)), "Yes" if row.achieves_all else "No")
        for row in found.schools
    ]


def average_rows(found: CareersFigures) -> list[tuple]:
    rows = []
    for benchmark in found.version.benchmarks:
        n = benchmark.number
        now, before, change = found.averages.get(n), found.previous.get(n), found.change(n)
        rows.append((benchmark.name, None if now is None else round(now, 1), None if before is None else round(before, 1),
                     None if change is None else round(change, 1)))
    return rows


def share(part: float | None, whole_: float | None) -> float | None:
    return round(100 * part / whole_, 1) if whole_ and part is not None else None


def coverage_rows(found: CareersFigures) -> list[tuple]:
    rows = []
    for year in YEARS:
        figures = found.coverage.get(year)
        if not figures:
            continue
        roll = figures.get("on_roll", 0)
        rows.append((f"Year {year}", int(roll), *(share(figures.get(measure, 0), roll) for measure, _ in MEASURES)))
    return rows


def entitlement_rows(found: CareersFigures) -> list[tuple]:
    rows = []
    for number, (key, words) in enumerate(found.version.entitlement, start=1):
        counts = found.entitlement.get(key, {})
        answered = sum(counts.values())
        met = counts.get("yes", 0)
        rows.append((f"{number}. {words}", met, answered, share(met, answered)))
    return rows


def query_rows(found: CareersFigures) -> list[tuple]:
    return [(row.school_name, row.message, row.explanation or "Not explained") for row in found.queries]


def averages_chart(found: CareersFigures, title: str):
    from app.charts import Chart, Series

    numbers = [benchmark.number for benchmark in found.version.benchmarks]
    def labelled(name: str, averages: dict[int, float]) -> Series:
        values = tuple(averages.get(n) for n in numbers)
        return Series(name, values, tuple(None if value is None else f"{whole(value)}%" for value in values))

    series = [labelled(title or "This window", found.averages)]
    if found.previous_title:
        series.append(labelled(found.previous_title, found.previous))
    return Chart(
        title="Borough average score by benchmark",
        category_heading="Benchmark",
        categories=tuple(benchmark.name for benchmark in found.version.benchmarks),
        series=tuple(series),
        value_axis="Average score (%)",
        minimum=0,
        maximum=100,
        missing="No score",
    )
