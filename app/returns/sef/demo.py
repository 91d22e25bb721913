"""Invented but plausible self-evaluations for the demo borough: what `make run` seeds for this
return type (the engine's demo seeding asks each type for its own answers)."""

from __future__ import annotations

import random
from datetime import date

from app.models import School

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

RETURN_REASONS = (
    "Thank you. Please add the figures for disadvantaged pupils under achievement, and make the second priority's impact measurable.",
    "Please give this year's persistent absence figure and say what the sixth form's retention was last year.",
)



def answers(school: School, rng: random.Random, year: int) -> dict[str, dict]:
    """Invented but plausible answers for every section the school is asked."""
    from app.returns.sef import sef_sections
    from app.returns.sef.framework import CURRENT

    found: dict[str, dict] = {}
    for section in sef_sections(CURRENT.version, school):
        key = section.key
        if key == "context":
            found[key] = context_answers(school, rng, year)
        elif key == "safeguarding":
            found[key] = {"outcome": "met", "statement": rng.choice(SAFEGUARDING_STATEMENTS)}
        elif key == "priorities":
            chosen = rng.sample(PRIORITY_BANK, rng.randint(3, 6))
            found[key] = {"priorities": [{"title": t, "la_priority": p, "impact": i} for t, p, i in chosen]}
        else:
            strengths = AREA_STRENGTHS[key]
            improvements = AREA_IMPROVEMENTS[key]
            found[key] = {
                "grade": rng.choices(GRADES, GRADE_WEIGHTS)[0],
                "strengths": " ".join(rng.sample(strengths, min(2, len(strengths)))),
                "improvements": rng.choice(improvements),
            }
    return found


def context_answers(school: School, rng: random.Random, year: int) -> dict:
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


