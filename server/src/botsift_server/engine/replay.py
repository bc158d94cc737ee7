"""Replay detection across sessions: a trajectory or typing rhythm that repeats an earlier one.

The cheapest way to look human is to replay a human: record one session, then send it again
and again, shifted, stretched and with a pixel or a millisecond of noise. Each replay then
passes every within-session test, but no person ever moves or types the same way twice to
within a pixel and a millisecond: motor noise alone makes repeated aimed movements differ by
several percent of their length, and repeated typing of the same text by tens of ms per key.

A :class:`Fingerprint` keeps what survives a replay with jitter:

* **strokes** — each long pointer movement, resampled at fixed fractions of its duration and
  mapped so that it starts at 0 and its points' mean offset from the start is 1 in the complex
  plane. That makes it the same for
  a copy moved anywhere, rotated or scaled (all a replayer does to fit a new page), while its
  duration and the exact shape between the ends still identify it;
* **flights** — the intervals between key presses, in order.

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
from typing import Any

import numpy as np
import numpy.typing as npt

from botsift_server.engine._evidence import Finding, ramp
from botsift_server.engine._state import SessionState
from botsift_server.engine._types import EventKind

_MOVE, _KEY_DOWN, _KEY_UP = int(EventKind.MOVE), int(EventKind.KEY_DOWN), int(EventKind.KEY_UP)

STROKE_POINTS = 10
"""Interior points each stroke is resampled at (its ends are 0 and 1 by construction)."""
MAX_STROKES = 16
"""Strokes kept per session: the longest ones of the latest pointer window."""
MIN_STROKE_EVENTS = 8
# A stroke must reach this far from its start, and its points' mean offset from the start
# (which sets its scale) must be this long too (px).
MIN_STROKE_PX = 30.0
MIN_STROKE_MS = 120.0
# A replay keeps a stroke's duration to within the replayer's time noise.
DURATION_TOLERANCE_MS = 12.0
DURATION_TOLERANCE_SHARE = 0.04
# The most a replayed stroke's shape differs from the original's (RMS over its points), as a
# share of its length and in px: +-1 px of position noise and ~1 ms of time noise stay below
# both, while the nearest of 17,000 other people's strokes (Balabit) is 0.02 or more in 99.5%.
SHAPE_TOLERANCE = 0.012
MOVED_TOLERANCE_PX = 3.0
# Closer than this is the very same session sent again (see ReplayIndex.match_strokes).
RESENT_TOLERANCE_PX = 0.01
RESENT_TOLERANCE_MS = 0.01
MAX_FLIGHTS = 48
"""Key-press intervals kept per session."""
MIN_FLIGHTS = 10
# Replayed intervals differ by the replayer's noise; a person retyping differs by tens of ms.
RHYTHM_TOLERANCE_MS = 6.0
# No single replayed interval is further off than this (a replayer's noise is a few ms), so
# candidates are looked up by their first interval.
RHYTHM_MAX_DIFF_MS = 3.0 * RHYTHM_TOLERANCE_MS


@dataclass(frozen=True, slots=True, eq=False)
class Fingerprint:
    """What a replay of a session would still share with it (see the module docstring)."""

    strokes: npt.NDArray[np.complex128]
    """Stroke points relative to each stroke's start (px, as x + iy), one row of
    :data:`STROKE_POINTS` per stroke."""
    durations: npt.NDArray[np.float64]
    """Duration of each stroke (ms)."""
    centres: npt.NDArray[np.complex128]
    """Each stroke's mean offset from its start (px): dividing by it removes rotation and scale."""
    flights: npt.NDArray[np.float64]
    """Intervals between key presses (ms), oldest first, at most :data:`MAX_FLIGHTS`."""
    session: int = 0
    """:func:`session_key` of the session's id (tells a resend from a replay)."""

    @property
    def empty(self) -> bool:
        """Whether there is nothing to compare (no long stroke, too few key presses)."""
        return bool(self.strokes.shape[0] == 0 and self.flights.shape[0] < MIN_FLIGHTS)


def session_key(session_id: str) -> int:
    """A stable 64-bit hash of a session id (the index keeps this, never the id itself)."""
    return int.from_bytes(hashlib.blake2b(session_id.encode(), digest_size=8).digest(), "little", signed=True)


def fingerprint(state: SessionState, gap_ms: float, session_id: str = "") -> Fingerprint:
    """The fingerprint of a session so far (its latest pointer and key windows)."""
    t, x, y, k = state.pointer_window.columns()
    with np.errstate(all="ignore"):
        strokes, durations, centres = _strokes(t, x.astype(np.float64), y.astype(np.float64), k, gap_ms)
    kt, kind, _ = state.key_window.columns()
    presses = kt[kind == _KEY_DOWN]
    flights = np.diff(presses)[:MAX_FLIGHTS].astype(np.float64)
    return Fingerprint(strokes, durations, centres, flights, session_key(session_id))


def _strokes(
    t: npt.NDArray[np.float64],
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    k: npt.NDArray[np.uint8],
    gap_ms: float,
) -> tuple[npt.NDArray[np.complex128], npt.NDArray[np.float64], npt.NDArray[np.complex128]]:
    none = (np.zeros((0, STROKE_POINTS), np.complex128), np.zeros(0), np.zeros(0, np.complex128))
    moves = k == _MOVE
    t, z = t[moves], x[moves] + 1j * y[moves]
    if t.shape[0] < MIN_STROKE_EVENTS:
        return none
    # Strokes: runs of moves without a pause (clicks already cut them: only moves are kept, and
    # a click's gap between the approach and the next movement is a pause in the move times).
    cut = np.flatnonzero(np.diff(t) > gap_ms) + 1
    start = np.concatenate(([0], cut))
    end = np.concatenate((cut, [t.shape[0]])) - 1  # last event of each stroke
    duration = t[end] - t[start]
    extent = np.maximum.reduceat(np.abs(z - np.repeat(z[start], end - start + 1)), start)
    ok = (end - start + 1 >= MIN_STROKE_EVENTS) & (extent >= MIN_STROKE_PX) & (duration >= MIN_STROKE_MS)
    if not ok.any():
        return none
    start, end, duration, extent = start[ok], end[ok], duration[ok], extent[ok]
    if start.shape[0] > MAX_STROKES:
        keep = np.sort(np.argsort(-extent, kind="stable")[:MAX_STROKES])
        start, end, duration = start[keep], end[keep], duration[keep]
    # Resample every stroke at the same fractions of its duration (the last is its end), all
    # strokes at once.
    frac = np.arange(1, STROKE_POINTS + 1) / STROKE_POINTS
    when = t[start][:, None] + duration[:, None] * frac[None, :]
    right = np.searchsorted(t, when, side="right")
    right = np.clip(right, start[:, None] + 1, end[:, None])
    left = right - 1
    span = t[right] - t[left]
    share = np.clip(np.where(span > 0.0, (when - t[left]) / np.where(span > 0.0, span, 1.0), 1.0), 0.0, 1.0)
    rel = z[left] + (z[right] - z[left]) * share - z[start][:, None]
    # Rotation and scale from the mean offset from the start (its centroid): unlike the chord, it
    # is stable for strokes that come back near where they began.
    centre = rel.mean(axis=1)
    size = np.abs(centre)
    big = size >= MIN_STROKE_PX
    return rel[big], duration[big], centre[big]


class ReplayIndex:
    """Fingerprints of the latest finished sessions of one tenant, bounded by count.

    Add a session with :meth:`add` when its final verdict is made; :func:`findings` reads the
    index. Memory is fixed at creation: ``capacity`` slots in preallocated arrays (each up to
    :data:`MAX_STROKES` strokes and :data:`MAX_FLIGHTS` intervals, about 1.6 KB a session);
    once full, each new session takes the slot of the oldest. The stored strokes are also kept
    sorted by duration, so a lookup compares only strokes of about the same duration.
    """

    __slots__ = (
        "_by_duration",
        "_by_first",
        "_centres",
        "_durations",
        "_ends",
        "_flights",
        "_next",
        "_points",
        "_rows",
        "_sessions",
        "_size",
        "_slots",
        "capacity",
    )

    def __init__(self, capacity: int = 1000) -> None:
        if capacity < 1:
            raise ValueError("capacity: must be >= 1")
        self.capacity = capacity
        """The most sessions the index remembers."""
        rows = capacity * MAX_STROKES
        self._points = np.zeros((rows, STROKE_POINTS), np.complex64)
        self._centres = np.ones(rows, np.complex64)
        self._ends = np.zeros(rows, np.complex64)  # each stroke's end divided by its centre
        self._durations = np.full(rows, np.nan)
        self._flights = np.full((capacity, MAX_FLIGHTS), np.nan)
        self._sessions = np.zeros(capacity, np.int64)
        # The stored strokes' durations, ascending, and the row each belongs to.
        self._by_duration = np.zeros(0)
        self._rows = np.zeros(0, np.int64)
        # The stored rhythms' first intervals, ascending, and the slot each belongs to.
        self._by_first = np.zeros(0)
        self._slots = np.zeros(0, np.int64)
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
        n = fp.strokes.shape[0]
        if self._size == self.capacity:
            # Forget the oldest session's strokes in the sorted index too.
            keep = (self._rows // MAX_STROKES) != slot
            self._by_duration, self._rows = self._by_duration[keep], self._rows[keep]
            keep = self._slots != slot
            self._by_first, self._slots = self._by_first[keep], self._slots[keep]
        self._durations[lo : lo + MAX_STROKES] = np.nan
        self._durations[lo : lo + n] = fp.durations
        self._points[lo : lo + n] = fp.strokes
        self._centres[lo : lo + n] = fp.centres
        self._ends[lo : lo + n] = fp.strokes[:, -1] / fp.centres
        self._flights[slot] = np.nan
        self._flights[slot, : fp.flights.shape[0]] = fp.flights
        self._sessions[slot] = fp.session
        order = np.argsort(fp.durations, kind="stable")
        where = np.searchsorted(self._by_duration, fp.durations[order])
        self._by_duration = np.insert(self._by_duration, where, fp.durations[order])
        self._rows = np.insert(self._rows, where, lo + order)
        if fp.flights.shape[0] >= MIN_FLIGHTS:
            at = int(np.searchsorted(self._by_first, fp.flights[0]))
            self._by_first = np.insert(self._by_first, at, fp.flights[0])
            self._slots = np.insert(self._slots, at, slot)
        self._next = (slot + 1) % self.capacity
        self._size = min(self.capacity, self._size + 1)

    def match_strokes(self, fp: Fingerprint) -> tuple[int, int]:
        """How many of ``fp``'s strokes repeat a stroke of an earlier session, and how many of
        those are exact copies from a session with another id."""
        n = fp.strokes.shape[0]
        if n == 0 or self._by_duration.shape[0] == 0:
            return 0, 0
        # Candidates: the stored strokes whose duration is within tolerance (ranges of the
        # sorted index), then the exact shape in px of the new stroke.
        tol = np.maximum(DURATION_TOLERANCE_MS, DURATION_TOLERANCE_SHARE * fp.durations)
        lo = np.searchsorted(self._by_duration, fp.durations - tol, "left")
        hi = np.searchsorted(self._by_duration, fp.durations + tol, "right")
        lengths = hi - lo
        total = int(lengths.sum())
        if total == 0:
            return 0, 0
        qi = np.repeat(np.arange(n), lengths)
        oi = self._rows[np.arange(total) + np.repeat(lo - (np.cumsum(lengths) - lengths), lengths)]
        # Cheap necessary conditions first: a moved copy's mean offset is within the px tolerance
        # (the mean differs no more than the RMS), and a turned and resized copy's end, divided
        # by its mean offset, within sqrt(points) times the shape tolerance.
        centre = fp.centres[qi]
        end = fp.strokes[qi, -1] / centre
        near = (np.abs(centre - self._centres[oi]) <= MOVED_TOLERANCE_PX) | (
            np.abs(end - self._ends[oi]) <= SHAPE_TOLERANCE * np.sqrt(STROKE_POINTS)
        )
        qi, oi = qi[near], oi[near]
        # The same path moved elsewhere: points relative to the start, in px.
        moved_px = _rms(fp.strokes[qi] - self._points[oi])
        moved = moved_px <= MOVED_TOLERANCE_PX
        # Identical to within float rounding: under the same session id that is the same session
        # sent again (a client retry), not a replay; under another id it is a copy, which no
        # person could produce.
        identical = moved_px <= RESENT_TOLERANCE_PX
        same_session = self._sessions[oi // MAX_STROKES] == fp.session
        resent = identical & same_session
        # The same path also turned and resized (as a replayer fitting it to a new target does):
        # points divided by their mean offset, so the tolerance is a share of the stroke's size.
        mine = fp.strokes[qi] / fp.centres[qi][:, None]
        theirs = self._points[oi] / self._centres[oi][:, None]
        bent = _rms(mine - theirs) <= SHAPE_TOLERANCE
        matched = np.unique(qi[(moved | bent) & ~resent]).shape[0]
        copied = np.unique(qi[identical & ~same_session]).shape[0]
        return int(matched), int(copied)

    def match_rhythm(self, fp: Fingerprint) -> int:
        """How many key intervals of ``fp`` repeat, in order, an earlier session's (0 if none do)."""
        n = fp.flights.shape[0]
        if n < MIN_FLIGHTS or self._by_first.shape[0] == 0:
            return 0
        first = fp.flights[0]
        lo = np.searchsorted(self._by_first, first - RHYTHM_MAX_DIFF_MS, "left")
        hi = np.searchsorted(self._by_first, first + RHYTHM_MAX_DIFF_MS, "right")
        if hi == lo:
            return 0
        slots = self._slots[lo:hi]
        diff = self._flights[slots, :n] - fp.flights[None, :]
        both = ~np.isnan(diff)
        count = both.sum(axis=1)
        diff = np.where(both, diff, 0.0)
        ok = (count >= MIN_FLIGHTS) & (np.abs(diff).max(axis=1) <= RHYTHM_MAX_DIFF_MS)
        if not ok.any():
            return 0
        rms = np.sqrt((diff[ok] ** 2).sum(axis=1) / count[ok])
        # The same rhythm exactly, under the same session id, is that session sent again.
        resent = (rms <= RESENT_TOLERANCE_MS) & (self._sessions[slots[ok]] == fp.session)
        hits = count[ok][(rms <= RHYTHM_TOLERANCE_MS) & ~resent]
        return int(hits.max()) if hits.shape[0] else 0


def _rms(diff: npt.NDArray[np.complexfloating[Any, Any]]) -> npt.NDArray[np.float64]:
    out: npt.NDArray[np.float64] = np.sqrt(np.mean(diff.real**2 + diff.imag**2, axis=1))
    return out


def findings(fp: Fingerprint, index: ReplayIndex) -> list[Finding]:
    """Evidence that a session replays one of the index's sessions (empty when none)."""
    out: list[Finding] = []
    n_strokes = fp.strokes.shape[0]
    matched, copied = index.match_strokes(fp)
    if copied:
        # An exact copy of another session's stroke: nothing else explains it.
        out.append(
            Finding(
                "POINTER_REPLAYED_TRAJECTORY",
                f"{copied} of {n_strokes} pointer strokes are exact copies of another session's "
                "strokes; people never move the same way twice.",
                4.0,
            )
        )
    elif matched:
        # Not one of 6,300 Balabit movements matched another person's to this tolerance: one
        # matching stroke is strong evidence, two are a replay.
        strength = ramp(matched, 0, 2) * ramp(matched / n_strokes, 0.0, 0.3)
        out.append(
            Finding(
                "POINTER_REPLAYED_TRAJECTORY",
                f"{matched} of {n_strokes} pointer strokes repeat an earlier session's strokes "
                "to within a few pixels and milliseconds; people never move the same way twice.",
                4.0 * strength,
            )
        )
    repeated = index.match_rhythm(fp)
    if repeated:
        strength = ramp(repeated, MIN_FLIGHTS - 1, 2 * MIN_FLIGHTS)
        out.append(
            Finding(
                "KEYS_REPLAYED_RHYTHM",
                f"The first {repeated} intervals between key presses repeat an earlier session's "
                "to within a few milliseconds; people never type with the same rhythm twice.",
                4.0 * strength,
            )
        )
    return out
