"""Detection metrics in plain numpy: ROC, AUC, TPR at a fixed FPR, calibration.

Scores are "higher means more likely a bot"; labels are booleans, ``True`` for a bot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from botsift_server.engine.training import roc_auc as engine_roc_auc

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class RocCurve:
    """Points of a ROC curve, from the strictest threshold (nothing flagged) to the loosest."""

    fpr: FloatArray
    tpr: FloatArray
    thresholds: FloatArray
    """A session is flagged when its score is >= the threshold of its point."""


def _check(labels: npt.ArrayLike, scores: npt.ArrayLike) -> tuple[BoolArray, FloatArray]:
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    if y.shape != s.shape or y.ndim != 1:
        raise ValueError("labels and scores must be 1-D arrays of the same length")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores must be finite")
    return y, s


def roc_curve(labels: npt.ArrayLike, scores: npt.ArrayLike) -> RocCurve:
    """The ROC curve; tied scores form one point (no optimistic ordering inside a tie)."""
    y, s = _check(labels, scores)
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives == 0 or negatives == 0:
        raise ValueError("a ROC curve needs both bots and humans")
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    # The last index of each run of equal scores: a threshold there flags the whole tie.
    ends = np.flatnonzero(np.diff(s_sorted) != 0.0)
    ends = np.append(ends, len(s_sorted) - 1)
    tp = np.cumsum(y_sorted)[ends]
    fp = (ends + 1) - tp
    fpr = np.concatenate(([0.0], fp / negatives))
    tpr = np.concatenate(([0.0], tp / positives))
    thresholds = np.concatenate(([np.inf], s_sorted[ends]))
    return RocCurve(fpr=fpr.astype(np.float64), tpr=tpr.astype(np.float64), thresholds=thresholds)


def roc_auc(labels: npt.ArrayLike, scores: npt.ArrayLike) -> float:
    """Area under the ROC curve: the chance a random bot outscores a random human (ties count ½).

    The training's own AUC (``engine.training.roc_auc``, which also weighs samples), refusing
    labels of one kind as :func:`roc_curve` does."""
    y, s = _check(labels, scores)
    if y.all() or not y.any():
        raise ValueError("a ROC curve needs both bots and humans")
    return engine_roc_auc(s, y)


def tpr_at_fpr(labels: npt.ArrayLike, scores: npt.ArrayLike, max_fpr: float) -> float:
    """The highest share of bots caught by a threshold that flags at most ``max_fpr`` of humans."""
    curve = roc_curve(labels, scores)
    allowed = curve.fpr <= max_fpr + 1e-12
    return float(curve.tpr[allowed].max())


@dataclass(frozen=True, slots=True)
class Reliability:
    """A calibration curve: per score bin, the mean score and the observed share of bots."""

    bin_edges: FloatArray
    mean_score: FloatArray
    bot_rate: FloatArray
    count: npt.NDArray[np.int64]

    @property
    def expected_calibration_error(self) -> float:
        """Count-weighted mean gap between score and observed bot rate (empty bins skipped)."""
        used = self.count > 0
        if not used.any():
            return 0.0
        gaps = np.abs(self.mean_score[used] - self.bot_rate[used])
        return float(np.average(gaps, weights=self.count[used]))


def reliability(labels: npt.ArrayLike, scores: npt.ArrayLike, bins: int = 10) -> Reliability:
    """The calibration curve over ``bins`` equal-width score bins on [0, 1]."""
    y, s = _check(labels, scores)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(s, edges[1:-1]), 0, bins - 1)
    count = np.bincount(index, minlength=bins).astype(np.int64)
    sums = np.bincount(index, weights=s, minlength=bins)
    bots = np.bincount(index, weights=y.astype(np.float64), minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_score = np.where(count > 0, sums / np.maximum(count, 1), np.nan)
        bot_rate = np.where(count > 0, bots / np.maximum(count, 1), np.nan)
    return Reliability(bin_edges=edges, mean_score=mean_score, bot_rate=bot_rate, count=count)


def histogram(scores: npt.ArrayLike, bins: int = 10) -> npt.NDArray[np.int64]:
    """Counts of scores in ``bins`` equal-width bins on [0, 1] (1.0 falls in the last bin)."""
    s = np.asarray(scores, dtype=np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(s, edges[1:-1]), 0, bins - 1)
    return np.bincount(index, minlength=bins).astype(np.int64)
