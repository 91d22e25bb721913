"""A 20-second run of the due-day load benchmark (gunicorn on PostgreSQL), so the benchmark itself cannot rot.

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
def test_due_day_benchmark_smoke_run():
    url = database_url(f"golden_thread_bench_smoke_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")
    problem = postgres_problem(url)
    if problem:
        message = f"the due-day benchmark needs PostgreSQL ({url.rsplit('/', 1)[0]}/): {problem}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    completed = subprocess.run(
        # A smaller borough than the full run's, so the smoke run stays quick and calm beside the rest of the suite.
        [sys.executable, str(ROOT / "bench" / "due_day.py"), "--duration", "20", "--schools", "12", "--officers", "4", "--signing-schools", "3", "--database-url", url],
        capture_output=True, text=True, timeout=180, cwd=ROOT,
    )
    out = completed.stdout
    assert completed.returncode == 0, out[-3000:] + completed.stderr[-2000:]
    assert "Seeded 12 schools, 60 staff, 4 officers" in out
    assert "Signed in and opened their pages: 67 of 67 people" in out
    assert re.search(r"^Errors: 0 ", out, re.M), out
    assert re.search(r"^Lost saves: 0 \(of [1-9][\d,]* acknowledged saves", out, re.M), out
    # Heads submit and withdraw in turn: each submission's snapshot and facts are as acknowledged.
    assert re.search(r"^Submissions: [1-9][\d,]* acknowledged, 0 returns whose submissions or facts are not as acknowledged$", out, re.M), out
    for label in ("Autosave", "Review queue", "Submit", "Withdraw"):
        assert re.search(rf"^{label} +[1-9][\d,]* requests .* the bare route\)$", out, re.M), out
