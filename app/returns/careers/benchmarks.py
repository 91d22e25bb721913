"""The Gatsby benchmarks a careers return is scored against, kept as versioned data like the SEF's
framework.

The eight benchmarks are those of the Gatsby Foundation's "Good Career Guidance", as updated in
November 2024 and in use from September 2025. The criteria under each are written for this service
(they are not the Compass tool's questions): each is answered yes, partly or no. Every theme of the
2024 update appears in at least one criterion, and each criterion lists the themes it covers.

A later refresh is a new entry in VERSIONS, never a change to this one: a return keeps the version
it was started with, so its snapshots keep their words and their scores.
"""

from __future__ import annotations

from dataclasses import dataclass

# The themes the November 2024 update brought into the benchmarks.
STRATEGY, INCLUSION, DATA, PARENTS, MEANINGFUL = "strategy", "inclusion", "data", "parents", "meaningful"
THEMES = (
    (STRATEGY, "Careers in the school's strategic plan, with a role for governors"),
    (INCLUSION, "Meeting the needs of pupils with SEND and disadvantaged pupils"),
    (DATA, "The use of data"),
    (PARENTS, "Engaging parents and carers"),
    (MEANINGFUL, "Meaningful encounters and experiences"),
)

# How a criterion is answered, and what each answer counts towards the benchmark's percentage.
ANSWERS = (("yes", "Yes"), ("partly", "Partly"), ("no", "No"))
POINTS = {"yes": 1.0, "partly": 0.5, "no": 0.0}


# The rest of the return's lists, each version carrying its own: the council's nine-point young
# person's entitlement, and the careers adviser's qualification levels.
ENTITLEMENT = (
    ("named_leader", "A named careers leader at the school"),
    ("options_information", "Information about all the options open to them at each point of transition"),
    ("labour_market", "Current information about the labour market"),
    ("employer_every_year", "At least one encounter with an employer every year from year 7 to year 13, including STEM employers"),
    ("providers", "Contact with colleges, sixth forms, universities and apprenticeship providers"),
    ("workplace", "First-hand experience of a workplace"),
    ("reviews", "Regular reviews of their progress and plans"),
    ("impartial_guidance", "Impartial guidance from a qualified adviser from year 8 to age 19, or 25 with SEND"),
    ("feedback", "A way to give feedback on the careers programme"),
)
QUALIFICATIONS = (
    ("level_6_or_above", "Level 6 or above in careers guidance (for example, the Level 6 Diploma in Career Guidance and Development)"),
    ("working_towards_6", "Working towards level 6"),
    ("level_4", "Level 4 in careers information and advice"),
    ("other", "Another qualification in careers guidance below level 6"),
    ("none", "No careers guidance qualification"),
)


@dataclass(frozen=True)
class Criterion:
    key: str
    text: str
    themes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Benchmark:
    number: int
    title: str
    summary: str
    criteria: tuple[Criterion, ...]

    @property
    def key(self) -> str:
        return f"benchmark_{self.number}"

    @property
    def name(self) -> str:
        return f"Benchmark {self.number}: {self.title}"


@dataclass(frozen=True)
class Version:
    version: str
    title: str
    benchmarks: tuple[Benchmark, ...]
    # The rule, in the words shown to the school beside every benchmark's questions.
    rule: str
    entitlement: tuple[tuple[str, str], ...] = ENTITLEMENT
    qualifications: tuple[tuple[str, str], ...] = QUALIFICATIONS

    def benchmark(self, number: int) -> Benchmark | None:
        return next((b for b in self.benchmarks if b.number == number), None)

    def by_key(self, key: str) -> Benchmark | None:
        return next((b for b in self.benchmarks if b.key == key), None)


GATSBY_2024 = Version(
    version="gatsby-2024",
    title="Gatsby Benchmarks of Good Career Guidance (updated November 2024, in use from September 2025)",
    rule=(
        "Each criterion answered ‘Yes’ counts 1, ‘Partly’ counts a half and ‘No’ counts nothing. The benchmark’s "
        "score is the total as a percentage of the number of criteria; a criterion not yet answered counts as ‘No’. "
        "A benchmark is achieved at 100%."
    ),
    benchmarks=(
        Benchmark(1, "A stable careers programme", "An embedded programme of career education and guidance, known and understood by pupils, parents and carers, staff, governors and employers.", (
            Criterion("published", "The school has a written careers programme covering every year group it teaches, published on its website."),
            Criterion("strategic_plan", "Careers is part of the school's strategic or improvement plan, and a named governor oversees it and reports to the governing board.", (STRATEGY,)),
            Criterion("leader_time", "The careers leader has the time, training and budget to lead the programme, and reports to a member of the senior leadership team.", (STRATEGY,)),
            Criterion("reviewed", "The programme is reviewed at least once a year using feedback from pupils, parents and carers, teachers and employers, and the review's findings are acted on.", (DATA, PARENTS)),
            Criterion("needs", "The programme sets out how it meets the needs of pupils with SEND and of disadvantaged pupils.", (INCLUSION,)),
            Criterion("parents_told", "Parents and carers are told what the programme offers each year and how they can take part in it.", (PARENTS,)),
        )),
        Benchmark(2, "Learning from career and labour market information", "Every pupil, and their parents and carers, get support to use up-to-date information about careers and the labour market.", (
            Criterion("pupils_use", "Pupils use up-to-date local and national labour market information in lessons and in guidance in every key stage the school teaches."),
            Criterion("parents_given", "Parents and carers are given labour market information and shown how to use it to support their child's choices.", (PARENTS,)),
            Criterion("accessible", "Information is given in forms every pupil can use, including easy-read and visual versions for pupils with SEND.", (INCLUSION,)),
            Criterion("staff_briefed", "Staff who give information have been briefed on the local labour market and the local skills plan's priority sectors."),
            Criterion("destinations_checked", "The school uses destination and survey data to check that the information reaches every group of pupils.", (DATA,)),
        )),
        Benchmark(3, "Addressing the needs of each young person", "Pupils have opportunities for advice and support tailored to their needs, with the diversity of pupils recognised throughout.", (
            Criterion("records", "Each pupil's careers activities are recorded, and the record follows them through the school and is shared with them.", (DATA,)),
            Criterion("targeted", "The school uses its data (attendance, SEND, disadvantage, earlier destinations) to find pupils who need more careers support, and plans that support.", (DATA, INCLUSION)),
            Criterion("send_plans", "Careers guidance is part of the support plans of pupils with SEND, and of EHC plan reviews from year 9.", (INCLUSION,)),
            Criterion("at_risk", "Disadvantaged pupils and pupils at risk of not being in education, employment or training get extra guidance and encounters.", (INCLUSION,)),
            Criterion("destinations", "The school collects destination data for at least three years after pupils leave and uses it to improve the programme.", (DATA,)),
            Criterion("stereotypes", "The programme challenges stereotypes about who does which jobs."),
            Criterion("parents_involved", "Parents and carers of pupils who need extra support are involved in planning it.", (PARENTS,)),
        )),
        Benchmark(4, "Linking curriculum learning to careers", "All teachers link curriculum learning with careers, so pupils see how their subjects relate to a wide range of futures.", (
            Criterion("every_subject", "Every subject shows pupils how it links to careers, STEM subjects included."),
            Criterion("teachers_trained", "Teachers have had training in the last two years on linking their subject to careers."),
            Criterion("meaningful_activity", "Every pupil takes part each year in a careers activity within a subject that has a clear purpose and lets them meet people from that field.", (MEANINGFUL,)),
            Criterion("adapted", "Curriculum links are adapted so that pupils with SEND and disadvantaged pupils take full part.", (INCLUSION,)),
            Criterion("feedback", "Subject leaders use pupils' feedback and the school's records to improve the links.", (DATA,)),
        )),
        Benchmark(5, "Encounters with employers and employees", "Every pupil has multiple meaningful encounters with employers and employees, at least one each year.", (
            Criterion("every_year", "Every pupil has at least one meaningful encounter with an employer in every year they are at the school.", (MEANINGFUL,)),
            Criterion("range", "Encounters include STEM employers and a range of sectors, including the local skills plan's priority sectors."),
            Criterion("purpose", "Each encounter has a clear purpose, pupils are prepared for it, can ask questions and reflect on it afterwards.", (MEANINGFUL,)),
            Criterion("tracked", "The school records which pupils have had encounters and follows up those who have missed them.", (DATA,)),
            Criterion("adapted", "Encounters are adapted for pupils with SEND and disadvantaged pupils, for example in smaller groups or with familiarisation visits.", (INCLUSION,)),
            Criterion("parents_contribute", "Parents and carers are invited to contribute to encounters from their own work.", (PARENTS,)),
        )),
        Benchmark(6, "Experiences of workplaces", "Every pupil has first-hand experiences of the workplace to help their exploration of careers.", (
            Criterion("by_year_11", "Every pupil has at least one meaningful experience of a workplace by the end of year 11.", (MEANINGFUL,)),
            Criterion("after_16", "Pupils who stay beyond year 11 have a further meaningful experience of a workplace before they leave.", (MEANINGFUL,)),
            Criterion("prepared", "Experiences are prepared for beforehand and reflected on afterwards, with what pupils learned recorded.", (DATA,)),
            Criterion("adjusted", "Adjustments and supported placements mean pupils with SEND and disadvantaged pupils take part.", (INCLUSION,)),
            Criterion("safe", "Placements are checked for health and safety and safeguarding before pupils attend."),
        )),
        Benchmark(7, "Encounters with further and higher education", "Every pupil understands the full range of learning opportunities open to them, academic and technical.", (
            Criterion("full_range", "By the end of year 11 every pupil has had a meaningful encounter with sixth forms, colleges, universities and apprenticeship providers.", (MEANINGFUL,)),
            Criterion("provider_access", "The school's provider-access policy statement is published and followed, with at least two provider encounters in each key phase it teaches."),
            Criterion("post_16_visits", "Pupils who stay to year 13 have at least two visits to universities, colleges or apprenticeship providers.", (MEANINGFUL,)),
            Criterion("parents_options", "Parents and carers are given information about every post-16 and post-18 option, apprenticeships and T levels included.", (PARENTS,)),
            Criterion("send_options", "Pupils with SEND and disadvantaged pupils meet providers that suit their needs, supported internships included.", (INCLUSION,)),
        )),
        Benchmark(8, "Personal guidance", "Every pupil has opportunities for guidance interviews with a careers adviser, qualified to level 6 or above, at key decision points.", (
            Criterion("by_year_11", "Every pupil has a personal guidance interview with a careers adviser qualified to level 6 or above by the end of year 11."),
            Criterion("by_year_13", "Every pupil who stays to year 13 has a further interview by the end of year 13."),
            Criterion("recorded", "Interviews are timed for decision points and recorded, with the agreed actions shared with the pupil and followed up.", (DATA,)),
            Criterion("extra", "Pupils with SEND and disadvantaged pupils have extra guidance where they need it.", (INCLUSION,)),
            Criterion("parents_invited", "Parents and carers are invited to take part in guidance where that helps the pupil.", (PARENTS,)),
            Criterion("impartial", "The school checks that guidance is impartial and in the pupil's best interest."),
        )),
    ),
)

VERSIONS = {GATSBY_2024.version: GATSBY_2024}
CURRENT = GATSBY_2024


def version(key: str) -> Version:
    """The benchmarks a return was started with; an unknown version is a bug, not a user error."""
    return VERSIONS[key]


def themes_covered(found: Version) -> dict[str, list[str]]:
    """For each theme of the 2024 update, the criteria that cover it ("B3 targeted"), in order."""
    covered: dict[str, list[str]] = {key: [] for key, _ in THEMES}
    for benchmark in found.benchmarks:
        for criterion in benchmark.criteria:
            for theme in criterion.themes:
                covered[theme].append(f"B{benchmark.number} {criterion.key}")
    return covered

