"""Browser tests: the real app on a free local port, driven by the system Chromium through Playwright.

One live server (on a SQLite file of its own, seeded with the demo borough) and one browser per
test worker; a fresh browser context and page per test. Every page a test visits goes through
``check_page``: no Content Security Policy violations or script errors, no axe-core violations,
and no horizontal scrolling at 320px wide. Screenshots land in tests/browser/screenshots/.
"""

from __future__ import annotations

import functools
import json
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() == "true"

# The password every demo account gets in the live server's database.
DEMO_PASSWORD = "browser-tests-golden-thread"

WIDE = {"width": 1280, "height": 800}
NARROW_WIDTH = 320
AXE_TIMEOUT_MS = 30_000
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Runs before any of the page's own scripts, in every document the context opens.
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push({
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile + ":" + event.lineNumber,
    sample: event.sample,
  });
});
"""

CSP_CONSOLE = re.compile(r"Content Security Policy|Refused to")


def _missing(reason: str) -> None:
    """Missing tools fail the run in CI and skip the browser tests elsewhere."""
    if IN_CI:
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


# --- the live server ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSchoolSite:
    """A seeded school as the live server has it, with its head teacher's sign-in."""

    id: int
    urn: str
    name: str
    head_email: str


@dataclass(frozen=True)
class Live:
    url: str
    schools: dict[str, DemoSchoolSite]  # by URN
    app: object = None  # the live Flask app, for reading its outbox or setting up state
    def school(self, urn: str) -> DemoSchoolSite:
        return self.schools[urn]


@pytest.fixture(scope="session")
def live(tmp_path_factory) -> Iterator[Live]:
    """The real app on a free local port, on a fresh SQLite file seeded with the demo borough."""
    from flask_migrate import upgrade
    from sqlalchemy import select
    from werkzeug.serving import make_server

    from app import create_app
    from app.demo import seed_demo
    from app.extensions import db, limiter
    from app.models import Role, School, User

    database = tmp_path_factory.mktemp("browser-db") / "live.db"
    # Flask-Limiter keeps "enabled" on its one shared instance, and init_app overwrites it: put it
    # back after building the live app, or the rest of this worker's tests lose rate limiting.
    # The live app itself registers no limits (init_app returns early when disabled).
    limiter_was_enabled = limiter.enabled
    try:
        app = create_app(
            "test",
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
            RATELIMIT_ENABLED=False,
            # The limiter is one shared instance whose "enabled" flag is put back below, and its
            # limit decorators read these per request: the journeys sign in far more often than
            # one person could, so the live app's limits are out of their way.
            SIGN_IN_RATE_LIMIT="100000 per minute",
            MFA_CODE_RATE_LIMIT="100000 per minute",
            RESET_REQUEST_RATE_LIMIT="100000 per minute",
            # TESTING propagates exceptions; the live app must answer with our 500 page instead.
            PROPAGATE_EXCEPTIONS=False,
        )
    finally:
        limiter.enabled = limiter_was_enabled

    with app.app_context():
        upgrade()
        seed_demo(app.config["LA_CODE"], DEMO_PASSWORD)
        db.session.commit()
        heads = db.session.execute(
            select(School.id, School.urn, School.name, User.email)
            .join(User, User.school_id == School.id)
            .where(User.role == Role.SCHOOL.value, User.approver.is_(True))
        ).all()
        schools = {urn: DemoSchoolSite(id_, urn, name, email) for id_, urn, name, email in heads}
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield Live(url=f"http://127.0.0.1:{server.server_port}", schools=schools, app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live) -> str:
    """The live server's base URL."""
    return live.url


# --- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium is not installed at {CHROMIUM}")
    if not AXE_PATH.exists():
        _missing(f"axe-core is not installed at {AXE_PATH} (run `npm ci`)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


@dataclass
class Watch:
    """What went wrong on a page that is not visible in its DOM: console CSP reports, script errors."""

    javascript: bool
    csp_console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


_WATCHES: dict[int, Watch] = {}


EXPECTED_FRAGMENT_STATUS = re.compile(r"Failed to load resource: the server responded with a status of (409|422) ")


def _is_document_status(message) -> bool:
    """Chromium logs a page answered with 404 or 422 as a failed load; that status is the test's business.
    So is an htmx answer of 409 (a conflict) or 422 (a field error): the page shows it."""
    if EXPECTED_FRAGMENT_STATUS.match(message.text):
        return True
    return message.text.startswith("Failed to load resource: the server responded with a status of") and (
        message.location.get("url") == message.page.url if message.page else False
    )


def _watch(page, javascript: bool) -> Watch:
    watch = Watch(javascript=javascript)

    def on_console(message) -> None:
        if CSP_CONSOLE.search(message.text):
            watch.csp_console.append(message.text)
        elif message.type == "error" and not _is_document_status(message):
            watch.console_errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: watch.errors.append(str(error)))
    _WATCHES[id(page)] = watch
    return watch


def _new_page(browser, base_url: str, *, javascript: bool):
    context = browser.new_context(base_url=base_url, viewport=WIDE, java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    context.add_init_script(CSP_RECORDER)
    page = context.new_page()
    _watch(page, javascript)
    return context, page


@pytest.fixture
def page(browser, live_server):
    context, page = _new_page(browser, live_server, javascript=True)
    yield page
    _WATCHES.pop(id(page), None)
    context.close()


@pytest.fixture
def nojs_page(browser, live_server):
    context, page = _new_page(browser, live_server, javascript=False)
    yield page
    _WATCHES.pop(id(page), None)
    context.close()


# --- checking a page ---------------------------------------------------------------------------


def _save_screenshot(page, path: Path) -> None:
    """Written to a temporary file and renamed, so two workers saving one name never mix bytes."""
    SCREENSHOTS.mkdir(exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_bytes(page.screenshot(full_page=True, animations="disabled"))
    os.replace(partial, path)


def _format_axe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            lines.append(f"    at {json.dumps(node['target'])}: {node['summary']}")
    return "\n".join(lines)


@functools.cache
def _axe_source() -> str:
    return AXE_PATH.read_text(encoding="utf-8")


def _run_axe(page, name: str) -> None:
    """Runs axe-core on the whole document; fails listing each rule, its help and the nodes."""
    # Evaluated through the DevTools protocol: no <script> tag, so the page's CSP stays in force.
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    # Started here and awaited with a timeout, so a stuck run fails the test instead of hanging it.
    page.evaluate(
        """(tags) => {
            window.__axeResult = null;
            axe.run(document, {runOnly: {type: "tag", values: tags}}).then(
                (results) => {
                    window.__axeResult = {violations: results.violations.map((v) => ({
                        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                        nodes: v.nodes.map((n) => ({target: n.target, summary: n.failureSummary})),
                    }))};
                },
                (error) => { window.__axeResult = {error: String(error)}; },
            );
        }""",
        AXE_TAGS,
    )
    page.wait_for_function("() => window.__axeResult !== null", timeout=AXE_TIMEOUT_MS)
    result = page.evaluate("window.__axeResult")
    assert "error" not in result, f"{name}: axe could not run on {page.url}: {result['error']}"
    violations = result["violations"]
    assert not violations, f"{name}: axe found accessibility problems on {page.url}:\n{_format_axe(violations)}"


def check_page(page, name: str) -> None:
    """No CSP violations or script errors, no axe violations, no sideways scrolling at 320px.

    Saves ``<name>-1280.png`` and ``<name>-320.png`` (full page) in tests/browser/screenshots/.
    """
    page.wait_for_load_state("load")
    watch = _WATCHES[id(page)]

    # (a) The Content Security Policy stays on and nothing breaks it; no script fails.
    # (Evaluation through the DevTools protocol works even in a context with JavaScript off.)
    violations = page.evaluate("window.__cspViolations || []")
    assert not violations, f"{name}: CSP violations on {page.url}: {json.dumps(violations, indent=2)}"
    assert not watch.csp_console, f"{name}: CSP messages on the console at {page.url}: {watch.csp_console}"
    assert not watch.errors, f"{name}: script errors on {page.url}: {watch.errors}"
    assert not watch.console_errors, f"{name}: console errors on {page.url}: {watch.console_errors}"

    # (b) axe-core. With JavaScript off the page's timers never fire, so axe (which yields with
    # setTimeout) cannot finish there: the same pages are covered by the JavaScript journeys.
    if watch.javascript:
        _run_axe(page, name)

    # (c) Screenshots at desktop width and at 320px (WCAG 1.4.10 reflow), with no sideways scroll.
    _save_screenshot(page, SCREENSHOTS / f"{name}-1280.png")
    page.set_viewport_size({"width": NARROW_WIDTH, "height": WIDE["height"]})
    try:
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        _save_screenshot(page, SCREENSHOTS / f"{name}-320.png")
        if scroll_width > NARROW_WIDTH:
            wide = page.evaluate(
                """(limit) => Array.from(document.querySelectorAll("body *"))
                    .filter((el) => el.getBoundingClientRect().right > limit + 0.5)
                    .slice(0, 8)
                    .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                        + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "")
                        + " right=" + Math.round(el.getBoundingClientRect().right))""",
                NARROW_WIDTH,
            )
            pytest.fail(
                f"{name}: {page.url} scrolls sideways at {NARROW_WIDTH}px "
                f"(scrollWidth {scroll_width}); widest elements: {wide}",
                pytrace=False,
            )
    finally:
        page.set_viewport_size(WIDE)


# --- signing in without the browser ------------------------------------------------------------

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Signs the page's context in through HTTP, as the form would; the cookie is the browser's.

    For journeys that start after signing in: the sign-in form itself is walked by keyboard in
    test_sign_in.py, and this keeps the other tests from re-checking the same page.
    """
    request = page.context.request
    form_page = request.get("/sign-in")
    match = CSRF_META.search(form_page.text())
    assert match, f"no CSRF token on the sign-in page (status {form_page.status})"
    response = request.post(
        "/sign-in",
        form={"csrf_token": match.group(1), "email": email, "password": password},
        max_redirects=0,
    )
    assert response.status == 303, f"signing in as {email} answered {response.status}"
