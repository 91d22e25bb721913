"""Return 4: careers, the Gatsby benchmark return, declared to the return engine.

The school names its careers leader and adviser, says whether its provider access policy statement
is published and how many provider encounters each key phase had, answers each benchmark's criteria
(scored by scoring.py, the percentage shown as it answers), gives per year group it teaches the
pupils on roll and those with employer encounters and workplace experiences, and checks itself
against the council's nine-point young person's entitlement. Its lists are versioned data
(benchmarks.py). Only schools with pupils in year 7 or above are asked: a statutory high age of 12
or more, whatever the phase (the engine's AgeScope).
"""

from __future__ import annotations

from pathlib import Path

from app.engine.registry import DemoData, Derived, ReturnType, Section
from app.engine.scope import AgeScope
from app.returns.careers import demo
from app.returns.careers.benchmarks import CURRENT, version as version_of
from app.returns.careers.facts import careers_facts
from app.returns.careers.queries import section_queries
from app.returns.careers.scoring import score

NO_PUPIL = "Do not name or describe any pupil."


def careers_sections(form_version: str, school, ret=None) -> list[Section]:
    from app.returns.careers.forms import (
        YEARS, LeaderForm, adviser_form, benchmark_form, entitlement_form, phases_taught, provider_access_form, year_groups_form,
        years_taught,
    )

    version = version_of(form_version)
    years = YEARS if school is None else years_taught(school.statutory_low_age, school.statutory_high_age)
    return [
        Section("leader", "Careers leader", LeaderForm, hint="Who leads the school's careers programme, and how to reach them."),
        Section("adviser", "Careers adviser", adviser_form(version), hint="Who gives pupils personal guidance, and their qualification."),
        Section(
            "provider_access", "Provider access", provider_access_form(phases_taught(years)),
            hint="The school's provider access policy statement, and the encounters with providers of technical education and apprenticeships in each key phase it teaches.",
        ),
        *(
            Section(benchmark.key, benchmark.name, benchmark_form(version, benchmark), hint=benchmark.summary, template="careers/_benchmark.html")
            for benchmark in version.benchmarks
        ),
        Section(
            "year_groups", "Encounters and guidance by year group", year_groups_form(years),
            hint=f"Figures for this academic year for each year group the school teaches, from year 7 to year 13. {NO_PUPIL}",
            template="careers/_year_groups.html",
        ),
        Section("entitlement", "Young person's entitlement", entitlement_form(version), hint="The council's nine-point entitlement for every young person: whether the school meets each point."),
    ]


def careers_derived(section: Section, answers: dict) -> list[Derived]:
    """Each benchmark's score, beside its answers on the section page (live, as the school answers),
    check your answers, review, print and compare."""
    benchmark = getattr(section.form, "benchmark", None)
    if benchmark is None:
        return []
    found = score(benchmark, answers)
    return [Derived("score", f"Benchmark {benchmark.number} score", found.describe())]


RETURN_TYPE = CAREERS = ReturnType(
    key="careers",
    title="Careers benchmark return",
    summary="The school's careers leader and adviser, provider access, its self-assessment against the eight Gatsby benchmarks, encounters by year group and the young person's entitlement",
    form_version=CURRENT.version,
    sections=careers_sections,
    scope=AgeScope(12, "with pupils in year 7 or above"),
    derive=careers_derived,
    queries=section_queries,
    facts=careers_facts,
    declaration="I confirm that this return is accurate, that the headteacher has seen it, and that it names no pupil.",
    template_folder=str(Path(__file__).parent / "templates"),
    demo=DemoData("Careers benchmark return", demo.answers, demo.COMMENTS, demo.RETURN_REASONS),
)
