"""Merging two people's saves of one section, answer by answer.

A section's answers are nested JSON: fields, rows of a list (each with its id), explanations. Here
they are seen flat, one value per *path* — `grade`, `priorities.<row id>.action`,
`_explanations.<query>` (the same keys compare and the answer rows use) — with each list's row ids
in order beside them. What was typed but is not valid yet (`ReturnSection.invalid`) sits at its
path too, marked, so a merge keeps it like any other answer and never mistakes it for a valid one.

A page carries a *fingerprint* of what it showed when it was loaded: a short hash of each path's
value and each list's row ids. When a save finds the section saved by someone else since, each
path is merged three ways: changed only by this person, theirs is kept; changed only by the other,
the other's is kept; changed by both to different values, it is a clash, for the person to choose.
Rows merge by id: a row added on either side is kept, a row removed on one side goes unless the
other side changed it (words are never dropped for a removal), and the order is the one side's
that changed it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from app.engine.display import ROW_ID

INVALID = "__typed__"  # the marker of a typed value that is not a valid answer
NEVER = "!"  # a fingerprint no value has: the path counts as changed by this page next time
_LONGEST_FINGERPRINT = 200_000


@dataclass(frozen=True)
class Draft:
    """Everything typed in a section (SectionForm.draft): the valid answers, apart from them each
    invalid value by its path with its message, and the values too long to keep at all."""

    answers: dict
    invalid: dict[str, dict]  # path -> {"value": [what was typed], "message": why it is not valid}
    refused: dict[str, str]  # path -> why it was not kept


@dataclass
class Flat:
    values: dict[str, object] = field(default_factory=dict)
    orders: dict[str, list[str]] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)


def flatten(answers: dict | None, invalid: dict | None = None) -> Flat:
    flat = Flat()

    def walk(prefix: str, obj: dict) -> None:
        for key, value in obj.items():
            path = f"{prefix}{key}"
            if isinstance(value, dict):
                walk(path + ".", value)
            elif isinstance(value, list) and all(isinstance(row, dict) and row.get(ROW_ID) for row in value) and (value or path not in flat.values):
                flat.orders[path] = [row[ROW_ID] for row in value]
                for row in value:
                    walk(f"{path}.{row[ROW_ID]}.", {name: item for name, item in row.items() if name != ROW_ID})
            else:
                flat.values[path] = value

    walk("", answers or {})
    for path, typed in (invalid or {}).items():
        if isinstance(typed, dict):
            flat.values[path] = {INVALID: typed.get("value")}
            flat.messages[path] = str(typed.get("message") or "")
    return flat


def unflatten(flat: Flat) -> tuple[dict, dict]:
    """The answers and the invalid values of a flat section, every list in its order."""
    answers: dict = {}
    invalid: dict = {}
    lists = sorted(flat.orders, key=len, reverse=True)

    def place(path: str, value) -> None:
        # Find the longest list path this one lies in: the next part is a row id.
        for name in lists:
            if path.startswith(name + "."):
                row_id, _, rest = path[len(name) + 1 :].partition(".")
                if row_id in flat.orders[name] and rest:
                    container = _row(answers, name, row_id)
                    _set(container, rest, value)
                return
        _set(answers, path, value)

    for name in sorted(flat.orders, key=len):
        _set(answers, name, []) if _rows_of(answers, name) is None else None
        for row_id in flat.orders[name]:
            _row(answers, name, row_id)
    for path, value in flat.values.items():
        if isinstance(value, dict) and INVALID in value:
            invalid[path] = {"value": value[INVALID], "message": flat.messages.get(path, "")}
            continue
        place(path, value)
    # Rows in their order (dicts keep insertion order; rebuild each list from its ids).
    for name in sorted(flat.orders, key=len):
        rows = _rows_of(answers, name)
        if rows is not None:
            by_id = {row[ROW_ID]: row for row in rows}
            rows[:] = [by_id[row_id] for row_id in flat.orders[name] if row_id in by_id]
    return answers, invalid


def _rows_of(answers: dict, name: str) -> list | None:
    container = answers
    parts = name.split(".")
    for part in parts[:-1]:
        container = container.get(part) if isinstance(container, dict) else None
        if container is None:
            return None
    rows = container.get(parts[-1]) if isinstance(container, dict) else None
    return rows if isinstance(rows, list) else None


def _row(answers: dict, name: str, row_id: str) -> dict:
    container = answers
    parts = name.split(".")
    for part in parts[:-1]:
        container = container.setdefault(part, {})
    rows = container.setdefault(parts[-1], [])
    if not isinstance(rows, list):
        rows = container[parts[-1]] = []
    for row in rows:
        if row.get(ROW_ID) == row_id:
            return row
    row = {ROW_ID: row_id}
    rows.append(row)
    return row


def _set(container: dict, path: str, value) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        nested = container.get(part)
        if not isinstance(nested, dict):
            nested = container[part] = {}
        container = nested
    container[parts[-1]] = value


def digest(value) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=6).hexdigest()


@dataclass(frozen=True)
class Fingerprint:
    values: dict[str, str]
    orders: dict[str, list[str]]

    def dumps(self) -> str:
        return json.dumps({"v": self.values, "o": self.orders}, separators=(",", ":"), sort_keys=True)

    @classmethod
    def of(cls, flat: Flat, *, changed: set[str] = frozenset()) -> Fingerprint:
        """What a page showing `flat` shows; the paths in `changed` count as changed by it next time."""
        return cls({path: NEVER if path in changed else digest(value) for path, value in flat.values.items()}, {name: list(ids) for name, ids in flat.orders.items()})

    @classmethod
    def loads(cls, text: str | None) -> Fingerprint | None:
        """A page's fingerprint, or None for anything that is not one (missing, too long, hostile)."""
        if not text or len(text) > _LONGEST_FINGERPRINT:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        values, orders = data.get("v"), data.get("o")
        if not isinstance(values, dict) or not isinstance(orders, dict):
            return None
        if not all(isinstance(key, str) and isinstance(value, str) for key, value in values.items()):
            return None
        if not all(isinstance(key, str) and isinstance(ids, list) and all(isinstance(item, str) for item in ids) for key, ids in orders.items()):
            return None
        return cls(values, orders)

    def value(self, path: str) -> str:
        return self.values.get(path, _NONE)


_NONE = digest(None)


@dataclass
class Merged:
    flat: Flat
    clashes: list[str]  # paths both changed, to different values
    theirs: list[str]  # paths where the other person's value was kept over what this page showed


def _same(a, b) -> bool:
    return digest(a) == digest(b)


def merge(base: Fingerprint | None, mine: Flat, theirs: Flat, *, refused: set[str] = frozenset()) -> Merged:
    """Three-way merge of `mine` (this page) and `theirs` (saved since) on `base` (what this page was
    loaded with). Without a base every difference is a clash, except rows only one side has."""
    result = Flat()
    clashes: list[str] = []
    taken: list[str] = []

    def changed(side: Flat, path: str) -> bool:
        return base is not None and digest(side.values.get(path)) != base.value(path)

    def row_paths(side: Flat, name: str, row_id: str) -> list[str]:
        prefix = f"{name}.{row_id}."
        return [path for path in side.values if path.startswith(prefix)]

    def row_changed(side: Flat, name: str, row_id: str) -> bool:
        if base is None:
            return True
        prefix = f"{name}.{row_id}."
        paths = set(row_paths(side, name, row_id)) | {path for path in base.values if path.startswith(prefix)}
        return any(changed(side, path) for path in paths)

    # Rows first: which rows stay, in which order, and which come wholly from one side.
    only: dict[str, Flat] = {}  # row path prefix -> the side its values come from
    dropped: set[str] = set()
    for name in dict.fromkeys([*mine.orders, *theirs.orders, *((base.orders) if base else {})]):
        ours, other = mine.orders.get(name, []), theirs.orders.get(name, [])
        known = base.orders.get(name) if base else None
        keep = []
        for row_id in dict.fromkeys([*ours, *other]):
            in_mine, in_theirs, in_base = row_id in ours, row_id in other, known is not None and row_id in known
            prefix = f"{name}.{row_id}."
            if in_mine and in_theirs:
                keep.append(row_id)
            elif in_mine:
                if in_base and not row_changed(mine, name, row_id):
                    dropped.add(prefix)  # they removed it and this page did not change it
                else:
                    keep.append(row_id)
                    only[prefix] = mine
            else:
                if in_base and not row_changed(theirs, name, row_id):
                    dropped.add(prefix)  # this page removed it and they did not change it
                else:
                    keep.append(row_id)
                    only[prefix] = theirs
                    if in_base:
                        taken.append(prefix.rstrip("."))
        if known is not None and ours == known:
            order = other
        elif known is not None and other == known:
            order = ours
        else:
            order = other
        kept = set(keep)
        sequence = [row_id for row_id in dict.fromkeys([*order, *ours, *other]) if row_id in kept]
        if sequence or name in mine.orders or name in theirs.orders:
            result.orders[name] = sequence

    def owner(path: str) -> Flat | None:
        for prefix, side in only.items():
            if path.startswith(prefix):
                return side
        return None

    for path in dict.fromkeys([*mine.values, *theirs.values]):
        if any(path.startswith(prefix) for prefix in dropped):
            continue
        if path in refused:
            _take(result, theirs, path)  # not kept from this page: what is saved stays
            continue
        side = owner(path)
        if side is not None:
            _take(result, side, path)
            continue
        ours, other = mine.values.get(path), theirs.values.get(path)
        if _same(ours, other):
            _take(result, mine, path)
        elif base is not None and not changed(mine, path):
            _take(result, theirs, path)
            taken.append(path)
        elif base is not None and not changed(theirs, path):
            _take(result, mine, path)
        else:
            clashes.append(path)
            _take(result, theirs, path)  # until the person chooses
    return Merged(result, clashes, taken)


def _take(result: Flat, side: Flat, path: str) -> None:
    if path in side.values:
        result.values[path] = side.values[path]
        if path in side.messages:
            result.messages[path] = side.messages[path]
