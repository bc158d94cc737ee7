"""Cutting sessions into single movements, the unit a pointer check on one click judges.

A bot's login session has three movements (to the user name field, the password field and the
button); a person's Balabit recording has thousands. Cut both the same way — pointer events
only, from the previous button release to a click's release, as the Balabit movements importer
does — and a single movement of a bot is judged against a single movement of a person.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from botsift_server.engine import EventKind
from botsift_server.evaluation._archive import cut
from botsift_server.evaluation._import_mouse import movement_bounds
from botsift_server.evaluation._traces import Trace

_POINTER = np.array([int(EventKind.MOVE), int(EventKind.DOWN), int(EventKind.UP)], np.uint8)
MIN_MOVEMENT_EVENTS = 3
"""Movements with fewer events (a click with one move before it) are dropped, as for Balabit."""


def movements(traces: Iterable[Trace]) -> Iterator[Trace]:
    """Each movement between clicks of ``traces`` as a trace of its own.

    A movement keeps its session's label, person, device and action; its source gets
    ``/movements`` appended and its session id ``/m<n>``. Traces without clicks give nothing.
    """
    for trace in traces:
        ev = trace.events
        keep = np.isin(ev.kind, _POINTER)
        if not keep.any():
            continue
        pointer = ev.take(keep)
        for number, (start, stop) in enumerate(movement_bounds(pointer)):
            if stop - start < MIN_MOVEMENT_EVENTS:
                continue
            yield Trace(
                session_id=f"{trace.session_id}/m{number}",
                events=cut(pointer, start, stop),
                label=trace.label,
                source=f"{trace.source}/movements" if trace.source else "movements",
                person=trace.person,
                device=trace.device,
                action=trace.action,
            )
