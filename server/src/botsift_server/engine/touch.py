"""Touch strokes: whether a finger drew them, or a script interpolated them.

A finger on a screen never moves in identical steps along a ruler-straight line. Its contact
point wobbles by a pixel or so from sample to sample, a thumb swings in an arc, and a swipe
speeds up and slows down, so its steps change from one event to the next. Automation that swipes
(a loop of ``touchMove`` calls in Puppeteer, CDP's ``Input.dispatchTouchEvent``, a test driver's
swipe action) moves the touch point by one fixed step along a straight line: linear
interpolation.

A swipe may be straight; so the rule asks for both at once, over a run of :data:`RUN_STEPS`
consecutive steps of one stroke (touch start to touch end): every step of the run of the same
length to within :data:`STEP_SPREAD_PX` (whole-pixel rounding of both coordinates changes a
step by up to 1.41 px), at least :data:`MIN_STEP_PX` long, and every point within
:data:`LINE_PX` of the run's chord of :data:`MIN_CHORD_PX` or more. No finger did: none of
DELBOT's 98 phone recordings (people drawing circles with a finger, at a steady pace) has such a
run. Read as touch strokes (press to release), mouse strokes, which a device can drive at one
velocity where a finger cannot, do now and then: none of DELBOT's 823 desktop recordings, but 63
of Balabit's 8,109 windows, 62 of them one person's (user9, whose remote-desktop pointer often
advances by the same whole-pixel step, event after event). That is why the rule reads touch
strokes only, where no device moves for the finger.

Voice control and switch access can draw gestures for people who cannot swipe, and such
gestures are interpolated too, so one such stroke counts :data:`LOG_ODDS` [0] and more of them
up to [1]: on its own the finding stays below HIGH on every action.

Only ``changedTouches[0]`` is recorded per event (the web collector's choice), so the two
fingers of a pinch interleave in one stroke; they never keep one step, so they are not judged
as a swipe. A touch end's point repeats the last move's and is not a step.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from botsift_server.engine._evidence import Finding, ramp
from botsift_server.engine._state import SessionState, TouchTotals
from botsift_server.engine._types import EventColumns, EventKind

_START, _MOVE, _END = int(EventKind.TOUCH_START), int(EventKind.TOUCH_MOVE), int(EventKind.TOUCH_END)

RUN_STEPS = 10
"""Consecutive steps of one stroke judged together."""
STEP_SPREAD_PX = 1.5
"""Longest minus shortest step of a run that counts as one step length."""
MIN_STEP_PX = 2.0
"""Shortest step of a run that is judged (a resting finger's wobble is no step)."""
LINE_PX = 1.0
"""Farthest a run's point may lie from the run's chord to count as an exact line."""
MIN_CHORD_PX = 80.0
"""Shortest chord of a judged run."""
LOG_ODDS = (1.5, 2.5)
"""Log-odds for one interpolated stroke, and from three on."""
FULL_STROKES = 3


def update(state: SessionState, columns: EventColumns) -> None:
    """Fold the touch events of one batch into the session's strokes (any batching, same result)."""
    kind = columns.kind
    touch = (kind >= _START) & (kind <= _END)
    k = kind[touch]
    if k.shape[0] == 0:
        return
    totals = state.touch_totals
    # A stroke starts at a touch start, or at a move with no stroke open (the session began with a
    # finger down, or a move came after the end). Stroke 0 is the one carried from the last batch.
    ended_before = np.empty(k.shape[0], dtype=bool)
    ended_before[0] = not totals.open
    ended_before[1:] = k[:-1] == _END
    starts = (k == _START) | ((k == _MOVE) & ended_before)
    stroke = np.cumsum(starts)
    point = k != _END
    stroke = stroke[point]
    carried = len(totals.tail) if totals.open else 0
    x = np.concatenate(([p[0] for p in totals.tail[:carried]], columns.x[touch][point].astype(np.float64)))
    y = np.concatenate(([p[1] for p in totals.tail[:carried]], columns.y[touch][point].astype(np.float64)))
    stroke = np.concatenate((np.zeros(carried, dtype=stroke.dtype), stroke))
    flagged = _interpolated_strokes(x, y, stroke)
    if totals.stroke_interpolated:
        flagged.discard(0)  # counted when its run came
    totals.interpolated += len(flagged)
    # Steps per stroke; the carried stroke 0 continues its count, each new point one more step.
    # A stroke is judged once it has a run's worth of steps.
    points = np.bincount(stroke)
    steps = points - 1
    was = np.zeros_like(steps)
    if carried:
        was[0] = totals.stroke_steps
        steps[0] = totals.stroke_steps + int(points[0]) - carried
    totals.judged += int(np.count_nonzero((was < RUN_STEPS) & (steps >= RUN_STEPS)))
    # Carry the last stroke, unless the batch ended it.
    if k[-1] == _END:
        _close(totals)
        return
    last = int(stroke[-1])
    totals.open = True
    totals.stroke_steps = min(int(steps[last]), RUN_STEPS)
    totals.stroke_interpolated = last in flagged or (last == 0 and totals.stroke_interpolated)
    mine = stroke == last
    tail_x, tail_y = x[mine][-RUN_STEPS:], y[mine][-RUN_STEPS:]
    totals.tail = list(zip(tail_x.tolist(), tail_y.tolist(), strict=True))


def _close(totals: TouchTotals) -> None:
    totals.open = False
    totals.tail = []
    totals.stroke_steps = 0
    totals.stroke_interpolated = False


def _interpolated_strokes(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], stroke: npt.NDArray[np.int64]
) -> set[int]:
    """The strokes with a run of :data:`RUN_STEPS` identical steps along an exact line."""
    n = x.shape[0]
    if n <= RUN_STEPS:
        return set()
    dx = x[1:] - x[:-1]
    dy = y[1:] - y[:-1]
    length = np.sqrt(dx * dx + dy * dy)
    runs = sliding_window_view(length, RUN_STEPS)
    # Window w covers points w .. w + RUN_STEPS, all of one stroke.
    low = runs.min(axis=1)
    candidate = (
        (stroke[RUN_STEPS:] == stroke[:-RUN_STEPS])
        & (low >= MIN_STEP_PX)
        & (runs.max(axis=1) - low <= STEP_SPREAD_PX)
    )
    found: set[int] = set()
    for w in np.flatnonzero(candidate).tolist():
        if int(stroke[w]) in found:
            continue
        px = x[w : w + RUN_STEPS + 1] - x[w]
        py = y[w : w + RUN_STEPS + 1] - y[w]
        cx, cy = float(px[-1]), float(py[-1])
        chord = float(np.hypot(cx, cy))
        if chord >= MIN_CHORD_PX and float(np.abs(cx * py - cy * px).max()) <= LINE_PX * chord:
            found.add(int(stroke[w]))
    return found


def judged_strokes(state: SessionState) -> int:
    """Touch strokes long enough to be judged."""
    return state.touch_totals.judged


def findings(state: SessionState) -> list[Finding]:
    """What the session's touch strokes say."""
    totals = state.touch_totals
    if totals.interpolated == 0:
        return []
    log_odds = LOG_ODDS[0] + (LOG_ODDS[1] - LOG_ODDS[0]) * ramp(totals.interpolated, 1, FULL_STROKES)
    return [
        Finding(
            "POINTER_INTERPOLATED_SWIPE",
            f"{totals.interpolated} of {totals.judged} touch strokes advanced in identical steps along "
            "an exact straight line, as a script interpolating a swipe moves; a finger's steps "
            "change as it speeds up and slows down, and its path wobbles.",
            log_odds,
        )
    ]
