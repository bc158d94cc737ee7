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

import numpy as np
import numpy.typing as npt

from botsift_server.engine._evidence import mean, median, std, total
from botsift_server.engine._types import EventKind
from botsift_server.engine.pointer_steps import MIN_DIRECTION_PX, Speed, Steps

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

# A gap between moves longer than this ends a segment (ms).
_SEGMENT_GAP_MS = 300.0
# Within a segment, a gap longer than this is a pause (ms).
_PAUSE_MS = 100.0
# Steps shorter than this (px) have a length that pixel rounding dominates: for step spacing.
_MIN_SPACING_PX = 1.0
_MIN_STEADY_PX = 3.0
# Below this spread of the change of log interval the timing says nothing about step lengths.
_MIN_LOG_DT_SPREAD = 0.05


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
        if np.count_nonzero(moving):
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
        out[3] = -total(p * np.log(p)) / math.log(min(256, m) + 1.0)
        out[4] = float(bins.max()) / m
        if m >= 6:
            a, b = pos_dt[:-1] - mean_dt, pos_dt[1:] - mean_dt
            denom = math.sqrt(total(a * a) * total(b * b))
            out[5] = total(a * b) / denom if denom > 0.0 else 0.0
    out[6] = float(np.count_nonzero(length == 0.0)) / n
    out[7] = float(np.count_nonzero(length <= 1.5)) / n
    lm = length[length > 0.0]
    if lm.shape[0] >= 3:
        out[8] = std(lm) / mean(lm)
    out[25] = total(dt[dt > _PAUSE_MS]) / max(total(dt), 1.0)
    _spacing(out, steps)

    # Geometry.
    path = np.bincount(seg, length, n_seg)
    chord = np.hypot(np.bincount(seg, dx, n_seg), np.bincount(seg, dy, n_seg))
    long_seg = path >= 50.0
    if np.count_nonzero(long_seg):
        out[9] = total(chord[long_seg]) / total(path[long_seg])
    idx = (length >= MIN_DIRECTION_PX).nonzero()[0]
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
                var_c = total(lc * lc)
                var_v = total(lv * lv)
                if var_c > 0.0 and var_v > 0.0:
                    cov = total(lc * lv)
                    out[18] = cov / var_c
                    out[19] = cov / math.sqrt(var_c * var_v)

    # Kinematics.
    speed = steps.speed()
    if speed.v.shape[0] >= 4:
        tv, v, vs = speed.dt, speed.v, speed.run
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
        var_b = total(b * b)
        if var_b > _MIN_LOG_DT_SPREAD**2 * b.shape[0]:
            denom = math.sqrt(total(a * a) * var_b)
            out[26] = total(a * b) / denom if denom > 0.0 else 0.0
    steady = length >= _MIN_STEADY_PX
    pair = joined & steady[1:] & steady[:-1]
    if np.count_nonzero(pair) >= 5:
        out[27] = median(np.abs(d_len[pair]))


def _sub_movements(out: npt.NDArray[np.float64], speed: Speed) -> None:
    """Sub-movements: local maxima of the lightly smoothed speed profile, per segment."""
    vs, vsm = speed.run, speed.smooth
    peak = np.zeros(vsm.shape[0], bool)
    peak[1:-1] = (
        (vsm[1:-1] > vsm[:-2]) & (vsm[1:-1] >= vsm[2:]) & (vs[1:-1] == vs[:-2]) & (vs[1:-1] == vs[2:])
    )
    big = vsm > 0.3 * float(vsm.max())
    first = speed.first
    n_peaks = np.bincount(speed.run[peak & big], minlength=first.shape[0])
    seg_len = speed.last - first + 1
    counted = seg_len >= 5
    if np.count_nonzero(counted):
        out[20] = mean(n_peaks[counted].astype(np.float64))
        # Where the fastest moment falls in each long segment (0 start, 1 end): humans peak early.
        rank = (speed.peak[counted] - first[counted]) / np.maximum(seg_len[counted] - 1, 1)
        out[21] = mean(rank)
