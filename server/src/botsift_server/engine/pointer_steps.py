"""Pointer steps: a session's pointer window cut into movement steps, segments and runs, each
derived once per verdict and shared by the pointer rules (:mod:`botsift_server.engine.pointer`),
the model's features (:mod:`botsift_server.engine.pointer_features`) and the replay fingerprint
(:mod:`botsift_server.engine.replay`).

A *step* joins two consecutive MOVE events less than the segment gap apart; a *segment* is a
run of steps; a *run* of the speed profile is the timed steps of one segment. Keyboard pointer
control (Mouse Keys) is recognised here too, since all three readers treat it alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from botsift_server.engine._state import SessionState
from botsift_server.engine._types import EventKind

_MOVE, _DOWN = int(EventKind.MOVE), int(EventKind.DOWN)

MIN_DIRECTION_PX = 2.0
"""Steps shorter than this (px) have no usable direction: pixel rounding dominates."""
REPEAT_MIN_STEP_PX = 3.0
"""Shortest steps whose repeats count (shorter ones repeat by chance in slow human movement,
1-2 px per event)."""
REPEAT_TOLERANCE_PX = 0.01
"""Two step vectors this close (in x and in y) are the same step repeated."""


class Steps:
    """The movement steps of a run of mouse events, computed once and shared by the rules
    (:mod:`botsift_server.engine.pointer`), the features and the keyboard-control check.

    A step joins two consecutive MOVE events less than the segment gap apart; ``seg`` numbers
    the segment (run of steps) each step belongs to, from 0.
    """

    __slots__ = (
        "_changes",
        "_logs",
        "_repeats",
        "_speed",
        "dt",
        "dx",
        "dy",
        "length",
        "n",
        "n_seg",
        "seg",
        "step",
    )

    def __init__(
        self,
        t: npt.NDArray[np.float64],
        x: npt.NDArray[np.float64],
        y: npt.NDArray[np.float64],
        k: npt.NDArray[np.uint8],
        gap_ms: float,
    ) -> None:
        dt_all = t[1:] - t[:-1]
        is_move = k == _MOVE
        step = is_move[1:] & is_move[:-1] & (dt_all <= gap_ms)
        self.step = step
        """Which consecutive event pairs are movement steps."""
        self.n = int(np.count_nonzero(step))
        """How many steps there are."""
        if self.n:
            seg = (~step).cumsum()[step]
            self.seg = seg - seg[0]
            self.n_seg = int(self.seg[-1]) + 1
        else:
            self.seg = np.zeros(0, np.int64)
            self.n_seg = 0
        self.dt = dt_all[step]
        self.dx = (x[1:] - x[:-1])[step]
        self.dy = (y[1:] - y[:-1])[step]
        self.length = np.hypot(self.dx, self.dy)
        self._logs: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None = None
        self._changes: (
            tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64], npt.NDArray[np.float64]] | None
        ) = None
        self._repeats: tuple[int, int] | None = None
        self._speed: Speed | None = None

    def logs(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """The log of each step's length and of its interval (0 where either is 0), computed once."""
        if self._logs is None:
            self._logs = (
                np.log(np.where(self.length > 0.0, self.length, 1.0)),
                np.log(np.where(self.dt > 0.0, self.dt, 1.0)),
            )
        return self._logs

    def changes(self) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """For each pair of consecutive steps: whether both are in one segment, and the change of
        log length and of log interval from the first to the second (see :meth:`logs`), computed once."""
        if self._changes is None:
            log_len, log_dt = self.logs()
            self._changes = (
                self.seg[1:] == self.seg[:-1],
                log_len[1:] - log_len[:-1],
                log_dt[1:] - log_dt[:-1],
            )
        return self._changes

    def repeats(self) -> tuple[int, int]:
        """Pairs of consecutive steps of one segment, both :data:`REPEAT_MIN_STEP_PX` or longer,
        and how many of them repeat the step vector to within :data:`REPEAT_TOLERANCE_PX`
        (interpolation on a grid), computed once."""
        if self._repeats is None:
            big = self.length >= REPEAT_MIN_STEP_PX
            pair = big[1:] & big[:-1] & self.changes()[0]
            dx, dy = self.dx, self.dy
            same = (np.abs(dx[1:] - dx[:-1]) <= REPEAT_TOLERANCE_PX) & (
                np.abs(dy[1:] - dy[:-1]) <= REPEAT_TOLERANCE_PX
            )
            self._repeats = (int(np.count_nonzero(pair)), int(np.count_nonzero(same & pair)))
        return self._repeats

    def speed(self) -> Speed:
        """The speed profile of the steps that took time, computed once."""
        if self._speed is None:
            timed = self.dt > 0.0
            dt = self.dt[timed]
            length = self.length[timed]
            v = length / dt
            # (Fewer than 3 speeds have no neighbours to smooth over; "same" would pad them to 3.)
            smooth = np.convolve(v, _SMOOTH, mode="same") if v.shape[0] >= 3 else v.copy()
            seg = self.seg[timed]
            if v.shape[0]:
                first, last, run = seg_runs(seg)
                # Each run's first fastest step: where the maximum of its run is first reached.
                top = (smooth == np.maximum.reduceat(smooth, first)[run]).nonzero()[0]
                peak = top[run[top].searchsorted(np.arange(first.shape[0]))]
            else:
                first = last = run = peak = np.zeros(0, np.intp)
            self._speed = Speed(dt, length, v, smooth, first, last, run, peak)
        return self._speed


@dataclass(frozen=True, slots=True)
class Speed:
    """Speeds of the steps that took time (``dt > 0``), in order."""

    dt: npt.NDArray[np.float64]
    """Each step's interval (ms)."""
    length: npt.NDArray[np.float64]
    """Each step's length (px)."""
    v: npt.NDArray[np.float64]
    """Each step's speed (px/ms)."""
    smooth: npt.NDArray[np.float64]
    """Speed smoothed over its neighbours (a 1-2-1 kernel, across segments)."""
    first: npt.NDArray[np.intp]
    """Each run's first position (a run: the timed steps of one segment; see :func:`seg_runs`)."""
    last: npt.NDArray[np.intp]
    """Each run's last position."""
    run: npt.NDArray[np.intp]
    """Each step's run (its segment, numbered from 0 without gaps)."""
    peak: npt.NDArray[np.intp]
    """Each run's first position of its highest smoothed speed."""


def seg_runs(
    seg: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """The runs of equal segment numbers in a non-empty ``seg`` (rising, maybe with gaps): each
    run's first and last position, and each position's run (numbered from 0 without gaps)."""
    starts = np.empty(seg.shape[0], np.bool_)
    starts[0] = True
    np.not_equal(seg[1:], seg[:-1], out=starts[1:])
    first = starts.nonzero()[0]
    last = np.empty_like(first)
    last[:-1] = first[1:] - 1
    last[-1] = seg.shape[0] - 1
    return first, last, starts.cumsum() - 1


def move_runs(
    t: npt.NDArray[np.float64], k: npt.NDArray[np.uint8], gap_ms: float
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """The MOVE events of a run of mouse events (their indices) and, per move, whether it starts
    a run: the first move, one after a pause over ``gap_ms``, or the first after a click (a
    person often moves on while clicking; a replayer cuts its copies there)."""
    moves = (k == _MOVE).nonzero()[0]
    clicks = (k == _DOWN).cumsum()[moves]
    tm = t[moves]
    starts = np.ones(moves.shape[0], np.bool_)
    starts[1:] = (tm[1:] - tm[:-1] > gap_ms) | (clicks[1:] != clicks[:-1])
    return moves, starts


# Keyboard pointer control (Windows and macOS Mouse Keys, for people who cannot use a mouse)
# moves the pointer along the screen's axes and diagonals only, on the system's timer: that many
# steps of 2 px or more, nearly all of them in those eight directions. People's mice do not
# (at most 0.96 of a Balabit or DELBOT session's steps; 6 of ~20,000 single Balabit movements
# with 20 such steps reach 0.95, none 0.99); no bot generator's session goes above 0.92.
KEYBOARD_MIN_STEPS = 20
KEYBOARD_MIN_SHARE = 0.97
_COMPASS_TOLERANCE_PX = 0.05
# A held key sets the pointer off slowly and speeds it up to the user's top speed (Mouse Keys
# accelerates on every key press): the hold's first step of 2 px or more is at most
# KEYBOARD_RAMP of its longest. A script that walks a straight line along an axis (between form
# fields stacked one above the other, along a slider) steps at one length from the first step.
# Over the holds of KEYBOARD_HOLD_STEPS steps or more, at least half must start so.
KEYBOARD_RAMP = 0.6
KEYBOARD_HOLD_STEPS = 4


def keyboard_steered(steps: Steps) -> bool:
    """Whether ``steps`` move the way keyboard pointer control (Mouse Keys) moves the pointer:
    :data:`KEYBOARD_MIN_STEPS` or more of 2 px or more, at least :data:`KEYBOARD_MIN_SHARE` of
    them along an axis or a diagonal of the screen, each key's hold speeding up from a slow
    start (:data:`KEYBOARD_RAMP`)."""
    big = steps.length >= MIN_DIRECTION_PX
    n = int(np.count_nonzero(big))
    if n < KEYBOARD_MIN_STEPS:
        return False
    dx, dy = steps.dx[big], steps.dy[big]
    ax, ay = np.abs(dx), np.abs(dy)
    compass = (np.minimum(ax, ay) <= _COMPASS_TOLERANCE_PX) | (np.abs(ax - ay) <= _COMPASS_TOLERANCE_PX)
    if int(np.count_nonzero(compass)) < KEYBOARD_MIN_SHARE * n:
        return False
    # Holds: consecutive big steps in one segment and one direction.
    at = big.nonzero()[0]
    seg = steps.seg[big]
    heading = np.sign(dx) * 3.0 + np.sign(dy)
    new = np.ones(n, np.bool_)
    new[1:] = (at[1:] != at[:-1] + 1) | (seg[1:] != seg[:-1]) | (heading[1:] != heading[:-1])
    first = new.nonzero()[0]
    length = steps.length[big]
    longest = np.maximum.reduceat(length, first)
    long_holds = np.diff(np.append(first, n)) >= KEYBOARD_HOLD_STEPS
    if not np.count_nonzero(long_holds):
        return True
    ramped = length[first][long_holds] <= KEYBOARD_RAMP * longest[long_holds]
    return 2 * int(np.count_nonzero(ramped)) >= int(ramped.shape[0])


class PointerWindow:
    """A session's latest pointer window for one verdict, in float64 positions, with what the
    pointer rules, the model's features and the replay fingerprint derive from it (its
    :class:`Steps`, its move runs, whether keyboard pointer control drew it), each computed once."""

    __slots__ = ("_runs", "_steered", "_steps", "gap_ms", "k", "t", "x", "y")

    def __init__(
        self,
        t: npt.NDArray[np.float64],
        x: npt.NDArray[np.float32],
        y: npt.NDArray[np.float32],
        k: npt.NDArray[np.uint8],
        gap_ms: float,
    ) -> None:
        self.t = t
        self.x: npt.NDArray[np.float64] = x.astype(np.float64)
        self.y: npt.NDArray[np.float64] = y.astype(np.float64)
        self.k = k
        self.gap_ms = gap_ms
        self._steps: Steps | None = None
        self._runs: tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]] | None = None
        self._steered: bool | None = None

    @staticmethod
    def of(state: SessionState, gap_ms: float) -> PointerWindow:
        """The pointer window of ``state`` as it is now."""
        t, x, y, k = state.pointer_window.columns()
        return PointerWindow(t, x, y, k, gap_ms)

    def steps(self) -> Steps:
        """The window's movement steps."""
        if self._steps is None:
            self._steps = Steps(self.t, self.x, self.y, self.k, self.gap_ms)
        return self._steps

    def runs(self) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
        """:func:`move_runs` of the window."""
        if self._runs is None:
            self._runs = move_runs(self.t, self.k, self.gap_ms)
        return self._runs

    def keyboard_steered(self) -> bool:
        """Whether keyboard pointer control drew the window's movement (:func:`keyboard_steered`)."""
        if self._steered is None:
            self._steered = self.t.shape[0] >= 3 and keyboard_steered(self.steps())
        return self._steered


_SMOOTH = np.array([0.25, 0.5, 0.25])
