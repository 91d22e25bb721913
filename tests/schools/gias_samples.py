"""Realistic GIAS extracts built in the tests: the real column set, Windows-1252."""

from __future__ import annotations

from app.services.gias_sample import GIAS_COLUMNS, gias_csv_bytes

FORMULA_NAME = '=HYPERLINK("http://evil.example","Click me")'


def row(urn, name, *, la="883", phase="Primary", kind="Academy converter", status="Open", low=4, high=11,
        trust="", postcode="FM1 1AA", close_date="", sixth_form="Does not have a sixth form", nursery="No Nursery Classes", **extra):
    values = {
        "URN": urn,
        "LA (code)": la,
        "LA (name)": "Fenmoor" if la == "883" else "Elsewhere",
        "EstablishmentName": name,
        "TypeOfEstablishment (name)": kind,
        "EstablishmentStatus (name)": status,
        "PhaseOfEducation (name)": phase,
        "StatutoryLowAge": low,
        "StatutoryHighAge": high,
        "Trusts (name)": trust,
        "Postcode": postcode,
        "CloseDate": close_date,
        "OfficialSixthForm (name)": sixth_form,
        "NurseryProvision (name)": nursery,
        "Town": "Fenmoor",
    }
    values.update(extra)
    return values


def sample_rows() -> list[dict]:
    return [
        row("880001", "St Mary's Church of England (VA) Primary School", kind="Voluntary aided school", low=3, nursery="Has Nursery Classes"),
        row("880002", "École Saint-Exupéry", kind="Free schools", trust="Fenmoor Valley Learning Trust"),
        row("880003", "Castlebrook Academy", phase="Secondary", low=11, high=18, trust="Estuary Schools Partnership",
            sixth_form="Has a sixth form", postcode="fm7 4dc"),
        row("880004", "Old Mill Infant School", kind="Community school", status="Closed", close_date="31-08-2024", high=7),
        row("880005", "Brambleside School", phase="Not applicable", kind="Community special school", low=4, high=16),
        row("880006", FORMULA_NAME, kind="Community school"),
        row("990001", "A School in Another Borough", la="884"),
    ]


def sample_file(rows=None) -> bytes:
    return gias_csv_bytes(sample_rows() if rows is None else rows)


def links_file(links: list[tuple[str, str, str]]) -> bytes:
    columns = ["URN", "LinkURN", "LinkName", "LinkType", "LinkEstablishedDate"]
    return gias_csv_bytes(
        [{"URN": a, "LinkURN": b, "LinkName": "", "LinkType": kind, "LinkEstablishedDate": "01-09-2024"} for a, b, kind in links],
        columns,
    )


__all__ = ["GIAS_COLUMNS", "FORMULA_NAME", "row", "sample_rows", "sample_file", "links_file"]
