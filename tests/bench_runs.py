"""Running a PostgreSQL benchmark tiny inside the suite, so the benchmark itself cannot rot.

It needs a PostgreSQL server: TEST_DATABASE_URL's, or the local one at 127.0.0.1:5432. Without one the
test is skipped on a developer's machine and fails in CI (CI=true), where PostgreSQL is part of the
set-up.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from liveserver import database_url, postgres_problem  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() == "true"


def run_postgres_benchmark(script: str, database: str, *args: str, timeout: int = 180) -> str:
    """Run bench/<script> on a database of this worker's own and return what it printed, having
    checked it exited 0."""
    url = database_url(f"{database}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")
    problem = postgres_problem(url)
    if problem:
        message = f"bench/{script} needs PostgreSQL ({url.rsplit('/', 1)[0]}/): {problem}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args, "--database-url", url],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT,
    )
    out = completed.stdout
    assert completed.returncode == 0, out[-3000:] + completed.stderr[-2000:]
    return out
