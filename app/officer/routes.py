"""The officers' views. Routes read the request, check it, call app.officer's plain query
functions and render."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from app.engine.living import today_in_london
from app.engine.reviews import record_reads
from app.exports import Table, download
from app.officer import careers as cv
from app.officer import filters as choices
from app.officer import wellbeing as wb
from app.permissions import COUNCIL_STAFF, allow
from app.returns.careers.scoring import BAND_WORDS

bp = Blueprint("officer", __name__)

TABLES = ("principles", "statuses", "thrive", "focuses", "lead", "overdue")


def _filters() -> tuple[wb.Filters, list, list[dict], list[str]]:
    """The window, phase and trust from the URL (app/officer/filters.py)."""
    windows = choices.windows_of(wb.WELLBEING)
    chosen = choices.phase_and_trust()
    return wb.Filters(choices.window_asked(windows), chosen.phase, chosen.trust), windows, chosen.errors, chosen.trusts


def _table(name: str, found: wb.WellbeingFigures, window_title: str) -> Table:
    suffix = f" – {window_title}" if window_title else ""
    if name == "principles":
        return Table("Principle ratings" + suffix, ["Principle", *(words for _, words in found.version.ratings)], wb.principle_rows(found))
    if name in ("statuses", "thrive", "focuses"):
        title, heading, rows = wb.action_tables(found)[name]
        return Table(title + suffix, [heading, "Actions"], rows)
    if name == "lead":
        return Table("Leads and survey" + suffix, ["Measure", "Schools saying yes", "Schools that answered", "Per cent"], wb.lead_rows(found))
    return Table("Overdue actions" + suffix, ["School", "Action", "Principle", "Target date", "Status"], wb.overdue_rows_for_export(found))


def _record_overdue_reads(found: wb.WellbeingFigures) -> None:
    """The overdue actions show words from schools' plans: each plan shown is a read of it. The
    other tables are counts across schools and show no plan's words."""
    record_reads((row.return_id, wb.WELLBEING, row.school_id) for row in found.overdue)


@bp.route("/wellbeing")
@allow(*COUNCIL_STAFF)
def wellbeing():
    filters, windows, errors, trusts = _filters()
    found = wb.figures(filters, today_in_london())
    window = next((w for w in windows if w.id == filters.window_id), None)
    fmt = request.args.get("download")
    if fmt:
        name = request.args.get("table", "")
        if name not in TABLES:
            abort(404)
        if name == "overdue":
            _record_overdue_reads(found)
        return download(_table(name, found, window.title if window else ""), fmt)
    _record_overdue_reads(found)
    query = {key: value for key, value in (("window", filters.window_id), ("phase", filters.phase), ("trust", filters.trust)) if value}
    return render_template(
        "officer/wellbeing.html",
        found=found, filters=filters, windows=windows, window=window, errors=errors, error_list=errors, trusts=trusts, phases=choices.phases(),
        chart=wb.principles_chart(found), principle_rows=wb.principle_rows(found),
        rating_words=[words for _, words in found.version.ratings], action_tables=wb.action_tables(found), lead_rows=wb.lead_rows(found),
        principle_names=dict(found.version.short_names), status_names=dict(found.version.statuses), query=query,
    )


# --- The careers view (issue 15) ------------------------------------------------------------------

CAREERS_TABLES = ("scores", "averages", "coverage", "entitlement", "queries")


def _careers_filters() -> tuple[cv.Filters, list, list[dict], list[str]]:
    """The window, phase and trust (app/officer/filters.py) and the sort order from the URL; a sort
    nobody could choose sorts by name."""
    windows = choices.windows_of(cv.CAREERS)
    chosen = choices.phase_and_trust()
    window_id, phase, trust, errors, trusts = choices.window_asked(windows), chosen.phase, chosen.trust, chosen.errors, chosen.trusts
    sort = request.args.get("sort", "name")
    if sort not in cv.SORTS:
        sort = "name"
    descending = request.args.get("order") == "desc"
    return cv.Filters(window_id, phase, trust, sort, descending), windows, errors, trusts


def _careers_table(name: str, found: cv.CareersFigures, window_title: str) -> Table:
    suffix = f" – {window_title}" if window_title else ""
    if name == "scores":
        return Table("Benchmark scores by school" + suffix, ["School", *(f"Benchmark {n} (%)" for n in range(1, 9)), "All eight achieved"], cv.score_rows(found))
    if name == "averages":
        before = f"Average in {found.previous_title} (%)" if found.previous_title else "Average in the previous window (%)"
        return Table("Borough average by benchmark" + suffix, ["Benchmark", "Average (%)", before, "Change (points)"], cv.average_rows(found))
    if name == "coverage":
        return Table("Encounter coverage by year group" + suffix, ["Year group", "Pupils on roll", *(f"{words} (% of pupils on roll)" for _, words in cv.MEASURES)], cv.coverage_rows(found))
    if name == "entitlement":
        return Table("Young person's entitlement" + suffix, ["Point", "Schools meeting it", "Schools that answered", "Per cent"], cv.entitlement_rows(found))
    return Table("Queries raised" + suffix, ["School", "Query", "School's explanation"], cv.query_rows(found))


@bp.route("/careers")
@allow(*COUNCIL_STAFF)
def careers():
    filters, windows, errors, trusts = _careers_filters()
    window = next((w for w in windows if w.id == filters.window_id), None)
    # The window before this one, for the change in each benchmark's average.
    previous = windows[windows.index(window) + 1] if window is not None and windows.index(window) + 1 < len(windows) else None
    found = cv.figures(filters, previous)
    fmt = request.args.get("download")
    if fmt:
        name = request.args.get("table", "")
        if name not in CAREERS_TABLES:
            abort(404)
        return download(_careers_table(name, found, window.title if window else ""), fmt)
    query = {key: value for key, value in (("window", filters.window_id), ("phase", filters.phase), ("trust", filters.trust)) if value}
    return render_template(
        "officer/careers.html",
        found=found, filters=filters, windows=windows, window=window, previous=previous, errors=errors, error_list=errors,
        trusts=trusts, phases=choices.phases(), query=query, sorted_query={**query, "sort": filters.sort, **({"order": "desc"} if filters.descending else {})},
        average_rows=cv.average_rows(found), coverage_rows=cv.coverage_rows(found), entitlement_rows=cv.entitlement_rows(found),
        averages_chart=cv.averages_chart(found, window.title if window else ""), measures=cv.MEASURES, percent_words=cv.percent_words, change_words=cv.change_words, band_words=BAND_WORDS,
    )
