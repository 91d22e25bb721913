"""A tiny run of the facts benchmark (PostgreSQL), so the benchmark itself cannot rot: it generates
a small borough, rebuilds the facts with the real command, and checks each distribution from facts
equals the one from the JSON snapshots (the benchmark exits non-zero when they disagree).

It needs a PostgreSQL server: TEST_DATABASE_URL's, or the local one at 127.0.0.1:5432. Without one it is
skipped on a developer's machine and fails in CI (CI=true), where PostgreSQL is part of the set-up.
"""

from __future__ import annotations

import re

import pytest

from tests.bench_runs import run_postgres_benchmark


@pytest.mark.own_database
def test_facts_benchmark_smoke_run():
    out = run_postgres_benchmark("facts.py", "golden_thread_bench_facts_smoke", "--quick", "--schools", "60")
    assert "Generated 60 schools x 3 windows: 180 returns" in out
    assert re.search(r"^rebuild-facts: [\d,]+ submissions .* -> [1-9][\d,]* facts", out, re.M), out
    for label in ("facts (GROUP BY key, text_value)", "JSON snapshots in SQL (jsonb_each)", "JSON snapshots loaded, counted in Python"):
        assert label in out, out
    assert out.count("x the facts query's median") == 3, out
    assert "Peak resident memory" in out
