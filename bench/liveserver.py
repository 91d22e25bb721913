"""Helpers for benchmarks that drive the real app under gunicorn on PostgreSQL over loopback.

- ``fresh_database`` / ``drop_database``: a database of the run's own, made and dropped.
- ``Gunicorn``: the project's gunicorn.conf.py serving bench/wsgi_bench.py (the app plus a bare
  Flask route at ``BARE_PATH``), started and stopped by the benchmark, its log kept in a file.
- ``Client``: one simulated person: their own cookies, one keep-alive connection, a timeout, and
  the time each request took (standard library only, so the benchmark adds no dependency).
- ``percentile`` and ``latency_line``: the figures every benchmark prints the same way.
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH_DIR))

from gias_import import prepare_database  # noqa: E402  (one way to make a fresh database)

# Answered by a bare Flask app in bench/wsgi_bench.py, beside the real one.
BARE_PATH = "/__bench/bare"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def database_url(name: str, server: str = "") -> str:
    """A URL for database `name` on the server of `server` (or TEST_DATABASE_URL, or the local one)."""
    from sqlalchemy.engine import make_url

    base = make_url(server or os.environ.get("TEST_DATABASE_URL", "").strip() or DEFAULT_SERVER)
    return base.set(database=name).render_as_string(hide_password=False)


def postgres_problem(url: str) -> str | None:
    """None when the PostgreSQL server of this URL answers, else why not."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(make_url(url).set(database="postgres"), connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means there is no server to use
        return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    finally:
        engine.dispose()
    return None


def fresh_database(url: str) -> None:
    if not url.startswith("postgresql"):
        raise SystemExit("This benchmark runs on PostgreSQL: give a postgresql+psycopg:// URL")
    prepare_database(url)


def drop_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """gunicorn with the project's own settings file, on loopback, for the length of a `with` block."""

    def __init__(self, database_url: str, *, workers: int = 2, threads: int = 2, log_path: Path, env: dict | None = None):
        self.port = free_port()
        self.log_path = log_path
        self.env = {
            **os.environ,
            "GOLDEN_THREAD_BENCH": "1",
            "GOLDEN_THREAD_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": database_url,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_THREADS": str(threads),
            "MAIL_BACKEND": "memory",
            # Production settings otherwise; signing in (with its second step) is set-up, not what is measured.
            "MFA_REQUIRED": "0",
            "MFA_REQUIRED_FOR_SCHOOLS": "0",
            # Hundreds of people sign in from 127.0.0.1 at once: the per-address limit stays on, raised.
            "SIGN_IN_RATE_LIMIT": "100000 per minute",
            **(env or {}),
        }
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--pythonpath", str(BENCH_DIR), "wsgi_bench:app"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start (exit {self.process.returncode}): {self.log_tail()}")
            try:
                if Client(self.port, timeout=2).request("GET", BARE_PATH).status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(f"gunicorn did not answer within 60 s: {self.log_tail()}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the arbiter stops its own workers
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def log_tail(self, characters: int = 3000) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-characters:]

    def log_lines(self, needle: str) -> list[str]:
        self.log.flush()
        return [line for line in self.log_path.read_text(errors="replace").splitlines() if needle in line]


@dataclass
class Reply:
    status: int
    text: str
    seconds: float
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)


class Client:
    """One person's browser, reduced to what the app needs: cookies and a keep-alive connection.

    A connection idle longer than `reuse_seconds` is replaced before use rather than risking one
    the server has just closed (gunicorn's keepalive is 5 s). If a reused connection turns out to be
    closed before any answer came back, the request is sent once more on a new one (as browsers do)
    and `retries` counts it."""

    def __init__(self, port: int, *, timeout: float = 10.0, reuse_seconds: float = 4.0):
        self.port = port
        self.timeout = timeout
        self.reuse_seconds = reuse_seconds
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None
        self.last_used = 0.0
        self.retries = 0

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def request(self, method: str, path: str, form: dict | list | None = None, headers: dict | None = None) -> Reply:
        body = urlencode(form) if form is not None else None
        sent_headers = {"Accept": "text/html", **(headers or {})}
        if body is not None:
            sent_headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent_headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        reused = self.connection is not None and time.monotonic() - self.last_used < self.reuse_seconds
        if not reused:
            self.close()
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            started = time.perf_counter()
            try:
                self.connection.request(method, path, body=body, headers=sent_headers)
                response = self.connection.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if reused and attempt == 1:
                    self.retries += 1
                    continue
                raise
            except BaseException:
                self.close()  # a timeout leaves the connection in an unknown state
                raise
            seconds = time.perf_counter() - started
            break
        self.last_used = time.monotonic()
        got = response.getheaders()
        for name, value in got:
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                cookie, _, content = pair.partition("=")
                lowered = value.lower()
                if "max-age=0" in lowered or "expires=thu, 01 jan 1970" in lowered:
                    self.cookies.pop(cookie.strip(), None)
                else:
                    self.cookies[cookie.strip()] = content.strip()
        if response.will_close:
            self.close()
        return Reply(response.status, data.decode("utf-8", errors="replace"), seconds, got)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share 0.5 is the median); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-share * len(ordered) // 1))))
    return ordered[rank - 1]


def latency_line(label: str, seconds: list[float], baseline: list[float] | None = None, width: int = 14) -> str:
    median, p95 = percentile(seconds, 0.5) * 1000, percentile(seconds, 0.95) * 1000
    line = f"{label:<{width}} {len(seconds):7,} requests  median {median:7.1f} ms  p95 {p95:7.1f} ms"
    if baseline:
        base_median, base_p95 = percentile(baseline, 0.5) * 1000, percentile(baseline, 0.95) * 1000
        line += f"  ({median / base_median:5.1f}x / {p95 / base_p95:5.1f}x the bare route)"
    return line
