"""A small run of the DfE data import benchmark, so the benchmark itself cannot rot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.own_database
def test_data_import_benchmark_smoke_run():
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "data_import.py"), "--ks2", "120", "--ks4", "40", "--years", "2023-24,2024-25"],
        capture_output=True, text=True, timeout=180, cwd=ROOT,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    out = completed.stdout
    assert "Generated 8 files (120 key stage 2 and 40 key stage 4 schools, 2 years, both shapes)" in out
    assert "re-import: ks4 2024-25 ees" in out and "changed 0, unchanged" in out
    assert "x the bare read" in out or "Import as a ratio of the bare read" in out
    assert out.count("Memory:") == 3 and "Peak resident memory" in out
