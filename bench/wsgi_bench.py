"""The WSGI entry point the live benchmarks serve: the real app, plus one bare Flask route beside it.

    GOLDEN_THREAD_BENCH=1 gunicorn -c gunicorn.conf.py --pythonpath bench wsgi_bench:app

BARE_PATH is answered by a Flask app with nothing in it (no session, no user, no CSRF, no database):
the baseline each page's latency is divided by, served by the same gunicorn workers in the same run.
Every other path goes to Golden Thread exactly as wsgi.py builds it. The app itself never has the
bare route: only this module, which refuses to load unless GOLDEN_THREAD_BENCH=1 says it is a run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from flask import Flask

if os.environ.get("GOLDEN_THREAD_BENCH") != "1":
    raise RuntimeError("bench/wsgi_bench.py serves a benchmark only: set GOLDEN_THREAD_BENCH=1")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from liveserver import BARE_PATH  # noqa: E402  (after the path is set)
from wsgi import app as golden_thread  # noqa: E402

bare = Flask("bare")


@bare.route(BARE_PATH)
def bare_route():
    return "ok"


def app(environ, start_response):
    if environ.get("PATH_INFO") == BARE_PATH:
        return bare.wsgi_app(environ, start_response)
    return golden_thread(environ, start_response)
