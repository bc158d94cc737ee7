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

Measured in headless Chromium (Puppeteer's ``touchscreen.touchMove`` awaited in a loop, and CDP's
``Input.dispatchTouchEvent``): on an element that does not scroll, every move reaches the page,
one per frame, in exactly equal steps on the line (Puppeteer rounds to whole pixels: 24.17 and
25.08 px steps of a diagonal). While the page scrolls, Chromium drops up to 8 of 20 moves, and the
others' steps are the script's step or twice or three times it (through the web collector,
on a busy machine, most of them twice: the demo page's browser test): a run may hold such steps
(:data:`MAX_MULTIPLE`). Delivered as a 60 Hz page and the collector would deliver them (or at
120 Hz, the collector keeping one per 8 ms), the people's strokes above still have no such run
(Balabit's mouse strokes read as touch: 1 and 3 of 8,109 windows, all but one user9's). Not caught: a script
whose moves are not awaited (Chromium merges them into a few jumps), and CDP's
``synthesizeScrollGesture`` (no touch moves reach the page at all).

Voice control and switch access can draw gestures for people who cannot swipe, and such
gestures are interpolated too, so one such stroke counts :data:`LOG_ODDS` [0] and more of them
up to [1]: on its own the finding stays below HIGH on every action.

Only ``changedTouches[0]`` is recorded per event (the web collector's choice), so the two
fingers of a pinch interleave in one stroke; they never keep one step, so they are not judged
as a swipe. A touch end's point repeats the last move's and is not a step.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from botsift_server.engine._evidence import Finding, ramp
from botsift_server.engine._state import NO_POINTS as _NO_POINTS
from botsift_server.engine._state import SessionState, TouchTotals
from botsift_server.engine._types import EventColumns, EventKind

_START, _MOVE, _END = int(EventKind.TOUCH_START), int(EventKind.TOUCH_MOVE), int(EventKind.TOUCH_END)

RUN_STEPS = 10
"""Consecutive steps of one stroke judged together."""
STEP_SPREAD_PX = 1.5
"""Longest minus shortest step of a run that counts as one step length."""
MIN_STEP_PX = 2.0
"""Shortest step of a run that is judged (a resting finger's wobble is no step)."""
MAX_MULTIPLE = 3.0
MULTIPLE_MIN_STEP_PX = 8.0
"""A step may be up to :data:`MAX_MULTIPLE` times the run's step (moves dropped while the page
scrolled), within that many times :data:`STEP_SPREAD_PX`, if the run's step is this long or
longer (shorter ones are multiples of anything)."""
LINE_PX = 1.0
"""Farthest a run's point may lie from the run's chord to count as an exact line."""
MIN_CHORD_PX = 80.0
"""Shortest chord of a judged run."""
LOG_ODDS = (1.5, 2.5)
"""Log-odds for one interpolated stroke, and from three on."""
FULL_STROKES = 3
# How two steps of a run may compare, each one to MAX_MULTIPLE times the run's step (2:1, 3:1, 3:2).
_RATIOS = tuple(sorted({a / b for a in range(1, int(MAX_MULTIPLE) + 1) for b in range(1, a)}))


def update(state: SessionState, columns: EventColumns) -> None:
    """Fold the touch events of one batch into the session's strokes (any batching, same result)."""
    kind = columns.kind
    at = ((kind >= _START) & (kind <= _END)).nonzero()[0]
    if at.shape[0] == 0:
        return
    k = kind[at]
    totals = state.touch_totals
    # A stroke starts at a touch start, or at a move with no stroke open (the session began with a
    # finger down, or a move came after the end). Stroke 0 is the one carried from the last batch.
    ended_before = np.empty(k.shape[0], dtype=bool)
    ended_before[0] = totals.tail_x.shape[0] == 0
    ended_before[1:] = k[:-1] == _END
    starts = (k == _START) | ((k == _MOVE) & ended_before)
    point = k != _END
    stroke = starts.cumsum()[point]
    at = at[point]
    carried = totals.tail_x.shape[0]
    if carried:
        x = np.concatenate((totals.tail_x, columns.x[at]))
        y = np.concatenate((totals.tail_y, columns.y[at]))
        stroke = np.concatenate((np.zeros(carried, dtype=stroke.dtype), stroke))
    else:
        x = columns.x[at].astype(np.float64)
        y = columns.y[at].astype(np.float64)
    flagged = _interpolated_strokes(x, y, stroke)
    if totals.stroke_interpolated:
        flagged.discard(0)  # counted when its run came
    totals.interpolated += len(flagged)
    if stroke.shape[0]:
        # Steps per stroke; the carried stroke 0 goes on counting, each new point one more step.
        # A stroke is judged once it has a run's worth of steps.
        steps = np.bincount(stroke) - 1
        was = np.zeros_like(steps)
        if carried:
            was[0] = totals.stroke_steps
            steps[0] += totals.stroke_steps - carried + 1
        totals.judged += int(np.count_nonzero((was < RUN_STEPS) & (steps >= RUN_STEPS)))
    # Carry the last stroke, unless the batch ended it.
    if k[-1] == _END:
        _close(totals)
        return
    last = int(stroke[-1])
    totals.stroke_steps = min(int(steps[last]), RUN_STEPS)
    totals.stroke_interpolated = last in flagged or (last == 0 and totals.stroke_interpolated)
    first = int(np.searchsorted(stroke, last))  # strokes are numbered in order
    first = max(first, stroke.shape[0] - RUN_STEPS)
    totals.tail_x = x[first:]
    totals.tail_y = y[first:]


def _close(totals: TouchTotals) -> None:
    totals.tail_x = totals.tail_y = _NO_POINTS
    totals.stroke_steps = 0
    totals.stroke_interpolated = False


def _interpolated_strokes(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], stroke: npt.NDArray[np.int64]
) -> set[int]:
    """The strokes with a run of :data:`RUN_STEPS` identical steps along an exact line."""
    if x.shape[0] <= RUN_STEPS:
        return set()
    dx = x[1:] - x[:-1]
    dy = y[1:] - y[:-1]
    length = np.sqrt(dx * dx + dy * dy)
    # Cheap first: a run needs RUN_STEPS - 1 pairs in a row of long steps that are alike, or
    # multiples of one step (the browser dropped moves in between: 2 and 1, 3 and 1, 3 and 2).
    low = np.minimum(length[1:], length[:-1])
    high = np.maximum(length[1:], length[:-1])
    alike = np.abs(high - low) <= STEP_SPREAD_PX
    for ratio in _RATIOS:
        alike |= (np.abs(high - ratio * low) <= STEP_SPREAD_PX * ratio) & (low >= MULTIPLE_MIN_STEP_PX)
    alike &= low >= MIN_STEP_PX
    count = np.zeros(alike.shape[0] + 1, dtype=np.int64)
    alike.cumsum(out=count[1:])
    pairs = RUN_STEPS - 1
    found: set[int] = set()
    # Window w covers steps w .. w + RUN_STEPS - 1, points w .. w + RUN_STEPS.
    for w in (count[pairs:] - count[:-pairs] == pairs).nonzero()[0].tolist():
        if stroke[w] != stroke[w + RUN_STEPS] or int(stroke[w]) in found:
            continue
        if not _one_step(length[w : w + RUN_STEPS]):
            continue
        px = x[w : w + RUN_STEPS + 1] - x[w]
        py = y[w : w + RUN_STEPS + 1] - y[w]
        cx, cy = float(px[-1]), float(py[-1])
        chord = math.hypot(cx, cy)
        if chord >= MIN_CHORD_PX and float(np.abs(cx * py - cy * px).max()) <= LINE_PX * chord:
            found.add(int(stroke[w]))
    return found


def _one_step(run: npt.NDArray[np.float64]) -> bool:
    """Whether every step of ``run`` is the shortest one, or a small multiple of it (moves dropped
    in between)."""
    step = float(run.min())
    times = np.rint(run / step)
    if float(times.max()) > MAX_MULTIPLE or (float(times.max()) > 1.0 and step < MULTIPLE_MIN_STEP_PX):
        return False
    within = np.abs(run - times * step) <= STEP_SPREAD_PX * times
    return bool(within.all())


def interpolated_log_odds(state: SessionState) -> float:
    """The weight of the session's interpolated swipes (0 when there are none)."""
    totals = state.touch_totals
    if totals.interpolated == 0:
        return 0.0
    return LOG_ODDS[0] + (LOG_ODDS[1] - LOG_ODDS[0]) * ramp(totals.interpolated, 1, FULL_STROKES)


def findings(state: SessionState) -> list[Finding]:
    """What the session's touch strokes say."""
    totals = state.touch_totals
    log_odds = interpolated_log_odds(state)
    if log_odds == 0.0:
        return []
    return [
        Finding(
            "POINTER_INTERPOLATED_SWIPE",
            f"{totals.interpolated} of {totals.judged} touch strokes advanced in identical steps (or "
            "whole multiples of one) along an exact straight line, as a script interpolating a swipe "
            "moves; a finger's steps change as it speeds up and slows down, and its path wobbles.",
            log_odds,
        )
    ]
