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

:func:`pointer_features` returns a fixed-length vector (:data:`POINTER_FEATURES` names it);
unmeasurable features are NaN, which the model imputes. Translating every coordinate by the
same amount changes no feature.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

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
)
"""Names of the pointer features, in the order :func:`pointer_features` returns them."""

# Steps shorter than this (px) have no usable direction: pixel rounding dominates.
_MIN_DIRECTION_PX = 2.0
# A gap between moves longer than this ends a segment (ms).
_SEGMENT_GAP_MS = 300.0
# Within a segment, a gap longer than this is a pause (ms).
_PAUSE_MS = 100.0


def pointer_features(
    t: npt.NDArray[np.float64],
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    k: npt.NDArray[np.uint8],
    gap_ms: float = _SEGMENT_GAP_MS,
) -> npt.NDArray[np.float64]:
    """The pointer feature vector of a run of mouse events (MOVE, DOWN, UP), oldest first."""
    out = np.full(len(POINTER_FEATURES), np.nan)
    if t.shape[0] < 4:
        return out
    with np.errstate(all="ignore"):
        _fill(out, t, x, y, k, gap_ms)
    out[~np.isfinite(out)] = np.nan
    return out


def _fill(
    out: npt.NDArray[np.float64],
    t: npt.NDArray[np.float64],
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    k: npt.NDArray[np.uint8],
    gap_ms: float,
) -> None:
    dt_all = np.diff(t)
    dx_all = np.diff(x)
    dy_all = np.diff(y)
    is_move = k == _MOVE
    step = is_move[1:] & is_move[:-1] & (dt_all <= gap_ms)
    n = int(np.count_nonzero(step))
    out[0] = math.log1p(n)
    # A press followed by movement: how long the hand waits before moving (drag starts).
    downs = np.flatnonzero(k[:-1] == _DOWN)
    if downs.shape[0]:
        after = downs + 1
        moving = is_move[after]
        if moving.any():
            wait = t[after[moving]] - t[downs[moving]]
            out[24] = math.log1p(float(np.median(wait)))
    if n < 3:
        return
    seg = np.cumsum(~step)[step]
    seg = seg - seg[0]
    n_seg = int(seg[-1]) + 1
    dt, dx, dy = dt_all[step], dx_all[step], dy_all[step]
    length = np.hypot(dx, dy)

    # Sampling: the timer that produced the events.
    pos_dt = dt[dt > 0.0]
    if pos_dt.shape[0] >= 3:
        mean_dt = float(pos_dt.mean())
        out[1] = math.log(float(np.median(pos_dt)))
        out[2] = float(pos_dt.std()) / mean_dt
        bins = np.bincount(np.minimum(np.rint(pos_dt).astype(np.int64), 255), minlength=256)
        p = bins[bins > 0] / pos_dt.shape[0]
        out[3] = float(-(p * np.log(p)).sum()) / math.log(min(256, pos_dt.shape[0]) + 1.0)
        out[4] = float(bins.max()) / pos_dt.shape[0]
        if pos_dt.shape[0] >= 6:
            a, b = pos_dt[:-1] - mean_dt, pos_dt[1:] - mean_dt
            denom = math.sqrt(float((a * a).sum()) * float((b * b).sum()))
            out[5] = float((a * b).sum()) / denom if denom > 0.0 else 0.0
    out[6] = float(np.count_nonzero(length == 0.0)) / n
    out[7] = float(np.count_nonzero(length <= 1.5)) / n
    moving = length > 0.0
    if np.count_nonzero(moving) >= 3:
        lm = length[moving]
        out[8] = float(lm.std()) / float(lm.mean())
    pause = dt > _PAUSE_MS
    out[25] = float(dt[pause].sum()) / max(float(dt.sum()), 1.0)

    # Geometry.
    path = np.bincount(seg, length, n_seg)
    chord = np.hypot(np.bincount(seg, dx, n_seg), np.bincount(seg, dy, n_seg))
    long_seg = path >= 50.0
    if long_seg.any():
        out[9] = float((chord[long_seg]).sum() / path[long_seg].sum())
    directed = length >= _MIN_DIRECTION_PX
    idx = np.flatnonzero(directed)
    if idx.shape[0] >= 4:
        angle = np.arctan2(dy[idx], dx[idx])
        same_seg = seg[idx[1:]] == seg[idx[:-1]]
        turn = np.angle(np.exp(1j * np.diff(angle)))[same_seg]
        if turn.shape[0] >= 3:
            abs_turn = np.abs(turn)
            out[10] = float(abs_turn.mean())
            out[11] = float(turn.std())
            out[12] = float(np.count_nonzero(abs_turn < 0.02)) / turn.shape[0]
            signs = np.sign(turn[abs_turn > 0.02])
            if signs.shape[0] >= 3:
                out[13] = float(np.count_nonzero(np.diff(signs) != 0)) / (signs.shape[0] - 1)
            # Two-thirds power law: log speed against log curvature (turn per px) along the path.
            sel_dt = dt[idx]
            speed = length[idx] / np.maximum(sel_dt, 1.0)
            curv = abs_turn / (0.5 * (length[idx][1:] + length[idx][:-1]))[same_seg]
            v_mid = 0.5 * (speed[1:] + speed[:-1])[same_seg]
            ok = (curv > 1e-4) & (v_mid > 0.0)
            if np.count_nonzero(ok) >= 6:
                lc, lv = np.log(curv[ok]), np.log(v_mid[ok])
                lc = lc - lc.mean()
                lv = lv - lv.mean()
                var_c = float((lc * lc).sum())
                var_v = float((lv * lv).sum())
                if var_c > 0.0 and var_v > 0.0:
                    out[18] = float((lc * lv).sum()) / var_c
                    out[19] = float((lc * lv).sum()) / math.sqrt(var_c * var_v)

    # Kinematics.
    timed = dt > 0.0
    if np.count_nonzero(timed) >= 4:
        v = length[timed] / dt[timed]
        vs = seg[timed]
        out[14] = float(v.std()) / float(v.mean()) if float(v.mean()) > 0.0 else np.nan
        out[15] = math.log(float(v.mean()) + 1e-3)
        tv = dt[timed]
        same = vs[1:] == vs[:-1]
        acc = (np.diff(v) / (0.5 * (tv[1:] + tv[:-1])))[same]
        if acc.shape[0] >= 3:
            out[16] = float(np.abs(acc).std()) / (float(np.abs(acc).mean()) + 1e-9)
            jerk = np.diff(acc) / np.maximum(tv[2:][same[1:]][: acc.shape[0] - 1], 1.0)
            if jerk.shape[0] >= 2:
                out[17] = math.log(float(np.median(np.abs(jerk))) / (float(v.mean()) + 1e-3) + 1e-9)
        # Sub-movements: local maxima of a lightly smoothed speed profile, per segment.
        if v.shape[0] >= 5:
            vsm = np.convolve(v, np.array([0.25, 0.5, 0.25]), mode="same")
            peak = np.zeros(v.shape[0], bool)
            peak[1:-1] = (
                (vsm[1:-1] > vsm[:-2]) & (vsm[1:-1] >= vsm[2:]) & (vs[1:-1] == vs[:-2]) & (vs[1:-1] == vs[2:])
            )
            big = vsm > 0.3 * float(vsm.max())
            n_peaks = np.bincount(vs[peak & big], minlength=n_seg)
            counted = np.bincount(vs, minlength=n_seg) >= 5
            if counted.any():
                out[20] = float(n_peaks[counted].mean())
            # Where the fastest moment falls in each long segment (0 start, 1 end): humans peak early.
            # Vectorised per segment: rank of each sample within its segment, and the fastest one.
            long_segs = counted[vs]
            if long_segs.any():
                seg_start = np.searchsorted(vs, np.arange(n_seg))
                seg_len = np.bincount(vs, minlength=n_seg)
                order = np.lexsort((-vsm, vs))
                first = order[seg_start[counted]]
                rank = (first - seg_start[counted]) / np.maximum(seg_len[counted] - 1, 1)
                out[21] = float(rank.mean())

    # Grid and interpolation tells.
    xs, ys = x[1:][step], y[1:][step]
    frac = (np.abs(xs - np.rint(xs)) > 1e-3) | (np.abs(ys - np.rint(ys)) > 1e-3)
    out[22] = float(np.count_nonzero(frac)) / n
    big = length >= 3.0
    pair = big[1:] & big[:-1] & (seg[1:] == seg[:-1])
    if np.count_nonzero(pair) >= 5:
        same_vec = (np.abs(np.diff(dx)) <= 0.01) & (np.abs(np.diff(dy)) <= 0.01)
        out[23] = float(np.count_nonzero(same_vec & pair)) / float(np.count_nonzero(pair))
