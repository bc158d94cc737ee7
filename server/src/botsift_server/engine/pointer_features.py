"""Pointer features: numbers that describe how a mouse moved, for the learned model and the rules.

Every feature is grounded in how a hand drives a mouse, not in one recording's quirks:

* **sampling** — browsers post ``mousemove`` as the hardware reports it (every 4-16 ms, with
  jitter and coalescing); scripts post on a sleep timer (regular) or in bursts.
* **kinematics** — aimed movements are ballistic: one or a few bell-shaped velocity peaks
  (sub-movements), acceleration then deceleration, and speed that falls in curves (the
  two-thirds power law: ``speed ∝ radius^(1/3)``, a slope near -1/3 of log speed on log
  curvature). Generators built on Bezier curves or fixed-step interpolation break these.
* **geometry** — straightness and the distribution of direction changes; exact repeats of a
  step vector; pointer positions that do not move between events (a timer firing, not a hand).
* **spacing** — a hand's displacement between two events is velocity x elapsed time, and the
  velocity changes smoothly, so when the interval between events jumps the step jumps with it
  and consecutive steps differ in length. A script that walks a precomputed path (a polygon,
  a list of points) advances a fixed distance per tick of its own jittery sleep loop: steps of
  near-equal length whose length ignores the timing. ``ptr_step_len_time_corr`` is the
  correlation, over consecutive steps of a segment, of the change of log step length with the
  change of log interval (near +0.5 for people on a local mouse, near 0 for such scripts; it
  is also near 0 or negative when timestamps are arrival times, as over remote desktop or in
  a virtual machine, so it is not a tell on its own). ``ptr_step_len_steadiness`` is the
  median absolute change of log step length between consecutive steps of 3 px or more (near
  0 for fixed-distance steps).

:func:`pointer_features` returns a fixed-length vector (:data:`POINTER_FEATURES` names it);
unmeasurable features are NaN, which the model imputes. Translating every coordinate by the
same amount changes no feature.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from botsift_server.engine._evidence import mean, median, std
from botsift_server.engine._state import SessionState
from botsift_server.engine._types import EventKind

_MOVE, _DOWN = int(EventKind.MOVE), int(EventKind.DOWN)

POINTER_FEATURES: tuple[str, ...] = (
    "ptr_log_steps",
    "ptr_dt_log_median",
    "ptr_dt_cv",
    "ptr_dt_entropy",
    "ptr_dt_mode_share",
    "ptr_dt_lag1_corr",
    "ptr_still_share",
    "ptr_small_step_share",
    "ptr_step_len_cv",
    "ptr_straightness",
    "ptr_turn_mean",
    "ptr_turn_std",
    "ptr_turn_smooth_share",
    "ptr_turn_sign_changes",
    "ptr_speed_cv",
    "ptr_log_speed_mean",
    "ptr_accel_cv",
    "ptr_log_jerk",
    "ptr_power_law_slope",
    "ptr_power_law_corr",
    "ptr_peaks_per_segment",
    "ptr_peak_position",
    "ptr_non_integer_share",
    "ptr_repeat_step_share",
    "ptr_press_to_move_log_ms",
    "ptr_pause_share",
    "ptr_step_len_time_corr",
    "ptr_step_len_steadiness",
)
"""Names of the pointer features, in the order :func:`pointer_features` returns them."""

# Steps shorter than this (px) have no usable direction: pixel rounding dominates.
_MIN_DIRECTION_PX = 2.0
# A gap between moves longer than this ends a segment (ms).
_SEGMENT_GAP_MS = 300.0
# Within a segment, a gap longer than this is a pause (ms).
_PAUSE_MS = 100.0
# Steps shorter than this (px) have a length that pixel rounding dominates: for step spacing.
_MIN_SPACING_PX = 1.0
_MIN_STEADY_PX = 3.0
# Below this spread of the change of log interval the timing says nothing about step lengths.
_MIN_LOG_DT_SPREAD = 0.05
REPEAT_MIN_STEP_PX = 3.0
"""Shortest steps whose repeats count (shorter ones repeat by chance in slow human movement,
1-2 px per event)."""
REPEAT_TOLERANCE_PX = 0.01
"""Two step vectors this close (in x and in y) are the same step repeated."""


class Steps:
    """The movement steps of a run of mouse events, computed once and shared by the rules
    (:mod:`botsift_server.engine.pointer`) and the features.

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
            self._speed = Speed(dt, length, v, seg, smooth, first, last, run, peak)
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
    seg: npt.NDArray[np.int64]
    """Each step's segment."""
    smooth: npt.NDArray[np.float64]
    """Speed smoothed over its neighbours (a 1-2-1 kernel, across segments)."""
    first: npt.NDArray[np.intp]
    """Each run's first position (a run: the timed steps of one segment; see :func:`seg_runs`)."""
    last: npt.NDArray[np.intp]
    """Each run's last position."""
    run: npt.NDArray[np.intp]
    """Each step's run, numbered from 0."""
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


def keyboard_steered(steps: Steps) -> bool:
    """Whether ``steps`` move the way keyboard pointer control (Mouse Keys) moves the pointer:
    :data:`KEYBOARD_MIN_STEPS` or more of 2 px or more, at least :data:`KEYBOARD_MIN_SHARE` of
    them along an axis or a diagonal of the screen."""
    big = steps.length >= _MIN_DIRECTION_PX
    n = int(np.count_nonzero(big))
    if n < KEYBOARD_MIN_STEPS:
        return False
    ax, ay = np.abs(steps.dx[big]), np.abs(steps.dy[big])
    compass = (np.minimum(ax, ay) <= _COMPASS_TOLERANCE_PX) | (np.abs(ax - ay) <= _COMPASS_TOLERANCE_PX)
    return int(np.count_nonzero(compass)) >= KEYBOARD_MIN_SHARE * n


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


def pointer_features(
    t: npt.NDArray[np.float64],
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    k: npt.NDArray[np.uint8],
    gap_ms: float = _SEGMENT_GAP_MS,
    steps: Steps | None = None,
) -> npt.NDArray[np.float64]:
    """The pointer feature vector of a run of mouse events (MOVE, DOWN, UP), oldest first.

    ``steps`` may pass the run's :class:`Steps` when the caller already has them.
    """
    out = np.full(len(POINTER_FEATURES), np.nan)
    if t.shape[0] < 4:
        return out
    with np.errstate(all="ignore"):
        _fill(out, t, x, y, k, steps if steps is not None else Steps(t, x, y, k, gap_ms))
    out[~np.isfinite(out)] = np.nan
    return out


def _fill(
    out: npt.NDArray[np.float64],
    t: npt.NDArray[np.float64],
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    k: npt.NDArray[np.uint8],
    steps: Steps,
) -> None:
    n = steps.n
    out[0] = math.log1p(n)
    # A press followed by movement: how long the hand waits before moving (drag starts).
    downs = (k[:-1] == _DOWN).nonzero()[0]
    if downs.shape[0]:
        after = downs + 1
        moving = k[after] == _MOVE
        if moving.any():
            wait = t[after[moving]] - t[downs[moving]]
            out[24] = math.log1p(median(wait))
    if n < 3:
        return
    seg, n_seg = steps.seg, steps.n_seg
    dt, dx, dy, length = steps.dt, steps.dx, steps.dy, steps.length

    # Sampling: the timer that produced the events.
    pos_dt = dt[dt > 0.0]
    m = pos_dt.shape[0]
    if m >= 3:
        mean_dt = mean(pos_dt)
        out[1] = math.log(median(pos_dt))
        out[2] = std(pos_dt) / mean_dt
        bins = np.bincount(np.minimum(np.rint(pos_dt).astype(np.int64), 255), minlength=256)
        p = bins[bins > 0] / m
        out[3] = -float(_SUM(p * np.log(p))) / math.log(min(256, m) + 1.0)
        out[4] = float(bins.max()) / m
        if m >= 6:
            a, b = pos_dt[:-1] - mean_dt, pos_dt[1:] - mean_dt
            denom = math.sqrt(float(_SUM(a * a)) * float(_SUM(b * b)))
            out[5] = float(_SUM(a * b)) / denom if denom > 0.0 else 0.0
    out[6] = float(np.count_nonzero(length == 0.0)) / n
    out[7] = float(np.count_nonzero(length <= 1.5)) / n
    lm = length[length > 0.0]
    if lm.shape[0] >= 3:
        out[8] = std(lm) / mean(lm)
    out[25] = float(_SUM(dt[dt > _PAUSE_MS])) / max(float(_SUM(dt)), 1.0)
    _spacing(out, steps)

    # Geometry.
    path = np.bincount(seg, length, n_seg)
    chord = np.hypot(np.bincount(seg, dx, n_seg), np.bincount(seg, dy, n_seg))
    long_seg = path >= 50.0
    if long_seg.any():
        out[9] = float(_SUM(chord[long_seg])) / float(_SUM(path[long_seg]))
    idx = (length >= _MIN_DIRECTION_PX).nonzero()[0]
    if idx.shape[0] >= 4:
        angle = np.arctan2(dy[idx], dx[idx])
        same_seg = seg[idx[1:]] == seg[idx[:-1]]
        change = angle[1:] - angle[:-1]
        # The change of direction wrapped to (-pi, pi]: the angle of exp(i * change).
        turn = np.arctan2(np.sin(change), np.cos(change))[same_seg]
        n_turn = turn.shape[0]
        if n_turn >= 3:
            abs_turn = np.abs(turn)
            out[10] = mean(abs_turn)
            out[11] = std(turn)
            out[12] = float(np.count_nonzero(abs_turn < 0.02)) / n_turn
            signs = np.sign(turn[abs_turn > 0.02])
            if signs.shape[0] >= 3:
                out[13] = float(np.count_nonzero(signs[1:] != signs[:-1])) / (signs.shape[0] - 1)
            # Two-thirds power law: log speed against log curvature (turn per px) along the path.
            len_idx = length[idx]
            speed = len_idx / np.maximum(dt[idx], 1.0)
            curv = abs_turn / (0.5 * (len_idx[1:] + len_idx[:-1]))[same_seg]
            v_mid = 0.5 * (speed[1:] + speed[:-1])[same_seg]
            ok = (curv > 1e-4) & (v_mid > 0.0)
            if np.count_nonzero(ok) >= 6:
                lc, lv = np.log(curv[ok]), np.log(v_mid[ok])
                lc = lc - mean(lc)
                lv = lv - mean(lv)
                var_c = float(_SUM(lc * lc))
                var_v = float(_SUM(lv * lv))
                if var_c > 0.0 and var_v > 0.0:
                    cov = float(_SUM(lc * lv))
                    out[18] = cov / var_c
                    out[19] = cov / math.sqrt(var_c * var_v)

    # Kinematics.
    speed = steps.speed()
    if speed.v.shape[0] >= 4:
        tv, v, vs = speed.dt, speed.v, speed.seg
        v_mean = mean(v)
        out[14] = std(v) / v_mean if v_mean > 0.0 else np.nan
        out[15] = math.log(v_mean + 1e-3)
        same = vs[1:] == vs[:-1]
        acc = ((v[1:] - v[:-1]) / (0.5 * (tv[1:] + tv[:-1])))[same]
        if acc.shape[0] >= 3:
            abs_acc = np.abs(acc)
            out[16] = std(abs_acc) / (mean(abs_acc) + 1e-9)
            jerk = (acc[1:] - acc[:-1]) / np.maximum(tv[2:][same[1:]][: acc.shape[0] - 1], 1.0)
            if jerk.shape[0] >= 2:
                out[17] = math.log(median(np.abs(jerk)) / (v_mean + 1e-3) + 1e-9)
        if v.shape[0] >= 5:
            _sub_movements(out, speed)

    # Grid and interpolation tells.
    step = steps.step
    xs, ys = x[1:][step], y[1:][step]
    frac = (np.abs(xs - np.rint(xs)) > 1e-3) | (np.abs(ys - np.rint(ys)) > 1e-3)
    out[22] = float(np.count_nonzero(frac)) / n
    n_pairs, n_same = steps.repeats()
    if n_pairs >= 5:
        out[23] = float(n_same) / float(n_pairs)


def _spacing(out: npt.NDArray[np.float64], steps: Steps) -> None:
    """Whether step lengths follow the time between events (a hand) or not (a path walked by a timer)."""
    dt, length = steps.dt, steps.length
    timed = dt > 0.0
    same_seg, d_len, d_log_dt = steps.changes()
    joined = same_seg & timed[1:] & timed[:-1]
    usable = length >= _MIN_SPACING_PX
    pair = joined & usable[1:] & usable[:-1]
    if np.count_nonzero(pair) >= 5:
        a = d_len[pair]
        b = d_log_dt[pair]
        a = a - mean(a)
        b = b - mean(b)
        var_b = float(_SUM(b * b))
        if var_b > _MIN_LOG_DT_SPREAD**2 * b.shape[0]:
            denom = math.sqrt(float(_SUM(a * a)) * var_b)
            out[26] = float(_SUM(a * b)) / denom if denom > 0.0 else 0.0
    steady = length >= _MIN_STEADY_PX
    pair = joined & steady[1:] & steady[:-1]
    if np.count_nonzero(pair) >= 5:
        out[27] = median(np.abs(d_len[pair]))


def _sub_movements(out: npt.NDArray[np.float64], speed: Speed) -> None:
    """Sub-movements: local maxima of the lightly smoothed speed profile, per segment."""
    vs, vsm = speed.seg, speed.smooth
    peak = np.zeros(vsm.shape[0], bool)
    peak[1:-1] = (
        (vsm[1:-1] > vsm[:-2]) & (vsm[1:-1] >= vsm[2:]) & (vs[1:-1] == vs[:-2]) & (vs[1:-1] == vs[2:])
    )
    big = vsm > 0.3 * float(vsm.max())
    first = speed.first
    n_peaks = np.bincount(speed.run[peak & big], minlength=first.shape[0])
    seg_len = speed.last - first + 1
    counted = seg_len >= 5
    if counted.any():
        out[20] = mean(n_peaks[counted].astype(np.float64))
        # Where the fastest moment falls in each long segment (0 start, 1 end): humans peak early.
        rank = (speed.peak[counted] - first[counted]) / np.maximum(seg_len[counted] - 1, 1)
        out[21] = mean(rank)


_SMOOTH = np.array([0.25, 0.5, 0.25])
_SUM = np.add.reduce
