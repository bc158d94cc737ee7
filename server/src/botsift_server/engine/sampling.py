"""Pointer moves judged at the rates the engine knows: dense runs thinned to one per ``MIN_MOVE_INTERVAL_MS``.

Browsers hand a page one pointer move per display frame (60 to 240 Hz), and the web collector
keeps at most one per 16 ms (8 ms at 120 Hz). Every person and bot the engine's rules and model
were calibrated on arrived that way or slower. A stream sent from elsewhere can be far denser:
a desktop app reporting a 1,000 Hz mouse through an SDK, or a script injecting a move every
fraction of a millisecond (pyautogui, pynput, the DevTools protocol). Judged event by event,
such a stream is unlike anything calibrated: a path of one-pixel steps a fraction of a
millisecond apart hides the speed profile the rules read, and the learned model, which never saw
it, can land it among people.

So before any detector sees a batch, a mouse move that comes less than
``MIN_MOVE_INTERVAL_MS`` after the last move kept is dropped, as a browser coalesces them, when
it is part of a dense run: the move before it also came that soon after its own predecessor.
The stream is then judged as a 250 Hz device would deliver it. A lone close pair is kept: a
browser flushes its pending move before a press, a logger stamps two moves a millisecond apart,
and 99% of the close intervals of the people calibrated on (Balabit's, DELBOT's) stand alone;
dropping them would also let a millisecond of a replayer's jitter decide which of a recording's
points are judged. Moves stamped at the very instant of the one before are kept too: they come
from a coarse clock (a privacy browser's, a logger's), not a fast device. A dropped move right
before a press or release is brought back, as a browser dispatches its pending move before a
button event: the press is judged from where the pointer really was. Presses, releases,
touches and every other event are never dropped, and the session's counts still count every
event received.
"""

from __future__ import annotations

import numpy as np

from botsift_server.engine._state import MoveSampling, SessionState
from botsift_server.engine._types import EventColumns, EventKind

MIN_MOVE_INTERVAL_MS = 4.0
"""Least time between two mouse moves of a dense run the detectors see (ms): 250 Hz, the densest
delivery calibrated."""

_MOVE, _DOWN, _UP = int(EventKind.MOVE), int(EventKind.DOWN), int(EventKind.UP)


def thin_moves(state: SessionState, columns: EventColumns, moves: int) -> EventColumns:
    """``columns`` without the mouse moves of dense runs that come too soon after the last one kept.

    ``moves`` is how many moves ``columns`` holds. A move right before a press or release is
    kept, as a browser dispatches its pending move first, even when it ended the batch before
    (it is then put back in front of this batch). What the rule needs of the events before (the
    moves' times, the last kept, a dropped last event) is carried in ``state.sampling``, so the
    result does not depend on how a stream is cut into batches. Returns ``columns`` itself when
    nothing is dropped or put back.
    """
    carried = state.sampling
    held, carried.pending = carried.pending, None
    flushed = held if held is not None and int(columns.kind[0]) in (_DOWN, _UP) else None
    judged = _thin(carried, columns, None if flushed is None else flushed[0]) if moves else columns
    if flushed is None:
        return judged
    at, x, y = flushed
    if not moves:
        carried.last_judged_t_ms = at
    return EventColumns(
        t_ms=np.concatenate(([at], judged.t_ms)),
        kind=np.concatenate((np.array([_MOVE], np.uint8), judged.kind)),
        x=np.concatenate((np.array([x], np.float32), judged.x)),
        y=np.concatenate((np.array([y], np.float32), judged.y)),
        button=np.concatenate((np.zeros(1, np.uint8), judged.button)),
        key_class=np.concatenate((np.zeros(1, np.uint8), judged.key_class)),
    )


def _thin(carried: MoveSampling, columns: EventColumns, flushed_t: float | None) -> EventColumns:
    """The thinning of a batch with moves; ``flushed_t`` is the time of a held move put back."""
    kind = columns.kind
    rows = (kind == _MOVE).nonzero()[0]
    t = columns.t_ms[rows]
    # Which moves may be dropped: it and the move before it came close to their predecessors.
    # (One pass in plain Python over the batch's hundred-odd moves: cheaper than a dozen array
    # calls, and most batches have none to drop.)
    previous, was_close = carried.last_t_ms, carried.last_gap_close
    maybe: list[int] = []
    for i, at in enumerate(t.tolist()):
        close = 0.0 < at - previous < MIN_MOVE_INTERVAL_MS
        if close and was_close:
            maybe.append(i)
        previous, was_close = at, close
    carried.last_t_ms, carried.last_gap_close = previous, was_close
    if maybe:
        # ... and no press or release comes right after it.
        end = len(kind) - 1  # (a move ending the batch has nothing after it yet)
        after = kind[np.minimum(rows[maybe] + 1, end)].tolist()
        maybe = [
            i
            for i, a, row in zip(maybe, after, rows[maybe].tolist(), strict=True)
            if row == end or (a != _DOWN and a != _UP)
        ]
    if not maybe:
        carried.last_judged_t_ms = previous
        return columns
    droppable = np.zeros(t.shape[0], np.bool_)
    droppable[maybe] = True
    last = carried.last_judged_t_ms if flushed_t is None else flushed_t
    # The moves always kept set the floor each droppable one is measured from; the droppable ones
    # kept raise it in turn (one pass over them alone).
    floors = np.maximum.accumulate(np.where(droppable, -np.inf, t))
    dropped: list[int] = []
    for i, at, floor in zip(maybe, t[maybe].tolist(), floors[maybe].tolist(), strict=True):
        last = max(last, floor)
        if at - last < MIN_MOVE_INTERVAL_MS:
            dropped.append(i)
        else:
            last = at
    carried.last_judged_t_ms = max(last, float(floors[-1]))
    if not dropped:
        return columns
    keep = np.ones(len(kind), np.bool_)
    keep[rows[dropped]] = False
    last_row = int(rows[-1])
    if last_row == len(kind) - 1 and not keep[last_row]:
        carried.pending = (float(t[-1]), float(columns.x[last_row]), float(columns.y[last_row]))
    return columns.take(keep)
