"""A 500-row run of the GIAS import benchmark, so the benchmark itself cannot rot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.own_database
def test_gias_import_benchmark_smoke_run():
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "gias_import.py"), "--rows", "500"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    out = completed.stdout
    assert "Generated 500 rows x 140 columns" in out
    assert "(added 500, updated 0, unchanged 0, closed 0, skipped 0)" in out
    assert "(added 0, updated 0, unchanged 500, closed 0, skipped 0)" in out
    assert "x the bare read" in out and "Peak resident memory" in out
