"""Pointer dynamics: how the mouse moves between pauses and clicks.

People move in curved, ballistic strokes: they speed up, then slow down onto the target, with
uneven event intervals, and a far target takes them only a little longer than a near one (Fitts'
law). Simple automation draws straight lines at constant speed (so its movement time grows in
proportion to distance), posts events on a fixed timer, jumps between far points, or clicks
where the pointer never went. Each of these is evidence (log-odds), graded rather than a yes/no,
and human-looking strokes count the other way.

Keyboard pointer control (Mouse Keys), which people who cannot use a mouse rely on, moves the
pointer in straight lines along the screen's axes and diagonals on a timer, as a script might. It
is recognised (:func:`~botsift_server.engine.pointer_steps.keyboard_steered`) and its strokes
are not judged at all: neither for the person nor against them.

Touch strokes are judged for one thing only, by :mod:`~botsift_server.engine.touch`: identical
steps along an exact line, as a script interpolates a swipe (a finger's swipe may be straight,
but never both).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from botsift_server.engine import touch
from botsift_server.engine._config import EngineConfig
from botsift_server.engine._evidence import (
    Evidence,
    Finding,
    clock_step_ms,
    count_log_odds,
    cv,
    mean,
    median,
    ramp,
    reads_shared_ticks,
    share_log_odds,
    std,
    unit,
)
from botsift_server.engine._state import PointerTotals, SessionState
from botsift_server.engine._types import EventColumns, EventKind
from botsift_server.engine.features import POINTER_MODEL_INDEX as MODEL_FEATURE_INDEX
from botsift_server.engine.learned import TreeModel
from botsift_server.engine.model_evidence import model_findings
from botsift_server.engine.pointer_clicks import (
    IN_MOTION_MS,
    IN_MOTION_PX_PER_MS,
    click_findings,
    fold_clicks,
)
from botsift_server.engine.pointer_features import pointer_features
from botsift_server.engine.pointer_steps import PointerWindow, Steps, seg_runs

DETECTOR = "pointer"
KEYBOARD_CONTROL = "POINTER_KEYBOARD_CONTROL"
"""The finding that says keyboard pointer control moved the pointer (its strokes not judged)."""

_DOWN, _UP = int(EventKind.DOWN), int(EventKind.UP)

# Segments shorter than this say nothing about path shape.
MIN_SEGMENT_STEPS = 4
MIN_SEGMENT_PX = 50.0
# A stroke's speed profile (constant or varied) is read over windows of at least this long, a
# display frame: at a high sampling rate a step is a pixel or two, and whole-pixel rounding alone
# makes step-by-step speeds vary by a third, hiding a script's even pace (pyHM's path at 250 Hz:
# median speed CV 0.52 by step, 0.13 by window). People's speeds vary as much either way
# (Balabit's, DELBOT's: 1st percentile 0.34 and 0.28 by step, 0.34 and 0.24 by window).
SPEED_WINDOW_MS = 16.0
SPEED_MIN_WINDOWS = 3
"""Fewer windows than this (a stroke under ~50 ms) and the speeds are read step by step."""
UNLIKE_PEOPLE = "POINTER_UNLIKE_PEOPLE"
UNLIKE_MIN_STEPS = 12
"""Fewest steps whose features are judged against the range of the model's training people: a
straight movement of five steps turns by nothing at all, beyond the people's 0.1th percentile
(eval-part Balabit movements with two features outside it: 186 of 17,098, 47 from 12 steps)."""
COARSE_CLOCK_MODEL_SHARE = 0.5
"""What the learned model's findings count where moves share the readings of a coarse clock:
through a 60 Hz page and a 100 ms clock, Balabit's densely recorded eval-part people at 0.5 or
more fell from 14 to 1 (the bots' rows of `make eval-targets` did not move)."""
# A stroke of this many steps, off the screen's axes (a hand pinned against a screen edge moves
# in a perfect line) and off their diagonals (keyboard pointer control for people who cannot use
# a mouse, such as Windows Mouse Keys, moves along those eight directions), whose every point lies
# within EXACT_LINE_PX of its chord was drawn with a ruler. Such strokes of 150 px or more: one in
# ~2,500 of people's (Balabit, DELBOT); of 60 px or more: one in ~600, never two in one session.
# A stroke counts from 60 px, fully from 150 px.
EXACT_LINE_MIN_PX = 60.0
EXACT_LINE_FULL_PX = 150.0
EXACT_LINE_MIN_STEPS = 5
EXACT_LINE_PX = 1.0
EXACT_LINE_MIN_AXIS_DEG = 5.0
EXACT_LINE_MIN_DIAGONAL_DEG = 2.0
# A path walked by steps: a script that moves the pointer a fixed distance per tick of its loop
# (`for p in path: move(p); sleep(dt)`) keeps the step when the time between events changes (its
# sleep overran, the browser merged or delayed a frame), while a hand's displacement is speed x
# elapsed time, so a step grows and shrinks with its interval. Judged over consecutive steps of
# STEADY_MIN_PX or more in one stroke, at least STEADY_MIN_PAIRS of them, two ways:
# - steps that keep their length across changes of interval: STEADY_RETIMED_MIN or more pairs follow
#   an interval that changed by a factor of exp(STEADY_RETIMED_LOG) (35%) or more, the step changed
#   little across those (median change of log length below 0.12, fully below 0.06) and little
#   overall (below 0.10, fully below 0.05); STEADY_LOG_ODDS at full strength;
# - steps of one length over many pairs whatever the timer did (a steadier loop, or one whose
#   overruns are rarer): median change of log length below EVEN_STEPS_CHANGE[0], fully below [1],
#   counted fully from EVEN_STEPS_FULL_PAIRS pairs; EVEN_STEPS_LOG_ODDS at full strength. A hand
#   speeds up and slows down, so its consecutive steps differ by a seventh or more at the median
#   (10th percentile of people's sessions, by dataset: 0.13-0.32 as a change of log length; DELBOT's
#   pynput bot: 0.07 at its median). Where whole-pixel
#   rounding dominates a step (steps under ~15 px change by up to 10% from rounding alone) this
#   cannot tell a loop from a hand and stays quiet.
# Over remote desktop and in virtual machines, timestamps are arrival times that steps do not follow
# either, but there steps vary a lot. Sessions with the finding (with a weight of 1 or more), as
# recorded: Balabit's 8,109 windows and 63,122 single movements 16 (1), 1,200 composite people 2 (1),
# 921 DELBOT recordings 2 (2); as a 60 Hz page and the web collector deliver them 5 (0), 1 (1), 1 (0).
# DELBOT's pynput bot (a real tool, never trained on; both ways were drawn from its failures, so it
# is no clean measurement of them): 40% of its 408 sessions (24% with the first way alone);
# Puppeteer-style stepped moves (held-out cdp-steps): 99%.
STEADY_MIN_PX = 2.0
STEADY_MIN_PAIRS = 15
STEADY_RETIMED_LOG = 0.3
STEADY_RETIMED_MIN = 4
STEADY_RETIMED_FULL = 8
STEADY_LOG_ODDS = 2.0
EVEN_STEPS_CHANGE = (0.07, 0.04)
EVEN_STEPS_FULL_PAIRS = 30
EVEN_STEPS_LOG_ODDS = 1.5
# Jitter: noise added to a path (a replayed recording's +-1 px, a generator's wobble) shows where the
# pointer moves slowly, as consecutive small steps milliseconds apart that point back and forth. A
# hand moving slowly keeps its direction: a reversal between two events that close would be an
# oscillation of 25 Hz or more, past any tremor, and a mouse at rest sends nothing. Judged over pairs
# of consecutive steps of one stroke, both shorter than JITTER_MAX_STEP_PX (and moving) and both
# under JITTER_MAX_DT_MS (and timed); a pair reverses when its steps point more than 90 degrees
# apart. Counted from a share of JITTER_SHARE[0] reversing, fully at [1], and from JITTER_COUNT[0]
# reversals, fully at [1]. People's pairs reverse 0.0-0.3% of the time (Balabit's windows, DELBOT's
# recordings, composite sessions; none of their 21,275 sessions and movements has the finding at 1
# or more, as recorded or as a 60 Hz page delivers them), the replay bots' 44-50%. A hovering pen,
# or an eye or head tracker steering the pointer, may jitter too (no recording of either was at
# hand): JITTER_LOG_ODDS stays below what takes a session to HIGH on its own, even at a login's
# thresholds.
JITTER_MAX_STEP_PX = 3.0
JITTER_MAX_DT_MS = 40.0
JITTER_MIN_PAIRS = 3
JITTER_SHARE = (0.05, 0.15)
JITTER_COUNT = (2.0, 8.0)
JITTER_LOG_ODDS = 2.0
# Noise in proportion to speed (a generator's "signal-dependent noise", tens of pixels at speed)
# shows where the pointer moves fast, as consecutive long steps that turn back. Judged over pairs of
# consecutive steps of one stroke, both at least JITTER_FAST_MIN_STEP_PX long and timed, that span
# JITTER_FAST_MAX_MS or less together; a pair turns back when its steps point more than 120 degrees
# apart (cosine under JITTER_FAST_TURN_COS). The pointer then swung several pixels out and back
# within 50 ms: an oscillation of 10 Hz or more at that size, which no hand swings (a tremor's is
# well under a pixel). Counted from a share of JITTER_FAST_SHARE[0] of those pairs turning back,
# fully at [1], and from JITTER_FAST_COUNT[0] of them, fully at [1]. People: 5 of 71,231 Balabit
# windows and movements count at all (their 110 ms logger writing two readings close together, at
# most 0.8 of full strength), 1 of 1,200 composite sessions (0.37), none of DELBOT's recordings;
# nothingtoseehere's sessions 20 such turns at the median, 45% of their pairs. Either kind of
# jitter is one finding, as strong as the stronger, so the two never add up to HIGH on their own.
JITTER_FAST_MIN_STEP_PX = 8.0
JITTER_FAST_MAX_MS = 50.0
JITTER_FAST_TURN_COS = -0.5
JITTER_FAST_SHARE = (0.10, 0.25)
JITTER_FAST_COUNT = (3.0, 8.0)
# Aimed hand movements brake longer than they accelerate: a stroke's speed peaks before the middle
# of its duration (per stroke of 100 px or more, Balabit's people: median at 27%, 10th-90th
# percentile 5-70%; 15% of strokes peak within the middle band). Generators that ease a stroke
# with a symmetric profile (minimum jerk, ease-in-out) put the peak in the middle every time.
# Judged over strokes of SYMMETRIC_MIN_STEPS timed steps and SYMMETRIC_MIN_PX or more: two or
# more, at least SYMMETRIC_MIN_SHARE of them, peaking in the band. People: 0.2-0.3% of sessions
# (Balabit windows, composite people, DELBOT); the held-out minimum-jerk bot: 49%.
SYMMETRIC_MIN_STEPS = 8
SYMMETRIC_MIN_PX = 100.0
SYMMETRIC_BAND = (0.42, 0.58)
SYMMETRIC_MIN_SHARE = 0.8
# Log-odds for two such strokes, and for three or more.
SYMMETRIC_LOG_ODDS = (1.5, 2.5)
# Fitts' law: the time of an aimed movement grows with the logarithm of its distance (a person
# covers twice the distance in well under twice the time: d log(time) / d log(distance) is 0.27
# at the median of Balabit's people, 0.95 at their 95th percentile, and scattered). A script that
# moves at one speed takes time in proportion to distance, on a tight line. Judged over the
# approaches to AIM_MIN clicks or more (the moves just before each click, AIM_MIN_PX or longer),
# whose distances span a factor of two or more.
AIM_MIN = 3
AIM_MIN_PX = 40.0
AIM_MIN_MOVES = 4
AIM_MAX_REST_MS = 500.0
AIM_MIN_LOG_RANGE = 0.7
# An aimed movement brakes into its target: nobody lands a click on a field at full speed. Over
# the approaches to clicks (as for Fitts' law; here one is enough), the last ARRIVAL_PATH_SHARE of
# the path takes a larger share of the time than of the path: Balabit's people spend 35% of an
# approach's time on its last 10% of path at the median (an arrival of 3.5); 0.8% of their 38,700
# approaches are below 0.7, 0.03% below 0.35. A path walked at an even pace of a curve's
# parameter (Bezier curves, splines) keeps its speed to the end, or speeds up. An approach counts
# from an arrival of ARRIVAL_AT_SPEED[0], fully from [1]; the finding needs such approaches to be
# a share of the session's (from ARRIVAL_MIN_SHARE[0], fully from [1]), so the odd quick click
# among a person's many braking ones is not held against them. Log-odds: ARRIVAL_LOG_ODDS[0] for
# one approach at full strength, up to [1] more for a second. Not judged on a rounded clock.
# Sessions with the finding (with a weight of 1 or more): Balabit single movements 0.39% (0.21%),
# Balabit windows 0.57% (0.14%), composite people 0.5% (0.08%), DELBOT 0.03% (0); the oxymouse
# library (never trained on) bezier 83% (63%), gaussian 99% (99%) of its login sessions.
ARRIVAL_PATH_SHARE = 0.1
ARRIVAL_AT_SPEED = (0.7, 0.35)
ARRIVAL_MIN_SHARE = (0.15, 0.4)
ARRIVAL_LOG_ODDS = (2.0, 1.0)
# A hand cannot move a mouse that fast: an aimed movement of 500 px takes a person 150 ms or more
# (Fitts' law; a gamer's flick is about that), where a script that sends a path's points back to
# back (a library that never sleeps between them, Puppeteer's `mouse.move(x, y, {steps})`) covers
# it in a few milliseconds. Over the approaches to clicks (as for Fitts' law), an approach of
# SUPERHUMAN_MIN_PX or more counts from an average speed of SUPERHUMAN_PX_PER_MS[0], fully from
# [1] (a 4K screen crossed in 130 ms, and in 65 ms); one at full strength gives
# SUPERHUMAN_LOG_ODDS[0], a second up to [1] more. People's fastest approaches: 8.9 px/ms over
# Balabit's 38,705 single movements (696 px in 78 ms), under 5 px/ms in Balabit's and DELBOT's
# other recordings and the composite people. Faster ones come only where moves share the
# readings of a coarse clock, as over remote desktop, where a burst of moves is read at one tick
# and the approach seems to take only the time between two ticks (Balabit's user21: 442 px "in"
# 15 ms, its moves read at two times): an approach is judged only when its moves (as the engine
# keeps them, see :mod:`sampling`) were read at SUPERHUMAN_MIN_READINGS distinct times or more.
SUPERHUMAN_MIN_PX = 100.0
SUPERHUMAN_PX_PER_MS = (30.0, 60.0)
SUPERHUMAN_MIN_READINGS = 3
SUPERHUMAN_LOG_ODDS = (2.0, 1.0)
# Presses in motion (see pointer_clicks.IN_MOTION_MS): judged when they are a share of the
# presses after a move (from IN_MOTION_MIN_SHARE[0], fully from [1]); IN_MOTION_LOG_ODDS[0]
# for one, up to [1] more for a second.
IN_MOTION_MIN_SHARE = (0.25, 0.5)
IN_MOTION_LOG_ODDS = (1.5, 1.0)
# The learned model judges from this many movement steps, fully from MODEL_FULL_STEPS. It was
# trained and calibrated on movements as short as 4 events, so its output already carries the
# doubt of a short movement; the ramp only keeps a twitch of a few steps from counting fully.
# (Ramping to 15 steps discounted short movements twice: Balabit single movements against DELBOT
# pynput, AUC 0.87 with it, 0.92 without.)
MODEL_MIN_STEPS = 4
MODEL_FULL_STEPS = 6


def update(state: SessionState, columns: EventColumns, moves: int, downs: int, touches: int) -> None:
    """Fold the mouse events of one batch into the session's window and whole-session totals.

    ``moves``, ``downs`` and ``touches`` are the batch's counts of MOVE, DOWN and touch events.
    Vectorised per batch; the totals depend only on each event and the one before it, carried
    across batches, so they do not depend on how events were batched.
    """
    kind = columns.kind
    mouse = kind <= _UP  # kinds are valid EventKind values, so this is MOVE, DOWN or UP
    t = columns.t_ms[mouse]
    x32 = columns.x[mouse]
    y32 = columns.y[mouse]
    k = kind[mouse]
    state.pointer_window.extend(t, x32, y32, k)

    totals = state.pointer_totals
    n = t.shape[0]
    # Step i runs from the event before batch event i (carried from the last batch) to event i.
    dx = np.empty(n)
    dy = np.empty(n)
    dt = np.empty(n)
    dx[1:] = x32[1:] - x32[:-1]
    dy[1:] = y32[1:] - y32[:-1]
    dt[1:] = t[1:] - t[:-1]
    if totals.has_last:
        dx[0] = float(x32[0]) - totals.last_x
        dy[0] = float(y32[0]) - totals.last_y
        dt[0] = float(t[0]) - totals.last_t_ms
    else:
        dx[0] = dy[0] = dt[0] = 0.0  # no step: the first event of a session came from nowhere
    dist2 = dx * dx + dy * dy
    totals.moves += moves
    fold_clicks(state, totals, kind, mouse, t, k, dist2, dt, moves=moves, downs=downs, touches=touches)
    totals.has_last = True
    totals.last_t_ms = float(t[-1])
    totals.last_x = float(x32[-1])
    totals.last_y = float(y32[-1])


def assess(
    state: SessionState,
    config: EngineConfig,
    model: TreeModel | None = None,
    window: PointerWindow | None = None,
) -> Evidence:
    """Judge the mouse movement of the session (latest window plus whole-session totals).

    With a learned ``model``, its grouped findings join the rules' (scaled up from nothing over
    the first few movement steps, so a twitch is not judged). ``window`` is the session's
    :class:`PointerWindow` when the caller already has it.
    """
    totals = state.pointer_totals
    if window is None:
        window = PointerWindow.of(state, config.segment_gap_ms)
    t, x, y, k = window.t, window.x, window.y, window.k
    findings: list[Finding] = []
    move_steps = 0  # steps whose shape and timing were judged
    seen_steps = 0
    coarse_clock = clock_step_ms(t) > 0.0
    if t.shape[0] >= 3:
        with np.errstate(all="ignore"):
            # One pass over the window's steps serves the rules and the model's features.
            steps = window.steps()
            seen_steps = steps.n
            # Moves sharing the readings of a coarse clock (a privacy browser's 100 ms): their
            # gaps and speeds are the clock's.
            shared_ticks = reads_shared_ticks(steps.dt)
            if window.keyboard_steered():
                # The system draws these strokes, not a hand: their shape and timing say nothing
                # about who steers them. Jumps and clicks are still judged.
                findings.append(
                    Finding(
                        KEYBOARD_CONTROL,
                        "The pointer moves only along the screen's axes and diagonals, as keyboard "
                        "pointer control (Mouse Keys) moves it; the shape and timing of its strokes "
                        "are not judged.",
                        0.0,
                    )
                )
            else:
                move_steps = steps.n
                findings.extend(_movement(steps, shared_ticks))
                distance, duration, arrival, measurable = _aims(window)
                findings.extend(_fitts(distance, duration))
                findings.extend(_superhuman(distance[measurable], duration[measurable]))
                at_speed = _arrival(arrival)
                findings.extend(at_speed)
                findings.extend(_in_motion(totals, coarse_clock, sum(f.log_odds for f in at_speed)))
            if model is not None and move_steps >= MODEL_MIN_STEPS:
                features = pointer_features(t, x, y, k, config.segment_gap_ms, steps)[MODEL_FEATURE_INDEX]
                strength = ramp(move_steps, MODEL_MIN_STEPS - 1, MODEL_FULL_STEPS)
                if shared_ticks:
                    # Trained on moves timed to the millisecond: where moves share the readings of
                    # a coarse clock (a privacy browser's 100 ms), the times it reads speeds and
                    # pauses from are the clock's, and its word counts half.
                    strength *= COARSE_CLOCK_MODEL_SHARE
                # Whether the features lie outside the training people's range is not judged on
                # a coarse clock, whose times put 40% of people there (a privacy browser's 100
                # ms), nor for a few steps, whose features are extreme by chance.
                judged = move_steps >= UNLIKE_MIN_STEPS and not coarse_clock
                unlike = UNLIKE_PEOPLE if judged else None
                findings.extend(model_findings(model, features, strength, unlike))
    findings.extend(click_findings(state, coarse_clock=coarse_clock))
    findings.extend(touch.findings(state))
    # Movement only checked for jumps (keyboard pointer control) counts as much as clicks do, and
    # so do touch strokes (checked for interpolation only).
    confidence = max(
        ramp(move_steps, 0, 100),
        0.5 * ramp(seen_steps, 0, 100),
        0.5 * ramp(totals.clicks, 0, 5),
        0.5 * ramp(state.touch_totals.judged, 0, 5),
    )
    return Evidence(DETECTOR, tuple(findings), confidence)


def _exact_lines(
    steps: Steps,
    count: npt.NDArray[np.float64],
    chord_x: npt.NDArray[np.float64],
    chord_y: npt.NDArray[np.float64],
    chord: npt.NDArray[np.float64],
) -> tuple[int, float]:
    """How many off-axis segments of ``EXACT_LINE_MIN_PX`` or more keep every point within
    ``EXACT_LINE_PX`` of their chord, and their evidence (each up to 1, by length). ``count``
    and the chord (its vector and length) are per segment number, as :func:`_movement` has them."""
    if not np.count_nonzero((chord >= EXACT_LINE_MIN_PX) & (count >= EXACT_LINE_MIN_STEPS)):
        return 0, 0.0
    seg = steps.seg  # segment numbers rise but may skip (a click between two runs)
    first, _, run = seg_runs(seg)
    ids = seg[first]
    cx, cy, length = chord_x[ids], chord_y[ids], chord[ids]
    angle = np.degrees(np.arctan2(np.abs(cy), np.abs(cx)))
    off_axis = (np.minimum(angle, 90.0 - angle) >= EXACT_LINE_MIN_AXIS_DEG) & (
        np.abs(angle - 45.0) >= EXACT_LINE_MIN_DIAGONAL_DEG
    )
    judged = (length >= EXACT_LINE_MIN_PX) & (count[ids] >= EXACT_LINE_MIN_STEPS) & off_axis
    if not np.count_nonzero(judged):
        return 0, 0.0
    # Each step's end point relative to its segment's start, and its distance from the chord.
    sx, sy = steps.dx.cumsum(), steps.dy.cumsum()
    px = sx - (sx[first] - steps.dx[first])[run]
    py = sy - (sy[first] - steps.dy[first])[run]
    deviation = np.abs(px * cy[run] - py * cx[run]) / np.maximum(length, 1e-9)[run]
    worst = np.maximum.reduceat(deviation, first)
    exact = judged & (worst <= EXACT_LINE_PX)
    return int(np.count_nonzero(exact)), float(np.minimum(length[exact] / EXACT_LINE_FULL_PX, 1.0).sum())


def _aims(
    window: PointerWindow,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Each approach to a click: the run of moves (no pause over the segment gap, no click
    between) that ends at most ``AIM_MAX_REST_MS`` before the press, from its first move to the
    press's position (the first press, for a double click). Returns each approach's distance
    (px), duration (ms), arrival: the share of its duration spent on the last
    :data:`ARRIVAL_PATH_SHARE` of its path, divided by that share (1 at one steady speed, above 1
    when it slows down towards the end), and whether its moves were read at enough distinct times to
    measure its speed by (see :data:`SUPERHUMAN_MIN_READINGS`)."""
    t, x, y, k = window.t, window.x, window.y, window.k
    downs = (k == _DOWN).nonzero()[0]
    none, no = np.zeros(0), np.zeros(0, np.bool_)
    if downs.shape[0] == 0:
        return none, none, none, no
    moves, starts = window.runs()
    if moves.shape[0] < AIM_MIN_MOVES:
        return none, none, none, no
    tm = t[moves]
    run_start = np.maximum.accumulate(np.where(starts, np.arange(moves.shape[0]), 0))
    last = moves.searchsorted(downs) - 1  # each press's last move before it
    ok = last >= 0
    downs, last = downs[ok], last[ok]
    first = run_start[last]
    ok = (t[downs] - tm[last] <= AIM_MAX_REST_MS) & (last - first + 1 >= AIM_MIN_MOVES)
    # A double click presses twice after one approach: the approach counts once, to its first press.
    ok[1:] &= last[1:] != last[:-1]
    downs, last, first = downs[ok], last[ok], first[ok]
    distance = np.hypot(x[downs] - x[moves[first]], y[downs] - y[moves[first]])
    duration = tm[last] - tm[first]
    ok = (distance >= AIM_MIN_PX) & (duration > 0.0)
    if not np.count_nonzero(ok):
        return none, none, none, no
    first, last, duration = first[ok], last[ok], duration[ok]
    # Path length along the moves; where each approach has its last share of path still to go,
    # and when it got there (linear within the step that crosses it).
    xm, ym = x[moves], y[moves]
    path = np.zeros(moves.shape[0])
    path[1:] = np.hypot(xm[1:] - xm[:-1], ym[1:] - ym[:-1]).cumsum()
    mark = path[last] - ARRIVAL_PATH_SHARE * (path[last] - path[first])
    cross = np.maximum(path.searchsorted(mark, side="left"), first + 1)
    before = cross - 1
    share = (mark - path[before]) / np.maximum(path[cross] - path[before], 1e-9)
    when = tm[before] + share * (tm[cross] - tm[before])
    arrival = (tm[last] - when) / duration / ARRIVAL_PATH_SHARE
    if arrival.min(initial=np.inf) < ARRIVAL_AT_SPEED[0] and clock_step_ms(tm) > 0.0:
        # A rounded clock gives the last events of an approach one time: no speed to judge.
        arrival = np.full_like(arrival, np.nan)
    return distance[ok], duration, arrival, _speed_measurable(tm, first, last)


def _speed_measurable(
    tm: npt.NDArray[np.float64], first: npt.NDArray[np.intp], last: npt.NDArray[np.intp]
) -> npt.NDArray[np.bool_]:
    """Whether the moves ``first``..``last`` (of times ``tm``) of each approach were read at
    :data:`SUPERHUMAN_MIN_READINGS` distinct times or more."""
    readings = np.zeros(tm.shape[0], np.intp)
    readings[1:] = np.cumsum(tm[1:] > tm[:-1])
    measurable: npt.NDArray[np.bool_] = readings[last] - readings[first] + 1 >= SUPERHUMAN_MIN_READINGS
    return measurable


def _superhuman(distance: npt.NDArray[np.float64], duration: npt.NDArray[np.float64]) -> list[Finding]:
    """Approaches to clicks (those whose speed can be measured) faster than a hand moves a mouse
    (see :data:`SUPERHUMAN_PX_PER_MS`)."""
    far = distance >= SUPERHUMAN_MIN_PX
    if not np.count_nonzero(far):
        return []
    speed = distance[far] / duration[far]
    lo, hi = SUPERHUMAN_PX_PER_MS
    strong = float(unit((speed - lo) / (hi - lo)).sum())
    # Any one such approach is evidence: no share of the session's approaches is asked for.
    log_odds = count_log_odds(strong, speed.shape[0], (0.0, 0.0), SUPERHUMAN_LOG_ODDS)
    if log_odds <= 0.0:
        return []
    fastest = int(np.argmax(speed))
    count = int(np.count_nonzero(speed > lo))
    return [
        Finding(
            "POINTER_SUPERHUMAN_SPEED",
            f"{count} approach(es) to a click went faster than a hand moves a mouse: "
            f"{distance[far][fastest]:.0f} px in {duration[far][fastest]:.1f} ms "
            f"({speed[fastest]:.0f} px/ms); a person takes 150 ms or more for 500 px.",
            log_odds,
        )
    ]


def _arrival(arrival: npt.NDArray[np.float64]) -> list[Finding]:
    """Approaches to clicks that arrive at speed instead of braking towards the target."""
    judged = arrival[np.isfinite(arrival)]
    n = judged.shape[0]
    if n == 0:
        return []
    # Most of the session's approaches, not the odd one among many braking ones.
    log_odds = share_log_odds(judged, ARRIVAL_AT_SPEED, ARRIVAL_MIN_SHARE, ARRIVAL_LOG_ODDS)
    if log_odds <= 0.0:
        return []
    at_speed = int(np.count_nonzero(judged < ARRIVAL_AT_SPEED[0]))
    fastest = float(judged.min()) * ARRIVAL_PATH_SHARE
    return [
        Finding(
            "POINTER_ARRIVES_AT_SPEED",
            f"In {at_speed} of {n} approaches to a click the pointer covers the last "
            f"{ARRIVAL_PATH_SHARE:.0%} of its path in as little as {fastest:.0%} of the approach's time: "
            "it arrives at speed, where a hand slows down to land on its target (people: "
            "a third of the time, at the median).",
            log_odds,
        )
    ]


def _in_motion(totals: PointerTotals, coarse_clock: bool, arrival_log_odds: float) -> list[Finding]:
    """Presses that came while the pointer still moved fast (``pointer_clicks``), by their share
    of the presses after a move. The same fact as arrival at speed (no braking before the
    click), seen where an approach is too short to judge: the two count as the stronger."""
    moving, timed = totals.presses_in_motion, totals.presses_timed
    if moving == 0 or coarse_clock:  # (a coarse clock puts the press in the move's tick)
        return []
    log_odds = count_log_odds(moving, timed, IN_MOTION_MIN_SHARE, IN_MOTION_LOG_ODDS)
    log_odds -= max(arrival_log_odds, 0.0)
    if log_odds <= 0.0:
        return []
    return [
        Finding(
            "POINTER_PRESSED_IN_MOTION",
            f"{moving} of {timed} clicks were pressed within {IN_MOTION_MS:.0f} ms of a move at "
            f"{IN_MOTION_PX_PER_MS:g} px/ms or faster, the pointer still travelling, as a script moves "
            "and clicks at once; a hand brakes onto its target and rests before it presses.",
            log_odds,
        )
    ]


def _fitts(distance: npt.NDArray[np.float64], duration: npt.NDArray[np.float64]) -> list[Finding]:
    if distance.shape[0] < AIM_MIN:
        return []
    log_d, log_t = np.log(distance), np.log(duration)
    if float(log_d.max() - log_d.min()) < AIM_MIN_LOG_RANGE:
        return []
    centred = log_d - mean(log_d)
    mean_t = mean(log_t)
    slope = float(centred @ (log_t - mean_t)) / float(centred @ centred)
    scatter = std(log_t - mean_t - slope * centred)
    proportional = ramp(slope, 0.8, 0.95) * ramp(scatter, 0.12, 0.06)
    if proportional <= 0.0:
        return []
    return [
        Finding(
            "POINTER_TIME_PROPORTIONAL_TO_DISTANCE",
            f"Over {distance.shape[0]} approaches to clicks, movement time grows in proportion to "
            f"distance (exponent {slope:.2f}), as at one fixed speed; a person's grows with the "
            "logarithm of distance (Fitts' law).",
            1.2 * proportional,
        )
    ]


def _speed_cv(
    seg: npt.NDArray[np.intp], speed: npt.NDArray[np.float64], n_seg: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """How many speeds each segment has, and their coefficient of variation (0 without any)."""
    n = np.bincount(seg, minlength=n_seg).astype(np.float64)
    some = np.maximum(n, 1.0)
    mean = np.bincount(seg, speed, n_seg) / some
    sd = np.sqrt(np.maximum(np.bincount(seg, speed * speed, n_seg) / some - mean * mean, 0.0))
    return n, np.divide(sd, mean, out=np.zeros(n_seg), where=mean > 0.0)


def _speed_windows(
    seg: npt.NDArray[np.intp], dt: npt.NDArray[np.float64], length: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Consecutive steps of each segment joined into windows of :data:`SPEED_WINDOW_MS` of its
    clock (a step at a time where steps are that long or longer): each window's segment, path
    length and time."""
    new_seg = np.empty(len(seg), np.bool_)
    new_seg[0] = True
    np.not_equal(seg[1:], seg[:-1], out=new_seg[1:])
    elapsed = dt.cumsum()
    since = elapsed - (elapsed - dt)[new_seg][new_seg.cumsum() - 1]
    window = np.maximum(np.ceil(since / SPEED_WINDOW_MS), 1.0)  # a first step at no time joins the next
    new_seg[1:] |= window[1:] != window[:-1]
    starts = new_seg.nonzero()[0]
    return seg[starts], np.add.reduceat(length, starts), np.add.reduceat(dt, starts)


def _movement(steps: Steps, shared_ticks: bool) -> list[Finding]:
    if steps.n < 3:
        return []
    findings: list[Finding] = []

    # Segments: runs of consecutive movement steps, cut by pauses and clicks.
    seg, n_seg = steps.seg, steps.n_seg
    s_dt, s_dx, s_dy, s_len = steps.dt, steps.dx, steps.dy, steps.length
    count = np.bincount(seg, minlength=n_seg).astype(np.float64)
    path = np.bincount(seg, s_len, n_seg)
    # (bincount with weights gives float64; the stubs do not know it)
    chord_x = np.bincount(seg, s_dx, n_seg).astype(np.float64, copy=False)
    chord_y = np.bincount(seg, s_dy, n_seg).astype(np.float64, copy=False)
    chord = np.hypot(chord_x, chord_y)
    timed = s_dt > 0.0
    v_n, v_cv_steps = _speed_cv(seg[timed], s_len[timed] / s_dt[timed], n_seg)
    w_seg, w_len, w_dt = _speed_windows(seg, s_dt, s_len)
    w_timed = w_dt > 0.0
    w_n, v_cv_windows = _speed_cv(w_seg[w_timed], w_len[w_timed] / w_dt[w_timed], n_seg)
    # By window where a stroke spans a few, by step where it is too short to (a fast script's).
    v_cv_all = np.where(w_n >= SPEED_MIN_WINDOWS, v_cv_windows, v_cv_steps)
    qualifies = (count >= MIN_SEGMENT_STEPS) & (path >= MIN_SEGMENT_PX) & (v_n >= MIN_SEGMENT_STEPS)
    n_qual = int(np.count_nonzero(qualifies))

    if n_qual:
        straight = chord[qualifies] / path[qualifies]
        v_cv = v_cv_all[qualifies]
        w = path[qualifies] / float(np.add.reduce(path[qualifies]))
        linear = float(np.add.reduce(w * unit((straight - 0.99) / 0.009)))
        constant = float(np.add.reduce(w * unit((0.25 - v_cv) / 0.17)))
        curved = unit((0.995 - straight) / 0.045)
        varied = unit((v_cv - 0.2) / 0.25)
        human = float(np.add.reduce(w * np.minimum(curved, varied)))
        enough = ramp(n_qual, 0, 2)
        if linear * enough > 0.0:
            findings.append(
                Finding(
                    "POINTER_LINEAR_PATH",
                    f"{linear:.0%} of the pointer's movement (by distance, {n_qual} strokes) follows "
                    "straight lines; people move in curves.",
                    1.6 * linear * enough,
                )
            )
        if constant * enough > 0.0:
            findings.append(
                Finding(
                    "POINTER_CONSTANT_SPEED",
                    f"The pointer moves at a near-constant speed in {constant:.0%} of its strokes; "
                    "people speed up and slow down.",
                    1.4 * constant * enough,
                )
            )
    else:
        human = 0.0

    n_exact, exact = _exact_lines(steps, count, chord_x, chord_y, chord)
    if n_exact:
        findings.append(
            Finding(
                "POINTER_EXACT_LINE",
                f"{n_exact} stroke{'s' if n_exact > 1 else ''} of the pointer "
                f"{'stay' if n_exact > 1 else 'stays'} within {EXACT_LINE_PX:.0f} px of a straight "
                "line from start to end; a hand drifts more than that.",
                2.5 * ramp(exact, 0.0, 1.0) + 0.5 * ramp(exact, 1.0, 2.0),
            )
        )

    dts = s_dt[timed]
    interval_cv = cv(dts)
    # On a coarse clock that moves share readings of (a privacy browser's 100 ms one, with a move
    # each frame), the gaps between readings are the clock's steps, not the input's.
    if dts.shape[0] >= 20 and not shared_ticks:
        regular = ramp(interval_cv, 0.05, 0.005) * ramp(dts.shape[0], 10, 50)
        if regular > 0.0:
            findings.append(
                Finding(
                    "POINTER_REGULAR_SAMPLING",
                    f"Pointer events arrive at near-constant intervals (variation {interval_cv:.3f}); "
                    "real input is irregular.",
                    1.0 * regular,
                )
            )

    # Identical consecutive step vectors: interpolation on a grid, not a hand.
    n_pairs, n_same = steps.repeats()
    if n_pairs >= 10:
        frac = n_same / n_pairs
        repeated = ramp(frac, 0.3, 0.8) * ramp(n_pairs, 5, 30)
        if repeated > 0.0:
            findings.append(
                Finding(
                    "POINTER_IDENTICAL_STEPS",
                    f"{frac:.0%} of pointer steps repeat the previous step exactly; "
                    "that is interpolation on a grid.",
                    1.2 * repeated,
                )
            )

    findings.extend(_steps_ignore_timing(steps))
    findings.extend(_symmetric_speed(steps))
    jitter, noise = _jitter(steps)
    findings.extend(jitter)

    irregular = ramp(interval_cv, 0.03, 0.15) if math.isfinite(interval_cv) else 0.5
    # Strokes with noise added to them (POINTER_JITTER) do not count as a hand's, however they curve.
    humanlike = human * irregular * ramp(n_qual, 0, 4) * (1.0 - noise)
    if humanlike > 0.0:
        findings.append(
            Finding(
                "POINTER_HUMAN_DYNAMICS",
                "The pointer moves in curved strokes that speed up and slow down, at uneven intervals, "
                "as a hand does.",
                -1.0 * humanlike,
            )
        )
    return findings


def _steps_ignore_timing(steps: Steps) -> list[Finding]:
    """Steps of one length whatever the time between events: a path walked by a loop."""
    ok = (steps.length >= STEADY_MIN_PX) & (steps.dt > 0.0)
    same_seg, d_log_len, d_log_dt = steps.changes()
    pair = same_seg & ok[1:] & ok[:-1]
    n_pairs = int(np.count_nonzero(pair))
    if n_pairs < STEADY_MIN_PAIRS:
        return []
    d_len = np.abs(d_log_len)
    overall = median(d_len[pair])
    # Even steps over many pairs, whatever their intervals did.
    even = ramp(overall, *EVEN_STEPS_CHANGE) * ramp(n_pairs, STEADY_MIN_PAIRS - 1, EVEN_STEPS_FULL_PAIRS)
    retimed = pair & (np.abs(d_log_dt) >= STEADY_RETIMED_LOG)
    n_retimed = int(np.count_nonzero(retimed))
    kept = median(d_len[retimed]) if n_retimed >= STEADY_RETIMED_MIN else math.nan
    # Steps that keep their length when the interval changes by a third or more.
    ignored = (
        ramp(kept, 0.12, 0.06)
        * ramp(overall, 0.10, 0.05)
        * ramp(n_retimed, STEADY_RETIMED_MIN - 1, STEADY_RETIMED_FULL)
        if math.isfinite(kept)
        else 0.0
    )
    log_odds = max(STEADY_LOG_ODDS * ignored, EVEN_STEPS_LOG_ODDS * even)
    if log_odds <= 0.0:
        return []
    told = (
        f"{n_retimed} times the interval between events changed by a third or more and the step changed "
        f"by {np.expm1(kept):.0%} (median)"
        if STEADY_LOG_ODDS * ignored >= log_odds
        else f"over {n_pairs} consecutive steps its length changed by {np.expm1(overall):.0%} (median)"
    )
    return [
        Finding(
            "POINTER_STEPS_IGNORE_TIMING",
            f"The pointer advances by the same distance per event: {told}; a hand covers more ground in "
            "more time and speeds up and slows down, a script stepping along a path does not.",
            log_odds,
        )
    ]


def _jitter(steps: Steps) -> tuple[list[Finding], float]:
    """Noise on a path, not a hand: small steps milliseconds apart that point back and forth where
    the pointer moves slowly, or long steps that turn back within tens of milliseconds where it
    moves fast. The finding, and its strength (0 to 1)."""
    length, dt, same_stroke = steps.length, steps.dt, steps.changes()[0]
    dx, dy = steps.dx, steps.dy
    dot = dx[1:] * dx[:-1] + dy[1:] * dy[:-1]
    timed = dt > 0.0
    small = (length > 0.0) & (length < JITTER_MAX_STEP_PX) & timed & (dt < JITTER_MAX_DT_MS)
    pair = small[1:] & small[:-1] & same_stroke
    n_pairs = int(np.count_nonzero(pair))
    n_back = int(np.count_nonzero(pair & (dot < 0.0)))
    slow = (
        ramp(n_back / n_pairs, *JITTER_SHARE) * ramp(n_back, *JITTER_COUNT)
        if n_pairs >= JITTER_MIN_PAIRS
        else 0.0
    )
    long = (length >= JITTER_FAST_MIN_STEP_PX) & timed
    fast_pair = long[1:] & long[:-1] & same_stroke & (dt[1:] + dt[:-1] <= JITTER_FAST_MAX_MS)
    n_fast = int(np.count_nonzero(fast_pair))
    n_turned = int(np.count_nonzero(fast_pair & (dot < JITTER_FAST_TURN_COS * length[1:] * length[:-1])))
    fast = ramp(n_turned / n_fast, *JITTER_FAST_SHARE) * ramp(n_turned, *JITTER_FAST_COUNT) if n_fast else 0.0
    strength = max(slow, fast)
    if strength <= 0.0:
        return [], 0.0
    told = []
    if slow > 0.0:
        told.append(
            f"Where the pointer moves slowly it steps back and forth: {n_back} of {n_pairs} pairs of "
            f"consecutive small steps (under {JITTER_MAX_STEP_PX:.0f} px, {JITTER_MAX_DT_MS:.0f} ms apart) "
            "reverse, as noise added to a path does; a hand moving slowly keeps its direction."
        )
    if fast > 0.0:
        told.append(
            f"Where the pointer moves fast it turns back from one reading to the next: {n_turned} of "
            f"{n_fast} pairs of consecutive steps of {JITTER_FAST_MIN_STEP_PX:.0f} px or more, within "
            f"{JITTER_FAST_MAX_MS:.0f} ms, turn by more than 120 degrees, as noise added to a path in "
            "proportion to its speed does; no hand swings out and back that far that fast."
        )
    return [Finding("POINTER_JITTER", " ".join(told), JITTER_LOG_ODDS * strength)], strength


def _symmetric_speed(steps: Steps) -> list[Finding]:
    """Strokes whose speed peaks in the middle of their duration, one after another."""
    speed = steps.speed()
    dt = speed.dt
    if dt.shape[0] < 2 * SYMMETRIC_MIN_STEPS:
        return []
    first, last = speed.first, speed.last
    path = np.add.reduceat(speed.length, first)
    judged = (last - first + 1 >= SYMMETRIC_MIN_STEPS) & (path >= SYMMETRIC_MIN_PX)
    n = int(np.count_nonzero(judged))
    if n < 2:
        return []
    # Where in its stroke's duration each stroke's (first) fastest step falls.
    peak = speed.peak
    ends = dt.cumsum()
    begin = ends[first] - dt[first]
    where = ((ends[peak] - 0.5 * dt[peak] - begin) / (ends[last] - begin))[judged]
    middle = int(np.count_nonzero((where >= SYMMETRIC_BAND[0]) & (where <= SYMMETRIC_BAND[1])))
    if middle < 2 or middle < SYMMETRIC_MIN_SHARE * n:
        return []
    return [
        Finding(
            "POINTER_SYMMETRIC_SPEED",
            f"In {middle} of {n} strokes the pointer is fastest exactly mid-way, as a symmetric easing "
            "curve moves it; a hand reaches its top speed early and brakes longer towards the target.",
            SYMMETRIC_LOG_ODDS[0] if middle == 2 else SYMMETRIC_LOG_ODDS[1],
        )
    ]
