"""The signal sent after every move on a return, inside the transaction that made it.

Receivers run before the request commits, so whatever they write (a notice queued, a living
plan's rows) commits with the move or rolls back with it. Notices subscribe (app.engine.notices),
and so may a type's own work, filtering on `ret.return_type`.

    return_moved.send(ret, action=..., user=..., reason=..., from_state=...)
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the Return; keyword arguments: action, user, reason, from_state, return_type (the
# ReturnType).
return_moved = _signals.signal("return-moved")
