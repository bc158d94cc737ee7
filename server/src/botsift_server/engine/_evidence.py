"""What a detector hands to scoring, and the small numeric helpers detectors share."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

INSUFFICIENT_EVIDENCE = "INSUFFICIENT_EVIDENCE"
"""Reason code of an assessment that saw too little to judge (weight 0)."""


COARSE_CLOCK_MS = 8.0
"""Event times that all fall on a grid this coarse or coarser come from a rounded clock (privacy
browsers round event times to 16.7 or 100 ms): holds, speeds and fine differences of time are not
measured then."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of evidence before the detector weight: a reason code, its sentence, its log-odds."""

    code: str
    message: str
    log_odds: float


@dataclass(frozen=True, slots=True)
class Evidence:
    """A detector's output: findings (positive log-odds point to a bot) and its confidence (0-1).

    ``confidence`` says how much the detector saw, not how bot-like the session is: 0 means it
    had nothing to judge, and then its findings count for nothing.
    """

    detector: str
    findings: tuple[Finding, ...]
    confidence: float


def ramp(value: float, zero_at: float, one_at: float) -> float:
    """0 at ``zero_at``, 1 at ``one_at``, linear between and clamped; works in either direction.

    Non-finite values give 0: a feature that cannot be measured is no evidence.
    """
    if not math.isfinite(value):
        return 0.0
    if zero_at == one_at:
        return 1.0 if value >= one_at else 0.0
    return min(1.0, max(0.0, (value - zero_at) / (one_at - zero_at)))


def unit(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """``values`` clamped to [0, 1] (``np.clip`` without its argument handling)."""
    out: npt.NDArray[np.float64] = np.minimum(np.maximum(values, 0.0), 1.0)
    return out


def share_log_odds(
    values: npt.NDArray[np.float64],
    strength_at: tuple[float, float],
    min_share: tuple[float, float],
    log_odds: tuple[float, float],
) -> float:
    """Log-odds of per-item evidence (approaches, key presses) for the whole session.

    Each value's strength is 0 at or above ``strength_at[0]``, 1 at or below ``strength_at[1]``,
    linear between. The strengths' sum is scaled down when the strong items are a small share
    of all (the share ramps from ``min_share[0]`` to ``min_share[1]``), so the odd quick item
    among many ordinary ones is no evidence. That lean gives ``log_odds[0]`` at 1 and up to
    ``log_odds[1]`` more at 2; 0 when nothing is strong.
    """
    zero_at, one_at = strength_at
    strength = unit((zero_at - values) / (zero_at - one_at))
    return count_log_odds(float(_SUM(strength)), int(values.shape[0]), min_share, log_odds)


def count_log_odds(
    strong: float, total: int, min_share: tuple[float, float], log_odds: tuple[float, float]
) -> float:
    """Log-odds of ``strong`` bot-like items (a count, or a sum of strengths) among ``total``, as
    :func:`share_log_odds` weighs them: scaled down when they are a small share of all."""
    if strong <= 0.0:
        return 0.0
    lean = strong * ramp(strong / total, min_share[0], min_share[1])
    return log_odds[0] * min(lean, 1.0) + log_odds[1] * min(max(lean - 1.0, 0.0), 1.0)


def latest(values: npt.NDArray[Any], where: npt.NDArray[np.bool_], before: float) -> npt.NDArray[Any]:
    """Per element, ``values`` at the latest position at or before it where ``where`` holds,
    else ``before`` (what was carried in from an earlier batch)."""
    at = np.where(where, np.arange(where.shape[0]), -1)
    last = np.maximum.accumulate(at)
    out: npt.NDArray[Any] = np.where(last >= 0, values[np.maximum(last, 0)], before)
    return out


def mean(values: npt.NDArray[np.float64]) -> float:
    """Mean of a non-empty 1-D array: the same bits as ``values.mean()`` with less call overhead."""
    return float(_SUM(values)) / int(values.shape[0])


def total(values: npt.NDArray[Any]) -> float:
    """Sum of a 1-D array: the same bits as ``values.sum()`` with less call overhead."""
    return float(_SUM(values))


def std(values: npt.NDArray[np.float64]) -> float:
    """Population standard deviation of a non-empty 1-D array, bit for bit ``values.std()``."""
    n = values.shape[0]
    centred = values - float(_SUM(values)) / n
    return math.sqrt(float(_SUM(centred * centred)) / n)


def median(values: npt.NDArray[np.float64]) -> float:
    """Median of a non-empty 1-D array, bit for bit ``np.median`` (NaN if any value is NaN).

    ``np.median`` spends most of its time in argument handling; on the few hundred values a
    session window holds, a direct partition is several times faster.
    """
    n = values.shape[0]
    half = n // 2
    part = values.copy()  # (what np.partition does before partitioning in place)
    if n % 2:
        part.partition(half)
        result = float(part[half])
    else:
        part.partition((half - 1, half))
        result = (float(part[half - 1]) + float(part[half])) / 2.0
    # A NaN sorts to the end of the partition, as in np.median's own check.
    return math.nan if math.isnan(float(_MAX(part))) else result


def cv(values: npt.NDArray[np.float64]) -> float:
    """Coefficient of variation (std / mean); NaN when undefined (fewer than 2 values, mean <= 0)."""
    n = int(values.shape[0])
    if n < 2:
        return math.nan
    mu = float(_SUM(values)) / n
    if not mu > 0.0 or not math.isfinite(mu):
        return math.nan
    centred = values - mu
    return math.sqrt(float(_SUM(centred * centred)) / n) / mu


def skew_kurtosis(values: npt.NDArray[np.float64]) -> tuple[float, float]:
    """Sample skewness and excess kurtosis; NaN when the values are (nearly) constant."""
    n = values.shape[0]
    if n < 3:
        return math.nan, math.nan
    centred = values - float(_SUM(values)) / n
    var = float(_SUM(centred * centred)) / n
    if not var > 0.0 or not math.isfinite(var):
        return math.nan, math.nan
    z = centred / math.sqrt(var)
    z2 = z * z
    return float(_SUM(z2 * z)) / n, float(_SUM(z2 * z2)) / n - 3.0


# The reduction ``ndarray.mean``/``sum`` end in, without their Python-level argument handling.
_SUM = np.add.reduce
_MAX = np.maximum.reduce


SHARED_READINGS_SHARE = 0.2
"""Share of events read at the time of the one before from which a coarse clock is one that
events share readings of (a privacy browser's 100 ms, with a move each frame or keys typed faster
than it ticks): the gaps between its readings are then all its steps, whoever acts."""


def reads_shared_ticks(gaps: npt.NDArray[np.float64]) -> bool:
    """Whether ``gaps`` between consecutive events (0 where two read one time) come from a coarse
    clock that events share readings of (see :data:`SHARED_READINGS_SHARE`): regular gaps then
    say nothing about who acts."""
    if gaps.shape[0] == 0 or np.count_nonzero(gaps <= 0.0) / gaps.shape[0] < SHARED_READINGS_SHARE:
        return False
    return _clock_step_of_gaps(gaps) > 0.0


def clock_step_ms(t: npt.NDArray[np.float64]) -> float:
    """The step of the clock the (non-decreasing) times ``t`` were read from when it is coarse
    (every gap between distinct times a whole number of steps of ``COARSE_CLOCK_MS`` or more),
    else 0."""
    return _clock_step_of_gaps(t[1:] - t[:-1])


def _clock_step_of_gaps(gaps: npt.NDArray[np.float64]) -> float:
    """:func:`clock_step_ms` from the gaps between consecutive times (0 where two read one time)."""
    gaps = gaps[gaps > 0.0]
    if gaps.shape[0] < 5:
        return 0.0
    step = float(gaps.min())
    if step < COARSE_CLOCK_MS:
        return 0.0
    steps = gaps / step
    on_grid = np.abs(steps - np.round(steps)) <= 0.02
    return step if np.count_nonzero(on_grid) == on_grid.shape[0] else 0.0
