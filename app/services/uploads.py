"""What every file upload shares: refusing a file whole, with words for the person who sent it."""

from __future__ import annotations

from dataclasses import dataclass


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
