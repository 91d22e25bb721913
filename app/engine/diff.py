"""What changed inside a long answer, word by word: the later text with only the removed words in
<del> and only the added words in <ins>, so an officer reading a 5,000-character resubmission sees
the one sentence the school rewrote rather than two walls of text.

Words are compared with the whitespace that follows them kept on, so joining the pieces gives back
each text exactly (line breaks included); every piece is escaped with markupsafe before it is
wrapped, so HTML typed into an answer is shown, never run.

Short values (a number, a choice, a date, a few words) read better whole, as before → after: the
page does that, and word_difference says None for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from markupsafe import Markup, escape

SAME, REMOVED, ADDED = "same", "removed", "added"

# Fewer words than this, on both sides and on one line, is a short value: shown whole, before → after.
LONG_ANSWER_WORDS = 12
# Below this share of words in common a text was rewritten rather than edited: marking the few words
# that happen to match would scatter it into fragments, so it is shown whole too.
LEAST_IN_COMMON = 0.4
# A run of at most this many unchanged words between two changes is folded into them, so a
# rewritten sentence reads as one removed and one added phrase, not word-by-word confetti.
FOLD_WORDS = 2
# Above this many word pairs to consider the comparison would take too long for a page: the text is
# then shown whole. Answers are limited to 5,000 characters (about 1,000 words a side), far below.
MOST_WORD_PAIRS = 25_000_000

_TOKEN = re.compile(r"\s+|\S+\s*")


@dataclass(frozen=True)
class Piece:
    """A run of text that is the same in both versions, or removed from the earlier, or added in the later."""

    change: str  # SAME, REMOVED or ADDED
    text: str


def tokens(text: str) -> list[str]:
    """The text as words, each with the whitespace after it (leading whitespace on its own): joined, the text itself."""
    return _TOKEN.findall(text)


def _key(token: str) -> str:
    """What two words are compared by: the word, and whether a line break follows it. Spaces read
    the same on the page however many there are (and the last word of a text has none, until the
    school writes on after it); a new line does not."""
    word = token.rstrip()
    return word + ("\n" if "\n" in token[len(word):] else "")


def word_count(text: str) -> int:
    return len(text.split())


def is_long(text: str | None) -> bool:
    """An answer to compare word by word: a dozen words or more, or more than one line."""
    return bool(text) and ("\n" in text.strip() or word_count(text) >= LONG_ANSWER_WORDS)


def pieces(before: str, after: str) -> list[Piece]:
    """The two texts as runs of the same, removed and added words, in reading order (a removal
    before the addition that replaces it). Joining the SAME and ADDED pieces gives `after` back;
    joining the SAME and REMOVED ones gives `before`, spaced as `after` is where they agree."""
    old, new = tokens(before), tokens(after)
    # autojunk off: in a long answer the commonest words ("the", "and") would otherwise be ignored
    # when matching, and a one-sentence change would spread across the paragraph around it.
    matcher = SequenceMatcher(None, [_key(t) for t in old], [_key(t) for t in new], autojunk=False)
    # Each step: (removed words, added words) for a change, (earlier words, later words) for the same.
    steps: list[tuple[str, list[str], list[str]]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        steps.append((SAME if tag == "equal" else "change", old[i1:i2], new[j1:j2]))
    # Fold short unchanged runs between two changes into one change.
    folded: list[tuple[str, list[str], list[str]]] = []
    for index, step in enumerate(steps):
        kind, removed, added = step
        between_changes = 0 < index < len(steps) - 1 and steps[index - 1][0] != SAME and steps[index + 1][0] != SAME
        if kind == SAME and between_changes and len(removed) <= FOLD_WORDS:
            kind = "change"
        if kind != SAME and folded and folded[-1][0] != SAME:
            _, earlier_removed, earlier_added = folded.pop()
            removed, added = earlier_removed + removed, earlier_added + added
        folded.append((kind, removed, added))
    found: list[Piece] = []
    for kind, removed, added in folded:
        if kind == SAME:
            # The later text's own words: the same words, perhaps spaced differently.
            found.append(Piece(SAME, "".join(added)))
            continue
        if removed:
            found.append(Piece(REMOVED, "".join(removed)))
        if added:
            found.append(Piece(ADDED, "".join(added)))
    return found


def share_in_common(found: list[Piece]) -> float:
    """How much of the two texts is unchanged, from 0 (nothing) to 1 (all), by characters."""
    same = sum(len(piece.text) for piece in found if piece.change == SAME)
    removed = sum(len(piece.text) for piece in found if piece.change == REMOVED)
    added = sum(len(piece.text) for piece in found if piece.change == ADDED)
    total = 2 * same + removed + added
    return 1.0 if total == 0 else 2 * same / total


def to_html(found: list[Piece]) -> Markup:
    """The pieces as HTML: unchanged text as it is, removed text in <del>, added text in <ins>,
    every piece escaped first."""
    html = []
    for piece in found:
        text = escape(piece.text)
        if piece.change == REMOVED:
            html.append(Markup("<del>{}</del>").format(text))
        elif piece.change == ADDED:
            html.append(Markup("<ins>{}</ins>").format(text))
        else:
            html.append(text)
    return Markup("").join(html)


def word_difference(before: str | None, after: str | None) -> Markup | None:
    """The later answer with the changed words marked, when both are long texts that were edited
    rather than rewritten; None when the two are better shown whole (short values, an answer only
    one side has, a rewrite, or the same text)."""
    if not before or not after or before == after:
        return None
    if not (is_long(before) or is_long(after)):
        return None
    if len(tokens(before)) * len(tokens(after)) > MOST_WORD_PAIRS:
        return None
    found = pieces(before, after)
    if share_in_common(found) < LEAST_IN_COMMON:
        return None
    return to_html(found)
