"""The officers' views. Routes read the request, check it, call app.officer's plain query
functions and render."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from app.engine.living import today_in_london
from app.engine.reviews import record_reads
from app.exports import Table, download
from app.officer import wellbeing as wb
from app.permissions import COUNCIL_STAFF, allow

bp = Blueprint("officer", __name__)

TABLES = ("principles", "statuses", "thrive", "focuses", "lead", "overdue")


def _filters() -> tuple[wb.Filters, list, list[dict], list[str]]:
    """The window, phase and trust from the URL. A window that is not a wellbeing window is not
    found; a phase or trust nobody could choose is an error and filters nothing out."""
    windows = wb.windows()
    errors: list[dict] = []
    window_id = None
    if windows:
        window_id = windows[0].id
        asked = request.args.get("window", "")
        if asked:
            if not asked.isdigit() or int(asked) not in {w.id for w in windows}:
                abort(404)
            window_id = int(asked)
    phase = request.args.get("phase", "")
    if phase and phase not in wb.phases():
        errors.append({"text": "Choose a phase from the list", "href": "#phase"})
        phase = ""
    trust = request.args.get("trust", "")
    trusts = wb.trusts()
    if trust and trust not in trusts:
        errors.append({"text": "Choose a trust from the list", "href": "#trust"})
        trust = ""
    return wb.Filters(window_id, phase, trust), windows, errors, trusts


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
        found=found, filters=filters, windows=windows, window=window, errors=errors, error_list=errors, trusts=trusts, phases=wb.phases(),
        chart=wb.principles_chart(found), principle_rows=wb.principle_rows(found),
        rating_words=[words for _, words in found.version.ratings], action_tables=wb.action_tables(found), lead_rows=wb.lead_rows(found),
        principle_names=dict(found.version.short_names), status_names=dict(found.version.statuses), query=query,
    )
