"""Replay detection across sessions: a trajectory or typing rhythm that repeats an earlier one.

The cheapest way to look human is to replay a human: record one session (or single movements),
then send it again and again, shifted, turned, resized, stretched in time and with a few pixels
or milliseconds of noise. Each replay then passes every within-session test, but no person ever
moves or types the same way twice to within a few pixels and milliseconds: motor noise alone
makes repeated aimed movements differ by several percent of their length, and repeated typing of
the same text by tens of ms per key.

A :class:`Fingerprint` keeps what survives such a replay:

* **strokes** — each pointer movement between pauses and clicks, resampled at fixed fractions
  of its duration (so a uniform time stretch changes nothing but the duration), then centred
  and divided by its spread (RMS distance from its centroid). Two strokes are compared by the
  best rotation and scale of one onto the other (one complex correlation), and the residual in
  the newer stroke's pixels is held against the noise a replayer adds (on a small stroke, only
  when the times of its events repeat the other's too). A stitched replayer
  starts each copied movement where the pointer already is, so it drops the recording's first
  event: the index keeps each stroke from its second event on, and a new stroke is looked up
  both whole and from its second event;
* **flights** — the intervals between key presses, in order, compared after fitting a time
  stretch of a few percent.

:class:`ReplayIndex` holds the fingerprints of a tenant's latest finished sessions, bounded by
count (the oldest are forgotten), and :func:`findings` compares a session against it. Each
fingerprint carries a hash of its session id: the very same trajectory sent again under the same
session id is a client retry (a resend, not evidence), while the very same trajectory under a
*different* session id is the strongest replay evidence there is. Strokes are looked up by
duration in a sorted index, so a check reads only the few strokes that last about as long.
Pure values: no I/O, no clock, no globals; the server owns one index per tenant.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from botsift_server.engine._evidence import Finding, ramp
from botsift_server.engine._sorted_rows import SortedRows, as_pairs
from botsift_server.engine._state import SessionState
from botsift_server.engine._types import EventKind
from botsift_server.engine.pointer_steps import PointerWindow

_KEY_DOWN = int(EventKind.KEY_DOWN)

STROKE_POINTS = 11
"""Points each stroke is resampled at, its start and end included."""
MAX_STROKES = 16
"""Strokes kept per session: the longest ones of the latest pointer window."""
MIN_STROKE_EVENTS = 6
"""Move events at distinct times a stroke needs (from its second event on, for the copy the
index keeps). Five were not enough: a desktop logger's five readings 110 ms apart make a bent
line that other people drew again within the tolerances below (four of Balabit's eval-part
movements, delivered by a 60 Hz page, repeated a train-part person's stroke of five readings
strongly enough to be judged replays)."""
MIN_STROKE_MS = 100.0
MIN_SPREAD_PX = 12.0
"""Smallest spread (RMS distance of the resampled points from their centroid) compared at all."""
# A replay keeps a stroke's duration to within the replayer's time noise and stretch.
DURATION_TOLERANCE_MS = 15.0
DURATION_TOLERANCE_SHARE = 0.06
# The most a replayed stroke's shape differs from the original's after the best turn and resize,
# as the RMS residual's share of the spread: a share, plus a replayer's noise in pixels. A
# person's variation grows with the size of the movement (motor noise is a share of it), but a
# replayer adds its noise in pixels (+-1 px is about 0.4 px RMS after the averaging over each
# point's window, whatever the size), which is a large share of a small stroke's spread. So the
# tolerance is hypot(share, pixels / spread), and the share alone below NOISE_MIN_SPREAD_PX:
# smaller strokes are simple shapes that one person, or many, draw again within a pixel.
# Measured on Balabit's eval-part movements (17,098 sessions indexed, each stroke looked up
# against all the others, same person or not), as recorded and as a 60 Hz page and the web
# collector deliver them: no session has one strong repeat or two weak ones (4 and 6 have one
# weak one); with the pixels allowed on every stroke, 3 delivered sessions had, two of them one
# person repeating a 70 px movement. A stroke within the STRONG tolerance is full evidence; one
# only within the SHAPE tolerance is half.
SHAPE_TOLERANCE = 0.015
STRONG_TOLERANCE = 0.01
SHAPE_NOISE_PX = 0.5
STRONG_NOISE_PX = 0.4
NOISE_MIN_SPREAD_PX = 25.0
# A smaller stroke gets the pixels too when its events' times repeat the other's as well: each of
# the TIMED_EVENTS events after its first as far into the stroke (after the durations' stretch),
# to within TIMED_TOLERANCE_MS. A replayer keeps its recording's events and their times, to its
# own millisecond or two of noise. That says something only when the times could have been
# otherwise: at a steady rate, or on a coarse clock over a short stroke, every stroke of that
# duration has its events at the same instants (Balabit's users on a 15.6 ms clock matched other
# people's 125 ms strokes so). So the stroke needs TIMED_EVENTS events after its first, lasting at
# least TIMED_MIN_MS, and steps between them that differ by TIMED_UNEVEN_MS or more. A timed
# repeat is evidence of its own, so its pixels count TIMED_NOISE_SCALE times (a replayer's +-1 px
# on a stroke of a few readings is not averaged away). Measured as above, and against the
# train-part people's 46,024 movements as a tenant's history with the eval-part people's after
# them: no person's stroke is a timed repeat (at twice the scale, a few of the people on a
# 15.6 ms clock are: one strong), while of the 282 replays of that history's movements (`make
# data`'s), 44 more are strong repeats than with the shape alone (38 as a 60 Hz page delivers them).
TIMED_EVENTS = 8
TIMED_TOLERANCE_MS = 5.0
TIMED_MIN_MS = 400.0
TIMED_UNEVEN_MS = 15.0
TIMED_NOISE_SCALE = 1.75
# Closer than this is the very same stroke sent again (see ReplayIndex.match_strokes).
RESENT_TOLERANCE_PX = 0.01
RESENT_TOLERANCE_MS = 0.01
MAX_FLIGHTS = 48
"""Key-press intervals kept per session."""
MIN_FLIGHTS = 10
# Replayed intervals differ by the replayer's noise after a fitted stretch; a person retyping
# differs by tens of ms.
RHYTHM_TOLERANCE_MS = 6.0
MAX_STRETCH = 0.06
"""The largest time stretch (either way) a replayed rhythm is fitted with."""
# No single replayed interval is further off than this after the stretch, so candidates are
# looked up by their first interval (within this plus the stretch).
RHYTHM_MAX_DIFF_MS = 3.0 * RHYTHM_TOLERANCE_MS

# Each point is the mean position over its share of the duration (the time integral of the path
# between events over the window from EDGES[i] to EDGES[i + 1]): on densely sampled strokes that
# averages a replayer's per-event noise away, while a person's own variation, which is smooth,
# stays. The first and last windows are half as long, so the ends stay near the ends.
_EDGES = np.concatenate(([0.0], (np.arange(STROKE_POINTS - 1) + 0.5) / (STROKE_POINTS - 1), [1.0]))
_WIDTHS = _EDGES[1:] - _EDGES[:-1]
# A point's distance from the centroid (in spreads) moves by at most the largest point residual,
# sqrt(points) times the RMS one: the cheap first test of a candidate stroke's keys.
_KEY_REACH_PER_RESIDUAL = np.sqrt(STROKE_POINTS)


def tolerances(
    spreads: npt.NDArray[np.float64], *, timed: bool = False
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The largest residual (a share of the spread) of a repeat of strokes of ``spreads`` px: the
    strong one (full evidence) and the weak one (half); ``timed`` for a repeat whose events'
    times repeat too (see :data:`TIMED_EVENTS`)."""
    # (pixels count as nothing on strokes below NOISE_MIN_SPREAD_PX, unless timed)
    small = 0.0 if timed else NOISE_MIN_SPREAD_PX
    per_px = np.where(spreads >= small, 1.0 / np.maximum(spreads, 1e-9), 0.0) * (
        TIMED_NOISE_SCALE if timed else 1.0
    )
    return np.hypot(STRONG_TOLERANCE, STRONG_NOISE_PX * per_px), np.hypot(
        SHAPE_TOLERANCE, SHAPE_NOISE_PX * per_px
    )


@dataclass(frozen=True, slots=True, eq=False)
class Fingerprint:
    """What a replay of a session would still share with it (see the module docstring).

    Each row is one stroke, whole or from its second event (``tail``); the index keeps the tails.
    """

    shapes: npt.NDArray[np.complex128]
    """Resampled points, centred and divided by ``spreads``: one row of :data:`STROKE_POINTS`."""
    spreads: npt.NDArray[np.float64]
    """RMS distance of each row's points from their centroid (px)."""
    keys: npt.NDArray[np.float64]
    """How far each row's start and end are from its centroid, in spreads: unchanged by moving,
    turning and resizing, so a cheap first test before the shape's."""
    durations: npt.NDArray[np.float64]
    """Duration of each row (ms)."""
    stroke: npt.NDArray[np.int64]
    """Which stroke of the session each row is (rows of one stroke count once)."""
    tail: npt.NDArray[np.bool_]
    """Whether the row starts at its stroke's second event (what the index keeps)."""
    offsets: npt.NDArray[np.float64]
    """When each row's first :data:`TIMED_EVENTS` events after its first come, as a share of
    its duration (NaN past its last event)."""
    flights: npt.NDArray[np.float64]
    """Intervals between key presses (ms), oldest first, at most :data:`MAX_FLIGHTS`."""
    session: int = 0
    """:func:`session_key` of the session's id (tells a resend from a replay)."""

    @property
    def strokes(self) -> int:
        """How many strokes the fingerprint compares."""
        return int(np.count_nonzero(np.bincount(self.stroke))) if self.stroke.shape[0] else 0

    @property
    def empty(self) -> bool:
        """Whether there is nothing to compare (no long stroke, too few key presses)."""
        return bool(self.shapes.shape[0] == 0 and self.flights.shape[0] < MIN_FLIGHTS)


def session_key(session_id: str) -> int:
    """A stable 64-bit hash of a session id (the index keeps this, never the id itself)."""
    return int.from_bytes(hashlib.blake2b(session_id.encode(), digest_size=8).digest(), "little", signed=True)


def fingerprint(
    state: SessionState, gap_ms: float, session_id: str = "", *, window: PointerWindow | None = None
) -> Fingerprint:
    """The fingerprint of a session so far (its latest pointer and key windows); ``window`` is
    the session's :class:`PointerWindow` when the caller already has it."""
    if window is None:
        window = PointerWindow.of(state, gap_ms)
    with np.errstate(all="ignore"):
        # Keyboard pointer control draws the same strokes for everyone who uses it: no hand's
        # signature to repeat, so nothing to compare.
        rows = _no_rows() if window.keyboard_steered() else _strokes(window)
    kt, kind, _ = state.key_window.columns()
    presses = kt[kind == _KEY_DOWN]
    flights = (presses[1:] - presses[:-1])[:MAX_FLIGHTS].astype(np.float64)
    return Fingerprint(*rows, flights, session_key(session_id))


_Rows = tuple[
    npt.NDArray[np.complex128],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.int64],
    npt.NDArray[np.bool_],
    npt.NDArray[np.float64],
]


def _no_rows() -> _Rows:
    return (
        np.zeros((0, STROKE_POINTS), np.complex128),
        np.zeros(0),
        np.zeros((0, 2)),
        np.zeros(0),
        np.zeros(0, np.int64),
        np.zeros(0, np.bool_),
        np.zeros((0, TIMED_EVENTS)),
    )


def _strokes(window: PointerWindow) -> _Rows:
    # Strokes: runs of moves without a pause or a click between them.
    moves, starts = window.runs()
    t, z = window.t[moves], window.x[moves] + 1j * window.y[moves]
    if t.shape[0] < MIN_STROKE_EVENTS + 1:
        return _no_rows()
    dt = t[1:] - t[:-1]
    cut = starts[1:].nonzero()[0] + 1
    start = np.concatenate(([0], cut))
    end = np.concatenate((cut, [t.shape[0]])) - 1  # last event of each stroke
    # Kept: strokes long enough from their second event on (the copy the index keeps), counted
    # in distinct times: recorders often report two moves at once, and a stroke of three
    # instants is a bent line any hand can draw.
    # (instants[i]: how many distinct times follow the first event up to event i + 1)
    instants = (dt > 0.0).cumsum()
    second = np.minimum(start + 1, end)
    ok = (instants[end - 1] - instants[second - 1] + 1 >= MIN_STROKE_EVENTS) & (
        t[end] - t[second] >= MIN_STROKE_MS
    )
    start, end = start[ok], end[ok]
    if start.shape[0] > MAX_STROKES:
        extent = np.abs(z[end] - z[start]) + (t[end] - t[start]) * 1e-9
        keep = np.sort(np.argsort(-extent, kind="stable")[:MAX_STROKES])
        start, end = start[keep], end[keep]
    n = start.shape[0]
    if n == 0:
        return _no_rows()
    # Rows: every stroke whole, then every stroke from its second event.
    first = np.concatenate((start, start + 1))
    last = np.concatenate((end, end))
    duration = t[last] - t[first]
    # Mean positions over each point's window (see _EDGES).
    area = np.concatenate(([0.0], (dt * (z[1:] + z[:-1]) * 0.5).cumsum()))
    when = t[first][:, None] + duration[:, None] * _EDGES[None, :]
    right = np.minimum(np.maximum(t.searchsorted(when, side="right"), first[:, None] + 1), last[:, None])
    left = right - 1
    t_left, z_left = t[left], z[left]
    after = when - t_left
    # Within its segment (a segment of events at one time has no inside: its end is taken).
    share = np.minimum(after / np.maximum(dt[left], 1e-9), 1.0)
    at = z_left + (z[right] - z_left) * share
    integral = area[left] + after * (z_left + at) * 0.5
    points = (integral[:, 1:] - integral[:, :-1]) / (duration[:, None] * _WIDTHS[None, :])
    centred = points - np.add.reduce(points, axis=1, keepdims=True) * (1.0 / STROKE_POINTS)
    spread = np.sqrt(
        np.add.reduce(centred.real * centred.real + centred.imag * centred.imag, axis=1)
        * (1.0 / STROKE_POINTS)
    )
    big = spread >= MIN_SPREAD_PX
    shapes = centred[big] / spread[big][:, None]
    row = np.arange(2 * n)
    # The times of each row's next TIMED_EVENTS events, as shares of its duration.
    which = first[big][:, None] + np.arange(1, TIMED_EVENTS + 1)[None, :]
    inside = which <= last[big][:, None]
    offsets = np.where(
        inside,
        (t[np.minimum(which, t.shape[0] - 1)] - t[first[big]][:, None]) / duration[big][:, None],
        np.nan,
    )
    return (
        shapes,
        spread[big],
        np.abs(shapes[:, :: STROKE_POINTS - 1]),  # the first and the last point
        duration[big],
        (row % n)[big],
        (row >= n)[big],
        offsets,
    )


class ReplayIndex:
    """Fingerprints of the latest finished sessions of one tenant, bounded by count.

    Add a session with :meth:`add` when its final verdict is made; :func:`findings` reads the
    index. Memory is fixed at creation: ``capacity`` slots in preallocated arrays (each up to
    :data:`MAX_STROKES` strokes and :data:`MAX_FLIGHTS` intervals, about 2.5 KB a session);
    once full, each new session takes the slot of the oldest. The stored strokes are also kept
    sorted by duration (and the rhythms by their first interval), so a lookup compares only
    strokes of about the same duration; adding costs the same however full the index is.
    """

    __slots__ = (
        "_durations",
        "_flights",
        "_next",
        "_offsets",
        "_rhythms",
        "_sessions",
        "_shapes",
        "_size",
        "_spreads",
        "_strokes",
        "capacity",
    )

    def __init__(self, capacity: int = 1000) -> None:
        if capacity < 1:
            raise ValueError("capacity: must be >= 1")
        self.capacity = capacity
        """The most sessions the index remembers."""
        rows = capacity * MAX_STROKES
        self._shapes = np.zeros((rows, STROKE_POINTS), np.complex64)
        self._spreads = np.ones(rows, np.float32)
        self._durations = np.zeros(rows, np.float32)
        self._offsets = np.full((rows, TIMED_EVENTS), np.nan, np.float32)
        self._flights = np.full((capacity, MAX_FLIGHTS), np.nan, np.float32)
        self._sessions = np.zeros(capacity, np.int64)
        # The stored strokes by duration, each with its keys; the stored rhythms by their first
        # interval, each with the next two (a lookup reads these first, never scattered rows).
        self._strokes = SortedRows(capacity, MAX_STROKES)
        self._rhythms = SortedRows(capacity, 1)
        self._next = 0
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def add(self, fp: Fingerprint) -> None:
        """Remember a finished session (a fingerprint with nothing to compare is skipped)."""
        if fp.empty:
            return
        slot = self._next
        lo = slot * MAX_STROKES
        if self._size == self.capacity:
            # Forget the oldest session's strokes and rhythm in the sorted rows too.
            self._strokes.forget(slot)
            self._rhythms.forget(slot)
        tails = fp.tail.nonzero()[0]
        n = tails.shape[0]
        self._shapes[lo : lo + n] = fp.shapes[tails]
        self._spreads[lo : lo + n] = fp.spreads[tails]
        durations = fp.durations[tails]
        self._durations[lo : lo + n] = durations
        self._offsets[lo : lo + n] = fp.offsets[tails]
        self._flights[slot] = np.nan
        self._flights[slot, : fp.flights.shape[0]] = fp.flights
        self._sessions[slot] = fp.session
        self._strokes.add(slot, durations, lo + np.arange(n), as_pairs(fp.keys[tails]))
        if fp.flights.shape[0] >= MIN_FLIGHTS:
            self._rhythms.add(slot, fp.flights[:1], np.array([slot]), as_pairs(fp.flights[None, 1:3]))
        self._next = (slot + 1) % self.capacity
        self._size = min(self.capacity, self._size + 1)

    def match_strokes(self, fp: Fingerprint) -> tuple[int, int, float]:
        """How many of ``fp``'s strokes repeat a stroke of another session to within a replayer's
        noise, how many of those are exact copies (only moved) of another session's, and how
        much evidence the repeats are (1 for each within :data:`STRONG_TOLERANCE`, 0.5 for each
        only within :data:`SHAPE_TOLERANCE`)."""
        if fp.shapes.shape[0] == 0 or not self._strokes:
            return 0, 0, 0.0
        # Candidates: the stored strokes whose duration is within tolerance, then whose keys
        # are (a cheap necessary condition).
        tol = np.maximum(DURATION_TOLERANCE_MS, DURATION_TOLERANCE_SHARE * fp.durations)
        mine = as_pairs(fp.keys)
        strong_tol, shape_tol = tolerances(fp.spreads)
        timed_strong_tol, timed_shape_tol = tolerances(fp.spreads, timed=True)
        reach = (_KEY_REACH_PER_RESIDUAL * timed_shape_tol + timed_shape_tol * timed_shape_tol).astype(
            np.float32
        )

        def near(query: npt.NDArray[np.intp], keys: npt.NDArray[np.complex64]) -> npt.NDArray[np.bool_]:
            apart = keys - mine[query]
            limit = reach[query]
            ok: npt.NDArray[np.bool_] = (np.abs(apart.real) <= limit) & (np.abs(apart.imag) <= limit)
            return ok

        qi, oi = self._strokes.within(fp.durations - tol, fp.durations + tol, near)
        # A stroke of the same session is compared only from its second event, as it is stored:
        # the same stroke whole would otherwise look like a slightly different copy of itself.
        same_session = self._sessions[oi // MAX_STROKES] == fp.session
        keep = fp.tail[qi] | ~same_session
        qi, oi, same_session = qi[keep], oi[keep], same_session[keep]
        if qi.shape[0] == 0:
            return 0, 0, 0.0
        # The best turn and resize of the old stroke onto the new one is one complex factor;
        # both shapes have unit RMS, so the residual's share of the spread is sqrt(1 - |c|^2).
        c = np.add.reduce(np.conj(self._shapes[oi]) * fp.shapes[qi], axis=1) * (1.0 / STROKE_POINTS)
        residual = np.sqrt(np.maximum(0.0, 1.0 - (c.real * c.real + c.imag * c.imag)))
        close = residual <= timed_shape_tol[qi]
        if not np.count_nonzero(close):
            return 0, 0, 0.0
        qi, oi, same_session, residual = qi[close], oi[close], same_session[close], residual[close]
        # The pixels count on small strokes only when the events' times repeat too.
        timed = self._timed(fp, qi, oi)
        close = timed | (residual <= shape_tol[qi])
        if not np.count_nonzero(close):
            return 0, 0, 0.0
        qi, oi, same_session, residual, timed = (
            qi[close],
            oi[close],
            same_session[close],
            residual[close],
            timed[close],
        )
        mine = fp.shapes[qi]
        strong = np.where(timed, timed_strong_tol[qi], strong_tol[qi])
        # Identical to within float rounding, only moved: under the same session id that is the
        # same session sent again (a client retry), not a replay; under another id it is a copy,
        # which no person could produce.
        diff = (mine - self._shapes[oi]) * fp.spreads[qi][:, None]
        identical = (
            (np.sqrt(np.mean(diff.real**2 + diff.imag**2, axis=1)) <= RESENT_TOLERANCE_PX)
            & (np.abs(fp.spreads[qi] - self._spreads[oi]) <= RESENT_TOLERANCE_PX)
            & (np.abs(fp.durations[qi] - self._durations[oi]) <= RESENT_TOLERANCE_MS)
        )
        counted = ~(identical & same_session)
        strokes = fp.stroke[qi][counted]
        if strokes.shape[0] == 0:
            return 0, 0, 0.0
        # Each stroke's best match: full evidence when strong, half otherwise.
        # (residuals as a share of the strong tolerance: at most 1 is strong)
        best = np.full(int(fp.stroke.max()) + 1, np.inf)
        np.minimum.at(best, strokes, (residual / strong)[counted])
        best = best[np.isfinite(best)]
        evidence = float(np.where(best <= 1.0, 1.0, 0.5).sum())
        copied = np.unique(fp.stroke[qi][identical & ~same_session]).shape[0]
        return int(best.shape[0]), int(copied), evidence

    def _timed(
        self, fp: Fingerprint, qi: npt.NDArray[np.intp], oi: npt.NDArray[np.intp]
    ) -> npt.NDArray[np.bool_]:
        """Whether each of ``fp``'s rows ``qi`` has its first :data:`TIMED_EVENTS` events after
        its first at the instants of the stored row ``oi``'s (each within
        :data:`TIMED_TOLERANCE_MS` after the durations' stretch; both rows have that many), and
        those instants say something (see :data:`TIMED_EVENTS`)."""
        duration = fp.durations[qi]
        mine = fp.offsets[qi] * duration[:, None]
        theirs = self._offsets[oi].astype(np.float64) * duration[:, None]
        # Events at a steady rate sit at the same instants in every stroke of that duration: only
        # an uneven rhythm can repeat by more than chance.
        steps = np.diff(mine, axis=1, prepend=0.0)
        with np.errstate(invalid="ignore"):  # (NaN past a row's last event: not timed)
            timed: npt.NDArray[np.bool_] = (
                (duration >= TIMED_MIN_MS)
                & (steps.max(axis=1) - steps.min(axis=1) >= TIMED_UNEVEN_MS)
                & (np.abs(mine - theirs).max(axis=1) <= TIMED_TOLERANCE_MS)
            )
        return timed

    def match_rhythm(self, fp: Fingerprint) -> int:
        """How many key intervals of ``fp`` repeat, in order and up to a time stretch of a few
        percent, an earlier session's (0 if none do)."""
        n = fp.flights.shape[0]
        if n < MIN_FLIGHTS or not self._rhythms:
            return 0
        # Candidates: stored rhythms whose first interval, stretched by at most MAX_STRETCH, is
        # within RHYTHM_MAX_DIFF_MS of this one's; then the same for the next two intervals.
        first, second, third = fp.flights[:1], fp.flights[1], fp.flights[2]

        def near(_: npt.NDArray[np.intp], head: npt.NDArray[np.complex64]) -> npt.NDArray[np.bool_]:
            theirs_2, theirs_3 = head.real, head.imag
            ok: npt.NDArray[np.bool_] = (
                np.abs(theirs_2 - second) <= RHYTHM_MAX_DIFF_MS + MAX_STRETCH * theirs_2
            ) & (np.abs(theirs_3 - third) <= RHYTHM_MAX_DIFF_MS + MAX_STRETCH * theirs_3)
            return ok

        _, slots = self._rhythms.within(
            (first - RHYTHM_MAX_DIFF_MS) / (1.0 + MAX_STRETCH),
            (first + RHYTHM_MAX_DIFF_MS) / (1.0 - MAX_STRETCH),
            near,
        )
        if slots.shape[0] == 0:
            return 0
        theirs = self._flights[slots, :n].astype(np.float64)
        both = theirs == theirs  # not NaN: the older rhythm may be shorter
        count = both.sum(axis=1)
        theirs[~both] = 0.0
        mine = both * fp.flights[None, :]
        # The stretch that fits the old intervals to the new best (least squares), within bounds
        # (a stored rhythm has MIN_FLIGHTS > 0 intervals, so the denominator is positive).
        stretch = np.minimum(
            np.maximum((theirs * mine).sum(axis=1) / (theirs * theirs).sum(axis=1), 1.0 - MAX_STRETCH),
            1.0 + MAX_STRETCH,
        )
        diff = mine - stretch[:, None] * theirs
        worst = np.abs(diff).max(axis=1)
        ok = (count >= MIN_FLIGHTS) & (worst <= RHYTHM_MAX_DIFF_MS)
        if not np.count_nonzero(ok):
            return 0
        rms = np.sqrt((diff[ok] ** 2).sum(axis=1) / count[ok])
        # The same rhythm exactly, under the same session id, is that session sent again.
        exact = worst[ok] <= RESENT_TOLERANCE_MS * 10
        resent = exact & (self._sessions[slots[ok]] == fp.session)
        hits = count[ok][(rms <= RHYTHM_TOLERANCE_MS) & ~resent]
        return int(hits.max()) if hits.shape[0] else 0


# Log-odds of the findings. A replay inherits everything human about the recording it copies, so
# the other detectors' evidence that the movement or typing is human (down to -7.6 log-odds for
# the composite people, the learned model's share bounded at -3) says nothing against it: a repeat
# must outweigh all of that, and reach HIGH on one strong repeat, CRITICAL on two or on an exact
# copy. One weak repeat alone (4 to 6 of 17,098 people's sessions have one) is no finding; two weak ones
# count as one strong. A long session has many strokes to be unlucky with, so repeats count fully
# only when they are a good share of the session's strokes.
COPIED_LOG_ODDS = 14.0
REPEATED_LOG_ODDS = 11.0
REPEATED_MORE_LOG_ODDS = 14.0
RHYTHM_LOG_ODDS = 11.0


def findings(fp: Fingerprint, index: ReplayIndex) -> list[Finding]:
    """Evidence that a session replays one of the index's sessions (empty when none)."""
    out: list[Finding] = []
    n_strokes = fp.strokes
    matched, copied, evidence = index.match_strokes(fp)
    if copied:
        # An exact copy of another session's stroke: nothing else explains it.
        out.append(
            Finding(
                "POINTER_REPLAYED_TRAJECTORY",
                f"{copied} of {n_strokes} pointer strokes are exact copies of another session's "
                "strokes; people never move the same way twice.",
                COPIED_LOG_ODDS,
            )
        )
    elif evidence > 0.5:
        strength = REPEATED_LOG_ODDS * ramp(evidence, 0.5, 1.0) + (
            REPEATED_MORE_LOG_ODDS - REPEATED_LOG_ODDS
        ) * ramp(evidence, 1.0, 2.0)
        out.append(
            Finding(
                "POINTER_REPLAYED_TRAJECTORY",
                f"{matched} of {n_strokes} pointer strokes repeat an earlier session's strokes "
                "to within a few pixels and milliseconds (moved, turned or resized); people never "
                "move the same way twice.",
                strength * ramp(matched / n_strokes, 0.0, 0.25),
            )
        )
    repeated = index.match_rhythm(fp)
    if repeated:
        out.append(
            Finding(
                "KEYS_REPLAYED_RHYTHM",
                f"The first {repeated} intervals between key presses repeat an earlier session's "
                "to within a few milliseconds; people never type with the same rhythm twice.",
                RHYTHM_LOG_ODDS * ramp(repeated, MIN_FLIGHTS - 1, 2 * MIN_FLIGHTS),
            )
        )
    return out
