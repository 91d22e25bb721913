"""The mental-health action plan's lists, kept as versioned data like the SEF's framework.

The eight principles come from Public Health England and DfE, "Promoting children and young
people's mental health and wellbeing: a whole school or college approach" (2021). A change to any
list is a new entry in VERSIONS: a plan keeps the version it was started with, and its snapshots
always display with that version's own words.
"""

from __future__ import annotations

from dataclasses import dataclass

# One sentence, shown at the top of every section and in the hint of every free-text field.
NO_PUPIL = "Do not include anything that could identify a pupil."


@dataclass(frozen=True)
class Version:
    version: str
    title: str
    principles: tuple[tuple[str, str], ...]  # (key, words)
    short_names: tuple[tuple[str, str], ...]  # (key, a few words): for lists and evidence labels
    ratings: tuple[tuple[str, str], ...]  # from least to most established
    thrive_needs: tuple[tuple[str, str], ...]
    focuses: tuple[tuple[str, str], ...]
    statuses: tuple[tuple[str, str], ...]

    def principle_words(self, key: str) -> str:
        return dict(self.principles).get(key, key)


WELLBEING_2026 = Version(
    version="wellbeing-2026",
    title="Whole-school approach to mental health and wellbeing (PHE and DfE, 2021)",
    principles=(
        ("leadership", "Leadership and management that supports and champions efforts to promote emotional health and wellbeing"),
        ("ethos", "An ethos and environment that promotes respect and values diversity"),
        ("curriculum", "Curriculum, teaching and learning to promote resilience and support social and emotional learning"),
        ("student_voice", "Enabling student voice to influence decisions"),
        ("staff_development", "Staff development to support their own wellbeing and that of students"),
        ("identifying_need", "Identifying need and monitoring impact of interventions"),
        ("parents_carers", "Working with parents and carers"),
        ("targeted_support", "Targeted support and appropriate referral"),
    ),
    short_names=(
        ("leadership", "Leadership and management"),
        ("ethos", "Ethos and environment"),
        ("curriculum", "Curriculum, teaching and learning"),
        ("student_voice", "Student voice"),
        ("staff_development", "Staff development"),
        ("identifying_need", "Identifying need and monitoring impact"),
        ("parents_carers", "Working with parents and carers"),
        ("targeted_support", "Targeted support and referral"),
    ),
    ratings=(
        ("not_started", "Not yet started"),
        ("emerging", "Emerging"),
        ("developing", "Developing"),
        ("embedded", "Embedded"),
    ),
    thrive_needs=(
        ("thriving", "Thriving"),
        ("getting_advice", "Getting advice and signposting"),
        ("getting_help", "Getting help"),
        ("getting_more_help", "Getting more help"),
        ("getting_risk_support", "Getting risk support"),
    ),
    focuses=(
        ("anxiety", "Anxiety"),
        ("anger", "Anger"),
        ("resilience", "Resilience"),
        ("self_harm", "Self-harm"),
        ("awareness", "Awareness"),
        ("staff_wellbeing", "Staff wellbeing"),
        ("other", "Other"),
    ),
    statuses=(
        ("not_started", "Not started"),
        ("on_track", "On track"),
        ("at_risk", "At risk"),
        ("off_track", "Off track"),
        ("complete", "Complete"),
    ),
)

MIN_ACTIONS, MAX_ACTIONS = 1, 30

VERSIONS = {WELLBEING_2026.version: WELLBEING_2026}
CURRENT = WELLBEING_2026


def version(key: str) -> Version:
    """The lists a plan was started with; an unknown version is a bug, not a user error."""
    return VERSIONS[key]
