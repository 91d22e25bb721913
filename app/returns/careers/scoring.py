"""How a benchmark is scored: one function, the rule every page, fact and export uses.

Yes counts 1, partly a half, no nothing; the score is the total as a percentage of the benchmark's
criteria (a criterion not yet answered counts as no); a benchmark is *achieved* at 100%, the word the
Careers & Enterprise Company's Compass tool uses. The criteria are those of the version the return
was started with, so a later version never changes an old return's score.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.returns.careers.benchmarks import POINTS, Benchmark

# The bands a score is described in, so that a percentage is never shown by colour alone.
ACHIEVED, MOSTLY, PARTLY, NOT_YET = "achieved", "mostly", "partly", "not_yet"
BANDS = (
    (ACHIEVED, "Achieved"),
    (MOSTLY, "Mostly met"),
    (PARTLY, "Partly met"),
    (NOT_YET, "Not yet met"),
)
BAND_WORDS = dict(BANDS)


@dataclass(frozen=True)
class Score:
    percent: float  # exact, 0 to 100
    answered: int
    criteria: int

    @property
    def whole(self) -> int:
        """The percentage to the nearest whole number, halves up (never shown as 100 unless achieved)."""
        whole = int(self.percent + 0.5)
        return 99 if whole == 100 and not self.achieved else whole

    @property
    def achieved(self) -> bool:
        return self.criteria > 0 and self.percent >= 100

    @property
    def band(self) -> str:
        return band_of(self.percent)

    @property
    def words(self) -> str:
        return BAND_WORDS[self.band]

    def describe(self) -> str:
        """"67%: mostly met (6 of 6 criteria answered)"."""
        return f"{self.whole}%: {self.words.lower()} ({self.answered} of {self.criteria} criteria answered)"


def band_of(percent: float) -> str:
    if percent >= 100:
        return ACHIEVED
    if percent >= 75:
        return MOSTLY
    if percent >= 25:
        return PARTLY
    return NOT_YET


def score(benchmark: Benchmark, answers: dict | None) -> Score:
    """The benchmark's score from a section's answers (criterion key: "yes" / "partly" / "no")."""
    answers = answers or {}
    total, answered = 0.0, 0
    for criterion in benchmark.criteria:
        value = answers.get(criterion.key)
        if value in POINTS:
            total += POINTS[value]
            answered += 1
    count = len(benchmark.criteria)
    return Score(percent=100 * total / count if count else 0.0, answered=answered, criteria=count)
