"""Return 3: the mental-health action plan, declared to the return engine.

The school names its senior mental health lead, rates itself against the eight principles of a
whole-school approach, says whether it took part in the pupil wellbeing survey and has a Mental
Health Support Team, and sets out its actions. Its lists are versioned data (framework.py). The
school's own staff write it and its approvers submit it (the engine's default school policy); every
phase is asked (the default phase scope). Plans are sensitive: every read of one is audited. Once
accepted, a plan's actions are a living plan the school keeps up to date through the year.
"""

from __future__ import annotations

from pathlib import Path

from app.engine.registry import DemoData, LivingList, ReturnType, SchoolPanel, Section
from app.returns.wellbeing import demo, panel
from app.returns.wellbeing.facts import wellbeing_facts
from app.returns.wellbeing.framework import CURRENT, NO_PUPIL, version as version_of


def wellbeing_sections(form_version: str, school, ret=None) -> list[Section]:
    from app.returns.wellbeing.forms import LeadForm, SurveyForm, action_forms, principles_form

    version = version_of(form_version)
    return [
        Section("lead", "Senior mental health lead", LeadForm, hint=f"Who leads the school's approach to mental health and wellbeing. {NO_PUPIL}"),
        Section("principles", "The eight principles", principles_form(version), hint=f"Rate the school against each principle of a whole-school approach, with evidence. {NO_PUPIL}"),
        Section("survey", "Pupil wellbeing survey and support team", SurveyForm, hint=f"The council's pupil wellbeing survey and the Mental Health Support Team. {NO_PUPIL}"),
        Section("action_plan", "Action plan", action_forms(version)[1], hint=f"What the school will do this year, who leads each action and by when. {NO_PUPIL}", template="wellbeing/_actions.html"),
    ]


RETURN_TYPE = WELLBEING = ReturnType(
    key="wellbeing",
    title="Mental health action plan",
    summary="The school's senior mental health lead, how it rates itself against the eight principles of a whole-school approach, and its action plan",
    form_version=CURRENT.version,
    sections=wellbeing_sections,
    facts=wellbeing_facts,
    declaration="I confirm that this plan is accurate, that the headteacher has seen it, and that nothing in it could identify a pupil.",
    audit_reads=True,
    # Once accepted, the actions live on through the year: the school updates each one's status and
    # a progress note without reopening the plan (app/engine/living.py).
    living=LivingList(
        section="action_plan", field="actions", title_field="what", status_field="status",
        statuses=lambda form_version: version_of(form_version).statuses, complete="complete", target_field="target_on",
        note_field="progress",
    ),
    template_folder=str(Path(__file__).parent / "templates"),
    school_panel=SchoolPanel("Mental health and wellbeing", "wellbeing/_school_panel.html", panel.load, order=20),
    demo=DemoData("Mental health action plan", demo.answers, demo.COMMENTS, demo.RETURN_REASONS, living_updates=demo.living_updates),
)
