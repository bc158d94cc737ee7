"""Clicks and jumps of the pointer, counted over the whole session: jumps across the screen with
no movement between, clicks where the pointer never went, and clicks on a pointer a script put in
place.

Counted per batch (:func:`fold_clicks`, from each event and the one before it, carried across
batches, so the counts do not depend on how events were batched) and judged by
:func:`click_findings`.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from botsift_server.engine._evidence import Finding
from botsift_server.engine._state import PointerTotals, SessionState
from botsift_server.engine._types import EventKind

_MOVE, _DOWN, _UP = int(EventKind.MOVE), int(EventKind.DOWN), int(EventKind.UP)
_TOUCH_FIRST, _TOUCH_LAST = int(EventKind.TOUCH_START), int(EventKind.TOUCH_END)

# A jump at least this far, faster than a hand moves a mouse (peak ~5-8 px/ms on large screens).
TELEPORT_MIN_PX = 150.0
TELEPORT_MIN_PX_PER_MS = 15.0
# A click farther than this from the last known pointer position arrived without moving there.
APPROACH_RADIUS_PX = 24.0
# A click on a pointer put in place: pressed within PLACED_PRESS_MS of the move that brought the
# pointer there from nowhere (the session's first pointer event) or in one step of TELEPORT_MIN_PX
# or more, and released within PLACED_RELEASE_MS, as Puppeteer's and Playwright's click() moves
# to an element in one step and presses and releases at once (measured: Playwright in headless
# chromium presses 0.1-0.4 ms after the move and releases 0-3 ms later; Puppeteer in Firefox ESR
# 0-2 ms and 1-4 ms). A hand moves to a target first and holds the button about 100 ms.
# Eval-part Balabit single movements: 6 of 17,098 start so (a lone move, pressed within 5 ms,
# released within 8 ms); scripts' one-step clicks (the teleport bot): 166 of 249. Log-odds
# PLACED_LOG_ODDS[0] for one (alone, a person who clicks so stays LOW), up to [1] from two.
# Not judged in a session with touches or on a device with a touch screen (a tap's synthesised
# mouse events come so), nor on a coarse clock (a privacy browser's 100 ms reads a hand's press
# and release in one tick).
PLACED_PRESS_MS = 5.0
PLACED_RELEASE_MS = 8.0
PLACED_LOG_ODDS = (1.5, 2.0)
# A hand brakes onto its target and rests before it presses the button (Balabit's people: 63 ms
# from the last move to the press at the median, the last step at 0.04 px/ms). A script that
# moves and then clicks (`mouse.move(x, y, {steps})` then `mouse.down()`) presses at once, the
# pointer still at speed. A press within IN_MOTION_MS of a move whose step ran at
# IN_MOTION_PX_PER_MS or more (and under TELEPORT_MIN_PX: a jump's press is a placed click) is in
# motion: 0.5% of the eval-part Balabit people's presses as recorded (6 of 2,056 windows with two
# or more), 0.14% as a 60 Hz page and the collector deliver them (2). The move's own step must
# be timed: over 0 ms and at most IN_MOTION_STEP_MS (on a clock rounded to 100 ms a press and the
# moves before it share a tick). Judged by share, as arrival at speed is (pointer.py), and not on
# a clock found coarse.
IN_MOTION_MS = 20.0
IN_MOTION_PX_PER_MS = 0.5
IN_MOTION_STEP_MS = 40.0


def fold_clicks(
    state: SessionState,
    totals: PointerTotals,
    kind: npt.NDArray[np.uint8],
    mouse: npt.NDArray[np.bool_],
    t: npt.NDArray[np.float64],
    k: npt.NDArray[np.uint8],
    dist2: npt.NDArray[np.float64],
    dt: npt.NDArray[np.float64],
    *,
    moves: int,
    downs: int,
    touches: int,
) -> None:
    """Fold one batch's jumps and clicks into ``totals`` (before its ``last_*`` move on).

    ``kind`` is the batch's event kinds, ``mouse`` which of them are mouse events; ``t``, ``k``
    are the mouse events' times and kinds, ``dist2`` and ``dt`` each one's squared step and
    interval from the mouse event before it (0 for the session's first).
    """
    if moves and float(dist2.max()) >= TELEPORT_MIN_PX * TELEPORT_MIN_PX:
        totals.teleports += int(np.count_nonzero(_jumps(dist2, dt) & (k == _MOVE)))

    maybe_placed = False
    if downs:
        # (A few presses per batch at most: plain Python over their positions beats array calls.)
        down_at: list[int] = (k == _DOWN).nonzero()[0].tolist()
        totals.clicks += len(down_at)
        # (Few presses come this soon after a move that put the pointer in place: look first.)
        fresh = not totals.has_last
        maybe_placed = any(
            dt.item(i) <= PLACED_PRESS_MS and _put_in_place(totals, k, dist2, i, fresh) for i in down_at
        )
        # On touch screens the browser synthesises mouse events at the tap: no approach is normal.
        judged: list[int]
        if touches:
            touch = (kind >= _TOUCH_FIRST) & (kind <= _TOUCH_LAST)
            touches_before = state.family_counts[2] + touch.cumsum()[mouse.nonzero()[0][down_at]]
            judged = np.asarray(down_at)[touches_before == 0].tolist()
        else:
            judged = down_at if state.family_counts[2] == 0 else []
        if judged:
            # A click with no earlier pointer position (a recording or page that starts with a
            # press) says nothing about where the pointer came from: it is not judged.
            if not totals.has_last:
                judged = [i for i in judged if i > 0]
            totals.clicks_judged += len(judged)
            radius2 = APPROACH_RADIUS_PX * APPROACH_RADIUS_PX
            totals.clicks_without_approach += sum(1 for i in judged if dist2.item(i) > radius2)
            _fold_presses(totals, k, dist2, dt, judged)

    if maybe_placed or totals.placed_press_t_ms is not None:
        _placed_clicks(totals, t, k, dist2, dt, fresh=not totals.has_last)
    # (What a press first in the next batch needs to know of this batch's last event.)
    totals.last_put_in_place = _put_in_place(totals, k, dist2, k.shape[0], not totals.has_last)
    totals.last_move_speed = _speed(k, dist2, dt, k.shape[0] - 1)


def click_findings(state: SessionState, *, coarse_clock: bool = False) -> list[Finding]:
    """What the session's jumps and clicks say; ``coarse_clock`` when the pointer's times come
    from one (a press and its release read in one tick: how soon a click came is not judged)."""
    totals = state.pointer_totals
    findings = _clicks_and_jumps(
        totals.moves, totals.clicks_judged, totals.clicks_without_approach, totals.teleports
    )
    device = state.context.device
    if (
        totals.placed_clicks
        and state.family_counts[2] == 0
        and not device.has_touch_screen
        and not coarse_clock
    ):
        findings.append(
            Finding(
                "POINTER_PLACED_CLICK",
                f"{totals.placed_clicks} click(s) pressed within {PLACED_PRESS_MS:.0f} ms of the pointer "
                "appearing on the spot (from nowhere or by a jump) and released within "
                f"{PLACED_RELEASE_MS:.0f} ms, as a script's click() puts the pointer on an element; a hand "
                "moves there first and holds the button about 100 ms.",
                float(np.interp(totals.placed_clicks, (1, 2), PLACED_LOG_ODDS)),
            )
        )
    return findings


def _speed(
    k: npt.NDArray[np.uint8], dist2: npt.NDArray[np.float64], dt: npt.NDArray[np.float64], i: int
) -> float:
    """Speed (px/ms) of the step to mouse event ``i``: NaN where it is no move, 0 where the step
    says nothing of the hand's speed: a jump of TELEPORT_MIN_PX or more (a press after one is a
    placed click's business), or an interval of 0 or over IN_MOTION_STEP_MS (moves in one tick of
    a coarse clock, or a move long after the one before)."""
    if k.item(i) != _MOVE:
        return math.nan
    step = math.sqrt(dist2.item(i))
    gap = dt.item(i)
    if step >= TELEPORT_MIN_PX or gap <= 0.0 or gap > IN_MOTION_STEP_MS:
        return 0.0
    return step / max(gap, 1.0)


def _fold_presses(
    totals: PointerTotals,
    k: npt.NDArray[np.uint8],
    dist2: npt.NDArray[np.float64],
    dt: npt.NDArray[np.float64],
    down_at: list[int],
) -> None:
    """Count the presses ``down_at`` that follow a move, and those pressed in motion (a few per
    batch at most: plain Python beats array calls here)."""
    for i in down_at:
        speed = _speed(k, dist2, dt, i - 1) if i > 0 else totals.last_move_speed  # (last batch's)
        if math.isnan(speed):
            continue
        totals.presses_timed += 1
        if dt.item(i) <= IN_MOTION_MS and speed >= IN_MOTION_PX_PER_MS:
            totals.presses_in_motion += 1


def _jumps(dist2: npt.NDArray[np.float64], dt: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Which steps (squared length ``dist2``, interval ``dt``) jump: TELEPORT_MIN_PX or more,
    faster than TELEPORT_MIN_PX_PER_MS. A step read at the very time of the event before has no
    time to measure a speed by: a coarse clock's tick (a privacy browser's 100 ms holds six frames'
    moves) or a logger writing two readings at once. Scripts' jumps come some time after the event
    before (every jump of the login and held-out bots', as recorded and through a 60 Hz page)."""
    reach = TELEPORT_MIN_PX_PER_MS * np.maximum(dt, 1.0)
    jumped: npt.NDArray[np.bool_] = (
        (dist2 >= TELEPORT_MIN_PX * TELEPORT_MIN_PX) & (dist2 > reach * reach) & (dt > 0.0)
    )
    return jumped


def _put_in_place(
    totals: PointerTotals, k: npt.NDArray[np.uint8], dist2: npt.NDArray[np.float64], i: int, fresh: bool
) -> bool:
    """Whether the mouse event before batch event ``i`` (``i`` may be one past the last) is a
    move that put the pointer in place: the session's first pointer event, or one step of
    TELEPORT_MIN_PX or more (for ``i`` 0, the last batch's last event, as ``totals`` carries it).
    ``fresh``: the batch starts the session's pointer events."""
    if i == 0:
        return totals.last_put_in_place
    big = TELEPORT_MIN_PX * TELEPORT_MIN_PX
    return k.item(i - 1) == _MOVE and (dist2.item(i - 1) >= big or (i == 1 and fresh))


def _placed_clicks(
    totals: PointerTotals,
    t: npt.NDArray[np.float64],
    k: npt.NDArray[np.uint8],
    dist2: npt.NDArray[np.float64],
    dt: npt.NDArray[np.float64],
    fresh: bool,
) -> None:
    """Count the batch's clicks on a pointer put in place (see :data:`PLACED_PRESS_MS`); a press
    and its release may come in different batches. ``fresh``: the batch starts the session's
    pointer events."""
    for i in ((k == _DOWN) | (k == _UP)).nonzero()[0].tolist():
        if k.item(i) == _DOWN:
            placed = dt.item(i) <= PLACED_PRESS_MS and _put_in_place(totals, k, dist2, i, fresh)
            totals.placed_press_t_ms = t.item(i) if placed else None
        else:
            pressed = totals.placed_press_t_ms
            if pressed is not None and t.item(i) - pressed <= PLACED_RELEASE_MS:
                totals.placed_clicks += 1
            totals.placed_press_t_ms = None


def _clicks_and_jumps(moves: int, clicks: int, without_approach: int, teleports: int) -> list[Finding]:
    """Jumps across the screen, and clicks where the pointer had not moved to."""
    findings: list[Finding] = []
    if teleports:
        strength = min(1.0, teleports / (2.0 + 0.01 * moves))
        findings.append(
            Finding(
                "POINTER_TELEPORT",
                f"The pointer jumped {teleports} time(s) across the screen with no movement in between.",
                1.5 * strength,
            )
        )
    if without_approach and moves:
        # (A session that never moved has no approach to judge: the behaviour detector's
        # BEHAVIOUR_CLICKS_WITHOUT_MOVEMENT says so, once.)
        strength = (without_approach / clicks) * min(1.0, without_approach / 2.0)
        findings.append(
            Finding(
                "POINTER_CLICK_WITHOUT_APPROACH",
                f"{without_approach} of {clicks} click(s) happened where the pointer had not moved to.",
                1.6 * strength,
            )
        )
    return findings
