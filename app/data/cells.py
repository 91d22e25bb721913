"""One cell of a DfE file: a number, a percentage written `45%`, a code, or nothing.

Every code DfE uses for a figure it does not publish is kept as a typed status, never as a zero,
and two codes with different meanings never share a status.
"""

from __future__ import annotations

from typing import NamedTuple

from app.models.data import ValueStatus

# The performance tables' codes (upper case) and Explore Education Statistics' symbols (lower case).
CODES: dict[str, ValueStatus] = {
    "SUPP": ValueStatus.WITHHELD,
    "c": ValueStatus.WITHHELD,
    "NE": ValueStatus.NO_ENTRIES,
    "NA": ValueStatus.NOT_APPLICABLE,
    "z": ValueStatus.NOT_APPLICABLE,
    "NP": ValueStatus.NOT_PUBLISHED,
    "x": ValueStatus.NOT_AVAILABLE,
    ":": ValueStatus.NOT_AVAILABLE,
    "LOWCOV": ValueStatus.LOW_COVERAGE,
    "u": ValueStatus.LOW_RELIABILITY,
    "low": ValueStatus.ROUNDS_TO_ZERO,
}
MAX_SHOWN = 20


class Cell(NamedTuple):
    value: float | None
    status: ValueStatus
    code: str | None


def read_cell(raw: str, unit: str, column: str) -> Cell | None:
    """The cell's value or status; None for an empty cell (nothing published, nothing stored).

    ValueError says, in words for the person importing, what is wrong with the cell.
    """
    text = raw.strip()
    if not text:
        return None
    status = CODES.get(text)
    if status is not None:
        return Cell(None, status, text)
    percent = text.endswith("%")
    number = text[:-1].strip() if percent else text
    digits = number[1:] if number[:1] in "+-" else number
    # Plain digits with at most one point (str methods, not a regular expression: this runs for every cell).
    if not digits.replace(".", "", 1).isdigit() or not digits.isascii():
        raise ValueError(f"{column} is not a number or a code DfE uses (‘{_shown(text)}’)")
    if percent and unit != "percent":
        raise ValueError(f"{column} is a percentage (‘{_shown(text)}’), but this measure is not")
    value = float(number)
    if unit == "percent" and not 0 <= value <= 100:
        raise ValueError(f"{column} is a percentage outside 0 to 100 (‘{_shown(text)}’)")
    if unit in ("count", "rate") and value < 0:
        raise ValueError(f"{column} cannot be negative (‘{_shown(text)}’)")
    return Cell(value, ValueStatus.VALUE, None)


def _shown(text: str) -> str:
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…"
