"""What a detector hands to scoring, and the small numeric helpers detectors share."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

INSUFFICIENT_EVIDENCE = "INSUFFICIENT_EVIDENCE"
"""Reason code of an assessment that saw too little to judge (weight 0)."""


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


def cv(values: npt.NDArray[np.float64]) -> float:
    """Coefficient of variation (std / mean); NaN when undefined (fewer than 2 values, mean <= 0)."""
    if values.shape[0] < 2:
        return math.nan
    mean = float(values.mean())
    if not mean > 0.0 or not math.isfinite(mean):
        return math.nan
    return float(values.std()) / mean


def skew_kurtosis(values: npt.NDArray[np.float64]) -> tuple[float, float]:
    """Sample skewness and excess kurtosis; NaN when the values are (nearly) constant."""
    if values.shape[0] < 3:
        return math.nan, math.nan
    centred = values - values.mean()
    var = float(np.mean(centred * centred))
    if not var > 0.0 or not math.isfinite(var):
        return math.nan, math.nan
    z = centred / math.sqrt(var)
    z2 = z * z
    return float(np.mean(z2 * z)), float(np.mean(z2 * z2)) - 3.0
