"""A 20-second run of the due-day load benchmark (gunicorn on PostgreSQL), so the benchmark itself cannot rot.

It needs a PostgreSQL server: TEST_DATABASE_URL's, or the local one at 127.0.0.1:5432. Without one it is
skipped on a developer's machine and fails in CI (CI=true), where PostgreSQL is part of the set-up.
"""

from __future__ import annotations

import re

import pytest

from tests.bench_runs import run_postgres_benchmark


@pytest.mark.own_database
def test_due_day_benchmark_smoke_run():
    # A smaller borough than the full run's, so the smoke run stays quick and calm beside the rest of the suite.
    out = run_postgres_benchmark(
        "due_day.py", "golden_thread_bench_smoke", "--duration", "20", "--schools", "12", "--officers", "4", "--signing-schools", "3"
    )
    assert "Seeded 12 schools, 60 staff, 4 officers" in out
    assert "Signed in and opened their pages: 67 of 67 people" in out
    assert re.search(r"^Errors: 0 ", out, re.M), out
    assert re.search(r"^Lost saves: 0 \(of [1-9][\d,]* acknowledged saves", out, re.M), out
    # Every save keeps the copy it replaced as the rule says, and no more.
    assert re.search(r"^Versions kept: [1-9][\d,]* .*; beyond that rule: 0$", out, re.M), out
    # Heads submit and withdraw in turn: each submission's snapshot and facts are as acknowledged.
    assert re.search(r"^Submissions: [1-9][\d,]* acknowledged, 0 returns whose submissions or facts are not as acknowledged$", out, re.M), out
    for label in ("Autosave", "Review queue", "Submit", "Withdraw"):
        assert re.search(rf"^{label} +[1-9][\d,]* requests .* the bare route\)$", out, re.M), out
