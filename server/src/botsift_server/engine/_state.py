"""Per-session state: running totals plus fixed-capacity windows of the latest events.

Memory per session is bounded by the configured window sizes, whatever the number of events:
totals are integers and floats, and each window keeps only its latest rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from botsift_server.engine._types import EventCounts, SessionContext

_INITIAL_ROWS = 64


class Ring:
    """The latest ``capacity`` rows of a few parallel columns (oldest rows are dropped).

    Buffers grow geometrically up to the capacity, so a short session does not pay for a full
    window.
    """

    __slots__ = ("_bufs", "_head", "_size", "capacity")

    def __init__(self, capacity: int, dtypes: tuple[type[np.generic], ...]) -> None:
        self.capacity = capacity
        """The most rows this window ever holds."""
        start = min(capacity, _INITIAL_ROWS)
        self._bufs: list[npt.NDArray[Any]] = [np.zeros(start, dtype) for dtype in dtypes]
        self._head = 0  # where the next row goes once the ring has wrapped
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def extend(self, *columns: npt.NDArray[Any]) -> None:
        """Append rows (one array per column, all the same length), dropping the oldest."""
        n = int(columns[0].shape[0])
        if n == 0:
            return
        cap = self.capacity
        if n >= cap:
            self._grow(cap)
            for buf, col in zip(self._bufs, columns, strict=True):
                buf[:] = col[n - cap :]
            self._head, self._size = 0, cap
            return
        if self._size + n > self._bufs[0].shape[0] < cap:
            self._grow(min(cap, max(2 * self._bufs[0].shape[0], self._size + n)))
        head = self._head if self._size == cap else self._size
        end = head + n
        if end <= cap:
            for buf, col in zip(self._bufs, columns, strict=True):
                buf[head:end] = col
        else:
            first = cap - head
            for buf, col in zip(self._bufs, columns, strict=True):
                buf[head:] = col[:first]
                buf[: n - first] = col[first:]
        self._size = min(cap, self._size + n)
        self._head = end % cap

    def columns(self) -> tuple[npt.NDArray[Any], ...]:
        """Copies of the columns, oldest row first."""
        size, head = self._size, self._head
        if size < self.capacity:
            return tuple(buf[:size].copy() for buf in self._bufs)
        return tuple(np.concatenate((buf[head:], buf[:head])) for buf in self._bufs)

    def _grow(self, rows: int) -> None:
        # Growth only happens before the ring wraps, so rows [0, size) are in order.
        if rows <= self._bufs[0].shape[0]:
            return
        grown = []
        for buf in self._bufs:
            bigger = np.zeros(rows, buf.dtype)
            bigger[: self._size] = buf[: self._size]
            grown.append(bigger)
        self._bufs = grown


@dataclass(slots=True)
class MoveSampling:
    """What the thinning of dense runs of mouse moves carries from batch to batch (see
    :mod:`botsift_server.engine.sampling`)."""

    last_t_ms: float = -math.inf
    """Time of the last mouse move received."""
    last_gap_close: bool = False
    """Whether that move came within ``MIN_MOVE_INTERVAL_MS`` of the one before it."""
    last_judged_t_ms: float = -math.inf
    """Time of the last mouse move the detectors saw."""
    pending: tuple[float, float, float] | None = None
    """``(t_ms, x, y)`` of the last event received when it is a dropped move (a press or release
    right after it brings it back); None otherwise."""


@dataclass(slots=True)
class PointerTotals:
    """Whole-session pointer counts, updated per batch (exactly, whatever the batching)."""

    moves: int = 0
    clicks: int = 0
    clicks_judged: int = 0
    clicks_without_approach: int = 0
    teleports: int = 0
    placed_clicks: int = 0
    placed_press_t_ms: float | None = None
    presses_timed: int = 0
    """Presses right after a move (the approach's last step known)."""
    presses_in_motion: int = 0
    """Of those, presses that came while the pointer still moved fast (see ``pointer_clicks``)."""
    last_move_speed: float = math.nan
    """Speed of the step to the last mouse event (px/ms) when it was a move, else NaN."""
    last_put_in_place: bool = False
    has_last: bool = False
    last_t_ms: float = 0.0
    last_x: float = 0.0
    last_y: float = 0.0


@dataclass(slots=True)
class ScrollTotals:
    """Whole-session scrolling counts, updated per batch (exactly, whatever the batching; see
    :mod:`botsift_server.engine.scrolling`)."""

    explained_until_ms: float = -math.inf
    """Until when the latest input (wheel, key, click, touch) explains a scroll of the page."""
    offset_x: float = 0.0
    offset_y: float = 0.0
    """The page's scroll offsets at the last scroll event (0, 0 before any: pages load at the top)."""
    explained_px: float = 0.0
    """How far the page moved right after input (scroll offsets, |dx| + |dy|)."""
    unexplained_px: float = 0.0
    """How far it moved with no input to explain it (after the page's load)."""
    unexplained_moves: int = 0
    """Scroll events that moved it so."""
    wheel_t_ms: float | None = None
    """Time of the last vertical wheel event; None before any."""
    wheel_dx: float = 0.0
    wheel_dy: float = 0.0
    """Its deltas."""
    wheel_run_ms: float = 0.0
    """The interval that the current run of identical wheel turns keeps (0 when none)."""
    wheel_run: int = 0
    """Intervals in the current run."""
    wheel_longest_run: int = 0
    """The longest such run so far."""


NO_POINTS: npt.NDArray[np.float64] = np.empty(0)
NO_POINTS.flags.writeable = False


@dataclass(slots=True)
class TouchTotals:
    """Whole-session touch strokes, updated per batch (exactly, whatever the batching; see
    :mod:`botsift_server.engine.touch`)."""

    tail_x: npt.NDArray[np.float64] = field(default_factory=lambda: NO_POINTS)
    tail_y: npt.NDArray[np.float64] = field(default_factory=lambda: NO_POINTS)
    """The open stroke's latest points, as many as a judged run needs before its last; empty
    when no stroke is under way (none began, or the last one ended)."""
    stroke_steps: int = 0
    """Steps of the open stroke so far (counted up to the run a stroke needs to be judged)."""
    stroke_interpolated: bool = False
    """Whether the open stroke already counted as interpolated."""
    judged: int = 0
    """Strokes long enough to be judged."""
    interpolated: int = 0
    """Of those, strokes with a run of identical steps along an exact line."""


@dataclass(slots=True, eq=False)
class SessionState:
    """Everything the engine remembers about one session; create it with ``Engine.start``.

    Read ``last_t_ms``, ``event_count`` and ``counts``; the rest is the engine's business. The
    windows (``pointer_window``, ``key_window``, ``timing_window``) are public so that callers and
    tests can check that memory stays bounded.
    """

    context: SessionContext
    pointer_window: Ring
    """Latest mouse events: ``t_ms`` (float64), ``x``, ``y`` (float32), ``kind`` (uint8)."""
    key_window: Ring
    """Latest key events: ``t_ms`` (float64), ``kind``, ``key_class`` (uint8)."""
    timing_window: Ring
    """Latest event times of every kind: ``t_ms`` (float64)."""
    last_t_ms: float = 0.0
    """Time of the last event added; 0.0 before any (event times are >= 0, so it is a valid floor)."""
    first_t_ms: float | None = None
    """Time of the first event added; None before any."""
    event_count: int = 0
    """How many events were added."""
    sampling: MoveSampling = field(default_factory=MoveSampling)
    """Where the thinning of dense runs of moves stands."""
    pointer_totals: PointerTotals = field(default_factory=PointerTotals)
    """Whole-session pointer counts."""
    scroll_totals: ScrollTotals = field(default_factory=ScrollTotals)
    """Whole-session scrolling counts."""
    touch_totals: TouchTotals = field(default_factory=TouchTotals)
    """Whole-session touch strokes."""
    family_counts: list[int] = field(default_factory=lambda: [0, 0, 0, 0, 0])
    """Running counts: pointer, keys, touches, scrolls, focus (see :attr:`counts`)."""
    first_input_t_ms: float | None = None
    """Time of the first click, key press or touch; None before any."""
    blurred: bool = False
    """Whether the page last reported losing focus (a BLUR without a FOCUS since)."""
    hidden: bool = False
    """Whether the page last reported being hidden (a VISIBILITY event with 0)."""
    inputs_blurred: int = 0
    """Clicks, key presses and touches while the page had reported losing focus."""
    inputs_hidden: int = 0
    """Clicks, key presses and touches while the page had reported being hidden."""
    arrival_offset_ms: float | None = None
    """Least (last event time - arrival time on the server's clock) over the batches so far whose
    arrival is known; None before any. A live session's events never run ahead of it by more than
    the network and flush delays."""
    clock_lead_ms: float = 0.0
    """The most a later batch's events ran ahead of that least offset (ms)."""
    button_down_t_ms: float | None = None
    """Time of the latest mouse press not yet released; None when no button is down."""
    clicks_released: int = 0
    """Mouse presses followed by their release."""
    clicks_instant: int = 0
    """Of those, the ones released within ``INSTANT_CLICK_MS`` of the press."""
    click_hold_min_ms: float = math.inf
    click_hold_max_ms: float = -math.inf
    """The shortest and the longest time a mouse button was held."""
    touch_start_t_ms: float | None = None
    """Time of the latest touch start not yet ended; None when no finger is down."""
    taps_ended: int = 0
    """Touch starts followed by their end."""
    taps_instant: int = 0
    """Touches that ended within ``INSTANT_CLICK_MS`` of their start."""
    tap_hold_min_ms: float = math.inf
    tap_hold_max_ms: float = -math.inf
    """The shortest and the longest time a touch lasted."""
    capitals_without_shift: int = 0
    """Key presses that typed a capital letter with neither Shift nor Caps Lock on (flagged by
    the client, :data:`KEY_FLAG_CAPITAL_WITHOUT_SHIFT`)."""

    @property
    def counts(self) -> EventCounts:
        """Events so far, by family."""
        pointer, keys, touches, scrolls, focus = self.family_counts
        return EventCounts(
            total=self.event_count,
            pointer=pointer,
            keys=keys,
            touches=touches,
            scrolls=scrolls,
            focus=focus,
        )
