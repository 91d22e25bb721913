"""One form of every text: what a person typed, however it reached the engine.

A form post sends line breaks as CRLF, an htmx autosave as LF; a paste from a word processor or a
web page can bring decomposed accents (NFD), zero-width characters and non-breaking spaces. None of
these is a difference a person can see, so none may make an unchanged answer look changed (compare),
nor make a head's own autosave look like someone else's save (the conflict check). Every string
answer is normalised once, where answers enter the engine (SectionForm, and save_section as a guard
for answers written by code), and compare normalises both snapshots (old ones are never rewritten).

The rule, in order:
- CRLF, lone CR and the Unicode line/paragraph separators (U+2028, U+2029) become LF;
- zero-width characters (U+200B, U+200C, U+200D, U+2060, U+FEFF) and the soft hyphen (U+00AD) go:
  they are invisible in a textarea and on every page that shows an answer;
- non-breaking spaces (U+00A0, U+202F narrow, U+2007 figure) become ordinary spaces. Answers are
  plain prose shown in our own pages, where nobody can see or type the difference; it arrives by
  paste (Word, web pages, macOS Option-Space), and keeping it would make "same words" compare
  different and defeat search. The only thing lost is a no-wrap hint inside a number or a name;
- Unicode NFC (composed accents: "é" as one code point, as every keyboard types it);
- surrounding whitespace stripped (as the forms always did).

Migration 0010 writes the same rule out for the drafts saved before it.
"""

from __future__ import annotations

import re
import unicodedata

_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029]")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_SPACES = {ord(c): " " for c in "\u00a0\u202f\u2007"}
_TABLE = {**_INVISIBLE, **_SPACES}


def normalise_text(value: str) -> str:
    """One text in its one form (see the module's docstring). Idempotent."""
    text = _LINE_BREAKS.sub("\n", value).translate(_TABLE)
    return unicodedata.normalize("NFC", text).strip()


def normalise_answers(value):
    """Every string in answers (dicts and lists of them, as stored), normalised; anything else as it
    is. Returns a new structure and leaves the one given unchanged."""
    if isinstance(value, str):
        return normalise_text(value)
    if isinstance(value, dict):
        return {key: normalise_answers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalise_answers(item) for item in value]
    return value
