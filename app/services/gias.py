"""Loading the schools register from DfE's Get Information about Schools (GIAS) extracts.

The establishment extract (edubasealldataYYYYMMDD.csv) is Windows-1252 text with about 139 columns
and 50,000 rows. It is read as a stream, one row at a time, and written in batches, so a national
file never sits in memory as Python objects. The whole import runs in one savepoint: either every
row is applied or, if any row of the chosen LA cannot be read, none is.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO

from sqlalchemy import insert, select, update

from app.extensions import db
from app.models import School, User
from app.models.schools import PHASES, STATUSES, URN_PATTERN, search_key
from app.models.types import utcnow
from app.services import uploads
from app.services.uploads import FileRefusedError, RowProblems, all_or_nothing

# Our field -> GIAS column. These must all be present in the header.
REQUIRED_COLUMNS = {
    "urn": "URN",
    "la_code": "LA (code)",
    "name": "EstablishmentName",
    "establishment_type": "TypeOfEstablishment (name)",
    "status": "EstablishmentStatus (name)",
    "phase": "PhaseOfEducation (name)",
    "statutory_low_age": "StatutoryLowAge",
    "statutory_high_age": "StatutoryHighAge",
    "trust_name": "Trusts (name)",
    "postcode": "Postcode",
}
# Read when present; older or trimmed extracts may lack them.
OPTIONAL_COLUMNS = {
    "closed_on": "CloseDate",
    "gias_nursery": "NurseryProvision (name)",
    "gias_sixth_form": "OfficialSixthForm (name)",
}
LINK_COLUMNS = {"urn": "URN", "link_urn": "LinkURN", "link_type": "LinkType"}

# The fields GIAS owns: compared on re-import, and the only ones an import writes.
GIAS_FIELDS = (
    "name",
    "search_name",
    "la_code",
    "phase",
    "establishment_type",
    "trust_name",
    "statutory_low_age",
    "statutory_high_age",
    "postcode",
    "status",
    "closed_on",
    "gias_nursery",
    "gias_sixth_form",
)
MAX_LENGTHS = {"name": 200, "establishment_type": 120, "trust_name": 200, "postcode": 10}
BATCH_SIZE = 1000


class GiasFileError(FileRefusedError):
    """The file is not a GIAS extract we can read; nothing was changed."""


@dataclass
class ImportResult(RowProblems):
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0
    skipped: int = 0
    linked: int = 0

    @property
    def applied(self) -> bool:
        return self.problem_count == 0

    @property
    def rows_written(self) -> int:
        return self.added + self.updated + self.closed



def open_csv_text(binary: IO[bytes]) -> IO[str]:
    """Text from an uploaded GIAS file (Windows-1252 unless it starts with a UTF-8 byte order mark)."""
    return uploads.open_csv_text(binary, source="GIAS", refuse=GiasFileError)


def _rows(text: IO[str], wanted: dict[str, str], optional: dict[str, str] | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {our field: raw text}) for each data row, reading only the columns we use."""
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        raise GiasFileError("The selected file is empty") from None
    positions = {name.strip(): index for index, name in enumerate(header)}
    missing = [column for column in wanted.values() if column not in positions]
    if missing:
        raise GiasFileError(
            "The selected file is not a GIAS extract: it has no "
            + ", ".join(f"‘{column}’" for column in missing[:5])
            + (" column" if len(missing) == 1 else " columns")
        )
    columns = {key: positions[column] for key, column in wanted.items()}
    columns.update({key: positions[column] for key, column in (optional or {}).items() if column in positions})
    width = max(columns.values()) + 1
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) < width:
            row = row + [""] * (width - len(row))
        yield reader.line_num, {key: row[index] for key, index in columns.items()}


def _read_csv(text: IO[str], wanted, optional=None) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        yield from _rows(text, wanted, optional)
    except UnicodeDecodeError:
        raise GiasFileError("The selected file is not Windows-1252 or UTF-8 text. Download the CSV extract from GIAS again") from None
    except csv.Error as error:
        raise GiasFileError(f"The selected file could not be read as CSV ({error})") from None


def slugify(name: str, limit: int = 50) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"['’]", "", ascii_name.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug or "school"


def _parse_age(raw: str, column: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > 25:
        raise ValueError(f"{column} is not an age in years (‘{raw[:20]}’)")
    return int(raw)


def _parse_date(raw: str) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%d-%m-%Y").date()
    except ValueError:
        raise ValueError(f"CloseDate is not a date like 31-08-2025 (‘{raw[:20]}’)") from None


def _yes_no(raw: str, yes: tuple[str, ...], no: tuple[str, ...]) -> bool | None:
    value = raw.strip().lower()
    if value in yes:
        return True
    if value in no:
        return False
    return None


def school_values(raw: dict[str, str]) -> dict:
    """Our values for one GIAS row, or ValueError saying, in an officer's words, what is wrong."""
    urn = raw["urn"].strip()
    if not URN_PATTERN.match(urn):
        raise ValueError(f"URN must be 6 or 7 digits (‘{urn[:20]}’)")
    values = {
        "urn": urn,
        "la_code": raw["la_code"].strip(),
        "name": " ".join(raw["name"].split()),
        "establishment_type": raw["establishment_type"].strip(),
        "status": raw["status"].strip(),
        "phase": raw["phase"].strip(),
        "trust_name": raw["trust_name"].strip() or None,
        "postcode": raw["postcode"].strip().upper() or None,
        "statutory_low_age": _parse_age(raw["statutory_low_age"], "StatutoryLowAge"),
        "statutory_high_age": _parse_age(raw["statutory_high_age"], "StatutoryHighAge"),
        "closed_on": _parse_date(raw.get("closed_on", "")),
        "gias_nursery": _yes_no(raw.get("gias_nursery", ""), ("has nursery classes",), ("no nursery classes",)),
        "gias_sixth_form": _yes_no(
            raw.get("gias_sixth_form", ""), ("has a sixth form",), ("does not have a sixth form",)
        ),
    }
    if not values["name"]:
        raise ValueError("EstablishmentName is missing")
    values["search_name"] = search_key(values["name"])
    if not values["establishment_type"]:
        raise ValueError("TypeOfEstablishment (name) is missing")
    if values["phase"] not in PHASES:
        raise ValueError(f"PhaseOfEducation (name) is not a GIAS phase (‘{values['phase'][:40]}’)")
    if values["status"] not in STATUSES:
        raise ValueError(f"EstablishmentStatus (name) is not a GIAS status (‘{values['status'][:40]}’)")
    if not re.fullmatch(r"\d{3}", values["la_code"]):
        raise ValueError(f"LA (code) must be 3 digits (‘{values['la_code'][:20]}’)")
    for key, limit in MAX_LENGTHS.items():
        if values[key] and len(values[key]) > limit:
            raise ValueError(f"{REQUIRED_COLUMNS[key]} is longer than {limit} characters")
    low, high = values["statutory_low_age"], values["statutory_high_age"]
    if low is not None and high is not None and low > high:
        raise ValueError(f"StatutoryLowAge ({low}) is above StatutoryHighAge ({high})")
    return values


class _Writer:
    """Collects inserts and updates and writes them a batch at a time."""

    def __init__(self):
        self.inserts: list[dict] = []
        self.updates: list[dict] = []

    def insert(self, values: dict) -> None:
        self.inserts.append(values)
        if len(self.inserts) >= BATCH_SIZE:
            self.flush_inserts()

    def update(self, values: dict) -> None:
        self.updates.append(values)
        if len(self.updates) >= BATCH_SIZE:
            self.flush_updates()

    def flush_inserts(self) -> None:
        if self.inserts:
            now = utcnow()
            for values in self.inserts:
                values.setdefault("created_at", now)
                values.setdefault("updated_at", now)
            # Core, not the ORM's bulk insert: the ORM splits a batch wherever a row's None
            # columns differ, which on PostgreSQL meant thousands of statements per 1,000 rows.
            db.session.execute(insert(School.__table__), self.inserts)
            self.inserts = []

    def flush_updates(self) -> None:
        if self.updates:
            now = utcnow()
            for values in self.updates:
                values["updated_at"] = now
            db.session.execute(update(School), self.updates)
            self.updates = []

    def finish(self) -> None:
        self.flush_inserts()
        self.flush_updates()


def import_establishments(binary: IO[bytes], la_code: str | None) -> ImportResult:
    """Upsert the schools of one LA (or, with la_code None, of every LA) by URN.

    Raises GiasFileError for a file that is not a readable GIAS extract. Returns the counts; when
    ``result.applied`` is false, rows could not be read and nothing was written.
    """
    text = open_csv_text(binary)
    result = ImportResult()
    existing: dict[str, tuple] = {
        row[0]: row[1:]
        for row in db.session.execute(select(School.urn, School.id, *(getattr(School, f) for f in GIAS_FIELDS)))
    }
    slugs: set[str] = set(db.session.scalars(select(School.slug)))
    seen: dict[str, int] = {}
    writer = _Writer()
    with all_or_nothing(text, result):
        for line, raw in _read_csv(text, REQUIRED_COLUMNS, OPTIONAL_COLUMNS):
            if la_code is not None and raw["la_code"].strip() != la_code:
                result.skipped += 1
                continue
            try:
                values = school_values(raw)
            except ValueError as problem:
                result.problem(line, raw["urn"].strip()[:10], str(problem))
                continue
            urn = values["urn"]
            if urn in seen:
                result.problem(line, urn, f"URN {urn} is also on line {seen[urn]}")
                continue
            seen[urn] = line
            if result.problem_count:
                continue  # nothing will be written: keep reading only to report every problem
            _apply(values, existing.get(urn), writer, result, slugs)
        if not result.problem_count:
            writer.finish()
    return result if result.applied else _without_counts(result)


def _without_counts(result: ImportResult) -> ImportResult:
    return ImportResult(problems=result.problems, problem_count=result.problem_count, skipped=result.skipped)


def _apply(values: dict, current: tuple | None, writer: _Writer, result: ImportResult, slugs: set[str]) -> None:
    if current is None:
        slug = slugify(values["name"])
        if slug in slugs:
            slug = f"{slug}-{values['urn']}"
        slugs.add(slug)
        writer.insert({**values, "slug": slug})
        result.added += 1
        return
    school_id, *old = current
    changes = {name: values[name] for name, before in zip(GIAS_FIELDS, old) if values[name] != before}
    if not changes:
        result.unchanged += 1
        return
    writer.update({"id": school_id, **changes})
    was_open = old[GIAS_FIELDS.index("status")] != "Closed"
    if was_open and values["status"] == "Closed":
        result.closed += 1
    else:
        result.updated += 1


class SuccessorError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def link_successor(predecessor: School, successor: School) -> int:
    """Record that ``successor`` replaced ``predecessor`` (an academy conversion, say).

    The successor inherits the predecessor's accounts; returns how many moved.
    """
    if predecessor.id == successor.id:
        raise SuccessorError("A school cannot be its own successor")
    if predecessor.status != "Closed":
        raise SuccessorError(f"{predecessor.name} is still open: only a closed school can have a successor")
    # Follow the successor's own chain so a loop (A → B → A) can never be made.
    step, hops = successor, 0
    while step.successor_id is not None and hops < 50:
        if step.successor_id == predecessor.id:
            raise SuccessorError(f"{successor.name} already leads to {predecessor.name}: that would make a loop")
        step = db.session.get(School, step.successor_id)
        hops += 1
    predecessor.successor_id = successor.id
    moved = db.session.execute(
        update(User).where(User.school_id == predecessor.id).values(school_id=successor.id)
    ).rowcount
    db.session.flush()
    return moved or 0


def import_links(binary: IO[bytes]) -> ImportResult:
    """Read a GIAS links file and record each successor link between schools on our register."""
    text = open_csv_text(binary)
    result = ImportResult()
    ids = dict(db.session.execute(select(School.urn, School.id)).all())
    with all_or_nothing(text, result):
        for line, raw in _read_csv(text, LINK_COLUMNS):
            urn, link_urn = raw["urn"].strip(), raw["link_urn"].strip()
            if not raw["link_type"].strip().lower().startswith("successor"):
                result.skipped += 1
                continue
            if not URN_PATTERN.match(urn) or not URN_PATTERN.match(link_urn):
                result.problem(line, urn[:10], "URN and LinkURN must be 6 or 7 digits")
                continue
            if urn not in ids or link_urn not in ids:
                result.skipped += 1
                continue
            predecessor = db.session.get(School, ids[urn])
            successor = db.session.get(School, ids[link_urn])
            if predecessor.successor_id == successor.id:
                result.unchanged += 1
                continue
            try:
                link_successor(predecessor, successor)
            except SuccessorError as problem:
                result.problem(line, urn, problem.message)
                continue
            result.linked += 1
    return result if result.applied else _without_counts(result)
