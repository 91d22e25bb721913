"""What every file upload shares: refusing a file whole, with words for the person who sent it."""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

from app.extensions import db

SNIFF_BYTES = 64 * 1024


class FileRefusedError(Exception):
    """The file as a whole cannot be used; nothing was changed. ``message`` goes beside the upload field."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RowProblem:
    """One row of an uploaded file that cannot be used: its line number and why (and a URN if it has one)."""

    line: int
    reason: str
    urn: str = ""


# How many refused rows an import lists; it counts them all.
MAX_PROBLEMS_SHOWN = 20


@dataclass
class RowProblems:
    """The refused rows of an import: every one counted, the first MAX_PROBLEMS_SHOWN kept to list."""

    problems: list[RowProblem] = field(default_factory=list)
    problem_count: int = 0

    def problem(self, line: int, urn: str, reason: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_SHOWN:
            self.problems.append(RowProblem(line, reason, urn))


def open_csv_text(
    binary: IO[bytes], *, source: str, refuse: type[FileRefusedError] = FileRefusedError, fallback: str = "cp1252"
) -> IO[str]:
    """Text from an uploaded file, refusing what is plainly not a CSV before reading any of it.

    ``source`` names where the file should come from, in the refusal ("Download the CSV from ``source``
    again"). UTF-8 with a byte order mark is read as UTF-8; otherwise ``fallback`` ("sniff" reads the
    first 64 KB as UTF-8 and falls back to Windows-1252 if that fails).
    """
    head = binary.read(SNIFF_BYTES)
    binary.seek(0)
    if not head.strip():
        raise refuse("The selected file is empty")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (len(head) > 1 and head[1:2] == b"\x00"):
        raise refuse(f"The selected file is UTF-16 text. Download the CSV from {source} again")
    if head.startswith(b"PK\x03\x04"):
        raise refuse(f"The selected file is a spreadsheet (.xlsx), not a CSV. Download the CSV from {source}")
    if b"\x00" in head:
        raise refuse("The selected file is not a CSV file")
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif fallback == "sniff":
        encoding = "utf-8" if _is_utf8(head) else "cp1252"
    else:
        encoding = fallback
    return io.TextIOWrapper(binary, encoding=encoding, errors="strict", newline="")


def _is_utf8(head: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head)  # a character cut at 64 KB is not an error
    except UnicodeDecodeError:
        return False
    return True


@contextmanager
def all_or_nothing(text: IO[str], result: RowProblems) -> Iterator[None]:
    """One savepoint around a whole import: kept only if no row had a problem and nothing raised.
    The uploaded file's text wrapper is detached at the end, so the upload itself stays open."""
    savepoint = db.session.begin_nested()
    try:
        yield
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    else:
        if result.problem_count:
            savepoint.rollback()
        else:
            savepoint.commit()
    finally:
        text.detach()
