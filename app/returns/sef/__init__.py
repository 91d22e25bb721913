"""Return 1: the school self-evaluation (SEF), declared to the return engine.

Its framework is versioned data (framework.py), its section forms are built per version
(forms.py), and its one template of its own lays out the priorities (templates/sef/).
"""

from __future__ import annotations

from pathlib import Path

from app.engine.registry import DemoData, ReturnType, SchoolPanel, Section
from app.returns.sef import demo, panel
from app.returns.sef.alerts import sef_alerts
from app.returns.sef.facts import sef_facts
from app.returns.sef.framework import CURRENT, framework


def sef_sections(form_version: str, school, ret=None) -> list[Section]:
    """Context, one section per evaluation area the school is asked about, safeguarding, priorities."""
    from app.returns.sef.forms import ContextForm, PrioritiesForm, area_form, safeguarding_form

    version = framework(form_version)
    areas = version.areas if school is None else version.areas_for(early_years=school.offers_early_years, sixth_form=school.offers_sixth_form)
    return [
        Section("context", "School context", ContextForm, hint="The school as it is now: pupils on roll, its intake and its last inspection."),
        *(
            Section(area.key, area.title, area_form(version), hint=f"How well the school does in {area.title[0].lower() + area.title[1:]}, and how you know.")
            for area in areas
        ),
        Section("safeguarding", "Safeguarding", safeguarding_form(version)),
        Section(
            "priorities",
            "Improvement priorities",
            PrioritiesForm,
            template="sef/_priorities.html",
        ),
    ]


RETURN_TYPE = SEF = ReturnType(
    key="sef",
    title="School self-evaluation",
    summary="How the school judges itself against Ofsted's framework, and its improvement priorities",
    form_version=CURRENT.version,
    sections=sef_sections,
    facts=sef_facts,
    alerts=sef_alerts,
    declaration="I confirm that this self-evaluation is accurate, that the headteacher and governors have seen it, and that it names no pupil.",
    template_folder=str(Path(__file__).parent / "templates"),
    school_panel=SchoolPanel("Self-evaluation", "sef/_school_panel.html", panel.load, order=10),
    describe_fact=panel.describe_fact,
    demo=DemoData("Self-evaluation", demo.answers, demo.COMMENTS, demo.RETURN_REASONS),
)
