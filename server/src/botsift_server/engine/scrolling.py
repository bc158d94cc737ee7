"""Scrolling: whether the page moved because its visitor moved it, and whether a wheel turns by hand.

A page scrolls because someone turned a wheel, swiped, pressed a key (space, arrows, Page Down),
dragged the scroll bar or clicked a link to an anchor, and the scroll follows that input. Measured
in headless Chromium and Firefox: a wheel turn's scroll comes within 25 ms, a key's smooth scroll
ends within 170 ms, a link's jump within 20 ms of the click, and a smooth ``scrollBy`` ends within
600 ms. A script that scrolls a page to read it (``window.scrollBy``, ``scrollTo``,
``scrollIntoView``: lazy loading, scraping) moves it with no input at all.

Pages also move by themselves now and then: they restore the offset on load or on Back, keep the
content in place when something above it grows (scroll anchoring), or let a smooth-scrolling
library carry on after the wheel. A drag of the scroll bar sends the page its press and release
but no moves in between (Chromium and Firefox, measured with classic scroll bars); a browser that
sent not even the press would leave only the pointer's approach to the bar. And people who use a
screen reader or voice control have the page moved for them with no input that the page sees. So:

* input explains the scrolls that follow it for a while (:data:`EXPLAINS_MS`; a touch, whose
  momentum carries on, :data:`TOUCH_EXPLAINS_MS`), and all of them while a button or a finger is
  down or the pointer rests by the window's right or bottom edge, where scroll bars are;
* a modifier key explains :data:`LONG_EXPLAINS_MS`: after Ctrl/Cmd+F, the find bar's keys never
  reach the page but its matches move it; so does a middle click (auto-scroll);
* the first :data:`LOAD_MS` of the session's clock are not judged (restoring the offset on load);
* the finding needs most of the page's movement unexplained, in more than one move (a single
  jump is the page restoring itself), over more than half a screen; it stays below HIGH on its
  own. Together with ``BEHAVIOUR_CLICKS_WITHOUT_MOVEMENT``, which assistive technology also
  causes, it counts only as much as the stronger of the two.

A hand turning a wheel keeps no timer: many turns in a row by the same delta at the same interval
(within :data:`WHEEL_TOLERANCE`) are a loop (``mouse.wheel`` and a fixed sleep). Streams at frame
rate (a touchpad's momentum, a free-spinning wheel: under :data:`WHEEL_MIN_MS`) and horizontal
ones (a tilted wheel repeats by itself) are not judged. Balabit's people, over remote desktop
(wheel events batched about every 125 ms), had runs of 11 and 13 such intervals in 2 of 1,990
windows with wheel events, on timing alone (the recorder kept no deltas).

Everything is folded per batch into :class:`~botsift_server.engine._state.ScrollTotals`, carried
across batches, so nothing depends on how the events were batched.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from botsift_server.engine._evidence import Finding, latest, ramp
from botsift_server.engine._state import ScrollTotals, SessionState
from botsift_server.engine._types import EventColumns, EventKind, KeyClass

_DOWN, _UP, _WHEEL = int(EventKind.DOWN), int(EventKind.UP), int(EventKind.WHEEL)
_KEY_DOWN, _SCROLL = int(EventKind.KEY_DOWN), int(EventKind.SCROLL)
_TOUCH_START, _TOUCH_MOVE, _TOUCH_END = (
    int(EventKind.TOUCH_START),
    int(EventKind.TOUCH_MOVE),
    int(EventKind.TOUCH_END),
)
_MODIFIER = int(KeyClass.MODIFIER)
_MIDDLE_BUTTON = 1

# How long input explains the scrolls after it (ms): a wheel turn, a key, a click (smooth
# scrolling and scrolling libraries animate for up to a second or so).
EXPLAINS_MS = 2000.0
# After a finger leaves the screen, the page glides on (momentum), for seconds on a phone.
TOUCH_EXPLAINS_MS = 5000.0
# After a modifier key (find in page) or a middle click (auto-scroll).
LONG_EXPLAINS_MS = 60000.0
# The pointer this close to the window's right or bottom edge may be on a scroll bar.
SCROLL_BAR_PX = 60.0
# The first milliseconds of a session are the page's load, when browsers restore the offset.
LOAD_MS = 3000.0
# When the device does not say how tall its window is.
DEFAULT_SCREEN_PX = 800.0
# The finding ramps up from the first value of each to the second: the share of the page's
# movement that nothing explained, the scroll events that moved it so (one is a jump: the page
# restored on Back in a single-page app), and how far it went in screens.
UNEXPLAINED_SHARE = (0.5, 0.9)
UNEXPLAINED_MOVES = (1.0, 4.0)
UNEXPLAINED_SCREENS = (0.5, 3.0)
UNEXPLAINED_LOG_ODDS = 2.0
# Wheel turns judged for a timer: intervals in this range (ms), kept to this share of the run's first.
WHEEL_MIN_MS = 40.0
WHEEL_MAX_MS = 2000.0
WHEEL_TOLERANCE = 0.03
# Runs of more intervals than the first count, fully from the second.
WHEEL_RUN = (11.0, 30.0)
WHEEL_LOG_ODDS = 1.5


_GRACE_BY_KIND = np.full(max(EventKind) + 1, -math.inf)
_GRACE_BY_KIND[[_WHEEL, _KEY_DOWN, _DOWN, _UP, _TOUCH_START, _TOUCH_MOVE]] = EXPLAINS_MS
_GRACE_BY_KIND[_TOUCH_END] = TOUCH_EXPLAINS_MS


def update(state: SessionState, columns: EventColumns, per_kind: list[int]) -> None:
    """Fold one batch's input, scroll and wheel events into the session's scrolling totals, given
    the batch's count of events of each kind. Call it before the pointer's and the clicks'
    updates: it reads where the pointer was, and whether a button or a finger was down, before
    the batch.

    Scroll and wheel events are few (the collector keeps a scroll per 50 ms), so each is folded in
    a plain loop; what explains them is found per batch with a few array operations.
    """
    totals = state.scroll_totals
    kind, t = columns.kind, columns.t_ms
    reach = t + _GRACE_BY_KIND[kind]
    # A modifier key (find in page) or a middle click (auto-scroll) explains a minute. (Each
    # looked for only where the batch may have one: most batches have neither.)
    if per_kind[_KEY_DOWN]:
        long = (kind == _KEY_DOWN) & (columns.key_class == _MODIFIER)
        if np.count_nonzero(long):
            reach[long] = t[long] + LONG_EXPLAINS_MS
    if per_kind[_DOWN] and np.count_nonzero(columns.button == _MIDDLE_BUTTON):
        long = (kind == _DOWN) & (columns.button == _MIDDLE_BUTTON)
        reach[long] = t[long] + LONG_EXPLAINS_MS
    if per_kind[_SCROLL]:
        until = np.maximum.accumulate(reach)
        scrolls = (kind == _SCROLL).nonzero()[0]
        explained = t[scrolls] <= np.maximum(until[scrolls], totals.explained_until_ms)
        if np.count_nonzero(explained) < explained.shape[0]:
            # Input long before: was a button or finger down, or the pointer on a scroll bar?
            late = scrolls[~explained]
            on = _by_scroll_bar(state, columns, late)
            if per_kind[_DOWN] or per_kind[_UP] or state.button_down_t_ms is not None:
                on |= _down_at(kind, _DOWN, _UP, state.button_down_t_ms is not None)[late]
            if per_kind[_TOUCH_START] or per_kind[_TOUCH_END] or state.touch_start_t_ms is not None:
                on |= _down_at(kind, _TOUCH_START, _TOUCH_END, state.touch_start_t_ms is not None)[late]
            explained[~explained] = on
        _fold_scrolls(totals, columns, scrolls, explained)
        reached = float(until[-1])
    else:
        reached = float(reach.max())
    totals.explained_until_ms = max(totals.explained_until_ms, reached)
    if per_kind[_WHEEL]:
        wheels = ((kind == _WHEEL) & (columns.y != 0.0)).nonzero()[0]
        if wheels.shape[0]:
            _fold_wheels(totals, t[wheels].tolist(), columns.x[wheels].tolist(), columns.y[wheels].tolist())


def _down_at(kind: npt.NDArray[np.uint8], press: int, release: int, before: bool) -> npt.NDArray[np.bool_]:
    """Per event, whether a button or finger is down: the latest ``press`` or ``release`` at or
    before it is a press (``before`` until the batch has one)."""
    change = np.where(kind == press, 1, np.where(kind == release, 0, -1))
    down: npt.NDArray[np.bool_] = latest(change, change >= 0, int(before)) == 1
    return down


def _by_scroll_bar(
    state: SessionState, columns: EventColumns, scrolls: npt.NDArray[np.intp]
) -> npt.NDArray[np.bool_]:
    """Whether the pointer, at each scroll, was last seen by the window's right or bottom edge."""
    device = state.context.device
    edge = np.zeros(scrolls.shape[0], np.bool_)
    if not device.inner_width and not device.inner_height:
        return edge
    mouse = columns.kind <= _UP
    pointer = state.pointer_totals
    with np.errstate(invalid="ignore"):
        if device.inner_width:
            x = latest(columns.x, mouse, pointer.last_x if pointer.has_last else math.nan)[scrolls]
            edge |= x >= device.inner_width - SCROLL_BAR_PX
        if device.inner_height:
            y = latest(columns.y, mouse, pointer.last_y if pointer.has_last else math.nan)[scrolls]
            edge |= y >= device.inner_height - SCROLL_BAR_PX
    return edge


def _fold_scrolls(
    totals: ScrollTotals,
    columns: EventColumns,
    scrolls: npt.NDArray[np.intp],
    explained: npt.NDArray[np.bool_],
) -> None:
    """Fold scroll events: how far the page moved at each, and whether input explained it."""
    for t, x, y, by_input in zip(
        columns.t_ms[scrolls].tolist(),
        columns.x[scrolls].tolist(),
        columns.y[scrolls].tolist(),
        explained.tolist(),
        strict=True,
    ):
        moved = abs(x - totals.offset_x) + abs(y - totals.offset_y)
        totals.offset_x, totals.offset_y = x, y
        if moved <= 0.0 or t <= LOAD_MS:
            continue
        if by_input:
            totals.explained_px += moved
        else:
            totals.unexplained_px += moved
            totals.unexplained_moves += 1


def _fold_wheels(totals: ScrollTotals, times: list[float], dxs: list[float], dys: list[float]) -> None:
    """Runs of identical vertical wheel turns at one interval (wheel events are few: a plain loop)."""
    for t, dx, dy in zip(times, dxs, dys, strict=True):
        if totals.wheel_t_ms is not None:
            gap = t - totals.wheel_t_ms
            same = dx == totals.wheel_dx and dy == totals.wheel_dy and WHEEL_MIN_MS <= gap <= WHEEL_MAX_MS
            kept = abs(gap - totals.wheel_run_ms) <= WHEEL_TOLERANCE * totals.wheel_run_ms
            if same and totals.wheel_run and kept:
                totals.wheel_run += 1
            elif same:
                totals.wheel_run_ms, totals.wheel_run = gap, 1
            else:
                totals.wheel_run_ms, totals.wheel_run = 0.0, 0
            totals.wheel_longest_run = max(totals.wheel_longest_run, totals.wheel_run)
        totals.wheel_t_ms, totals.wheel_dx, totals.wheel_dy = t, dx, dy


def findings(state: SessionState, assistive_log_odds: float = 0.0) -> list[Finding]:
    """What the session's scrolling says; ``assistive_log_odds`` is the weight of the other
    finding that assistive technology also causes (clicks without movement), which the
    unexplained scrolling's weight does not add to."""
    totals = state.scroll_totals
    out: list[Finding] = []
    if totals.unexplained_px > 0.0:
        moved = totals.unexplained_px + totals.explained_px
        share = totals.unexplained_px / moved
        screens = totals.unexplained_px / float(state.context.device.inner_height or DEFAULT_SCREEN_PX)
        strength = (
            ramp(share, *UNEXPLAINED_SHARE)
            * ramp(totals.unexplained_moves, *UNEXPLAINED_MOVES)
            * ramp(screens, *UNEXPLAINED_SCREENS)
        )
        log_odds = UNEXPLAINED_LOG_ODDS * strength - max(assistive_log_odds, 0.0)
        if log_odds > 0.0:
            out.append(
                Finding(
                    "BEHAVIOUR_SCROLL_WITHOUT_INPUT",
                    f"The page scrolled {screens:.1f} screens in {totals.unexplained_moves} moves with no "
                    f"wheel, key, touch or click to move it ({share:.0%} of how far it moved); a "
                    "person's page moves when they scroll it.",
                    log_odds,
                )
            )
    if totals.wheel_longest_run > WHEEL_RUN[0]:
        out.append(
            Finding(
                "BEHAVIOUR_CONSTANT_WHEEL",
                f"The wheel turned {totals.wheel_longest_run + 1} times in a row by the same amount at the "
                "same interval, as a loop with a fixed sleep does; a hand turning a wheel keeps no timer.",
                WHEEL_LOG_ODDS * ramp(totals.wheel_longest_run, *WHEEL_RUN),
            )
        )
    return out
