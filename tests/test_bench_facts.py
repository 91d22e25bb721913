"""A tiny run of the facts benchmark (PostgreSQL), so the benchmark itself cannot rot: it generates
a small borough, rebuilds the facts with the real command, and checks each distribution from facts
equals the one from the JSON snapshots (the benchmark exits non-zero when they disagree).

It needs a PostgreSQL server: TEST_DATABASE_URL's, or the local one at 127.0.0.1:5432. Without one it is
skipped on a developer's machine and fails in CI (CI=true), where PostgreSQL is part of the set-up.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from liveserver import database_url, postgres_problem  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.mark.own_database
def test_facts_benchmark_smoke_run():
    url = database_url(f"golden_thread_bench_facts_smoke_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")
    problem = postgres_problem(url)
    if problem:
        message = f"the facts benchmark needs PostgreSQL ({url.rsplit('/', 1)[0]}/): {problem}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "facts.py"), "--quick", "--schools", "60", "--database-url", url],
        capture_output=True, text=True, timeout=180, cwd=ROOT,
    )
    out = completed.stdout
    assert completed.returncode == 0, out[-3000:] + completed.stderr[-2000:]
    assert "Generated 60 schools x 3 windows: 180 returns" in out
    assert re.search(r"^rebuild-facts: [\d,]+ submissions .* -> [1-9][\d,]* facts", out, re.M), out
    for label in ("facts (GROUP BY key, text_value)", "JSON snapshots in SQL (jsonb_each)", "JSON snapshots loaded, counted in Python"):
        assert label in out, out
    assert out.count("x the facts query's median") == 3, out
    assert "Peak resident memory" in out
