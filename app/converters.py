"""URL converters: an id in a URL is a whole number the database can hold, or the URL matches no page.

Werkzeug's own ``int`` takes any run of digits: an id beyond the database's integer range reaches
``db.session.get`` and SQLite raises OverflowError (a 500) on every page that loads an object by
id. Bounding the converter once, for every rule, turns those into a plain 404.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

# A PostgreSQL ``integer``: the widest id any of our tables hands out.
LARGEST_ID = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` limited to ASCII digits and to LARGEST_ID; beyond either the rule does not match."""

    # ASCII only: ``\\d`` also takes other scripts' digits ("٣" would be read as 3), and at most ten of
    # them, so int() never works on a long string before the range check refuses it.
    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None, signed: bool = False) -> None:
        limit = LARGEST_ID if max is None or max > LARGEST_ID else max
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=limit, signed=signed)
