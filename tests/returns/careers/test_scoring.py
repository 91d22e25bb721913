"""The benchmark scoring rule (app/returns/careers/scoring.py): every benchmark at 0%, part-way and
100%, mixed answers, unanswered criteria, and the bands the percentages are described in."""

from __future__ import annotations

import pytest

from app.returns.careers.benchmarks import CURRENT, MEANINGFUL, THEMES, themes_covered
from app.returns.careers.scoring import ACHIEVED, MOSTLY, NOT_YET, PARTLY, band_of, score

BENCHMARKS = CURRENT.benchmarks


def all_answered(benchmark, value):
    return {criterion.key: value for criterion in benchmark.criteria}


def test_there_are_eight_benchmarks_with_four_to_eight_criteria_each():
    assert [b.number for b in BENCHMARKS] == list(range(1, 9))
    for benchmark in BENCHMARKS:
        assert 4 <= len(benchmark.criteria) <= 8, benchmark.title
        assert len({c.key for c in benchmark.criteria}) == len(benchmark.criteria)


def test_every_theme_of_the_2024_update_is_covered_by_a_criterion():
    covered = themes_covered(CURRENT)
    assert set(covered) == {key for key, _ in THEMES}
    assert all(covered[key] for key in covered), covered
    assert "B5 every_year" in covered[MEANINGFUL]


@pytest.mark.parametrize("benchmark", BENCHMARKS, ids=lambda b: b.key)
def test_every_benchmark_at_nothing_part_way_and_achieved(benchmark):
    nothing = score(benchmark, all_answered(benchmark, "no"))
    assert (nothing.percent, nothing.whole, nothing.achieved, nothing.band) == (0, 0, False, NOT_YET)
    assert nothing.answered == nothing.criteria == len(benchmark.criteria)

    half = score(benchmark, all_answered(benchmark, "partly"))
    assert half.percent == 50 and half.band == PARTLY and not half.achieved

    full = score(benchmark, all_answered(benchmark, "yes"))
    assert full.percent == 100 and full.whole == 100 and full.achieved and full.band == ACHIEVED
    assert full.describe().startswith("100%: achieved")


def test_mixed_answers_count_one_a_half_and_nothing():
    benchmark = CURRENT.benchmark(1)  # six criteria
    keys = [c.key for c in benchmark.criteria]
    answers = {keys[0]: "yes", keys[1]: "yes", keys[2]: "partly", keys[3]: "no", keys[4]: "yes", keys[5]: "partly"}
    found = score(benchmark, answers)
    assert found.percent == pytest.approx(100 * 4 / 6)
    assert found.whole == 67 and found.band == PARTLY and found.words == "Partly met"
    assert found.describe() == "67%: partly met (6 of 6 criteria answered)"

    five = CURRENT.benchmark(2)  # five criteria: four yes and one partly is 90%, mostly met, not achieved
    answers = {c.key: "yes" for c in five.criteria} | {five.criteria[-1].key: "partly"}
    found = score(five, answers)
    assert (found.whole, found.band, found.achieved) == (90, MOSTLY, False)


def test_unanswered_and_forged_answers_count_as_no():
    benchmark = CURRENT.benchmark(8)
    first = benchmark.criteria[0].key
    assert score(benchmark, {}).percent == 0 and score(benchmark, None).answered == 0
    found = score(benchmark, {first: "yes", benchmark.criteria[1].key: "YES", "made_up": "yes"})
    assert found.answered == 1 and found.percent == pytest.approx(100 / 6)


def test_bands_at_their_edges():
    assert [band_of(p) for p in (0, 24.9, 25, 74.9, 75, 99.9, 100)] == [NOT_YET, NOT_YET, PARTLY, PARTLY, MOSTLY, MOSTLY, ACHIEVED]
