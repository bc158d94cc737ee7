"""The learned part of the engine: small gradient-boosted tree models, read from a JSON file.

One model per modality (``pointer``, ``keystrokes``): the training data for mouse and keyboard
come from different people and generators, and a session may have either, both or neither. Each
model gives the log-likelihood ratio "bot vs human" of what it saw (its calibrated log-odds minus
the base rate it was trained at), so the engine adds them to the prior and to the rule evidence
as independent pieces of evidence.

Inference is plain numpy, all trees at once, one tree level per step: no training library is
needed at serving time. Each prediction is also split into per-feature contributions (the change
of the expected value along the decision path, attributed to the feature of each split), so the
engine can say which features pushed a session which way.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

MODEL_FORMAT = "botsift-trees-v1"
"""The ``format`` field of a model file this module reads."""

MAX_TREE_DEPTH = 16
"""Deepest tree a model file may hold (the shipped trees are 3 deep)."""

MODEL_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""What a model's version may be: it is recorded in every verdict the model helps make."""

_NODE_FIELDS = ("feature", "threshold", "missing_left", "left", "right", "value", "is_leaf")


@dataclass(frozen=True, slots=True, eq=False)
class TreeModel:
    """A calibrated sum of regression trees over named features.

    Nodes of all trees are stored flat; ``roots`` index each tree's first node. A feature value
    ``<= threshold`` goes left, NaN goes where ``missing_left`` says. ``value`` of an inner node
    is the expected value of its leaves (by training count), so the path's steps add up to the
    leaf value. ``log_likelihood_ratio = platt_a * (baseline + sum of leaves) + platt_b - base_log_odds``.
    """

    features: tuple[str, ...]
    roots: npt.NDArray[np.intp]
    feature: npt.NDArray[np.intp]
    threshold: npt.NDArray[np.float64]
    missing_left: npt.NDArray[np.bool_]
    left: npt.NDArray[np.intp]
    right: npt.NDArray[np.intp]
    value: npt.NDArray[np.float64]
    is_leaf: npt.NDArray[np.bool_]
    depth: int
    baseline: float
    platt_a: float = 1.0
    platt_b: float = 0.0
    base_log_odds: float = 0.0
    human_low: npt.NDArray[np.float64] | None = None
    """Per feature, the low end of the people the model was trained on (their 0.1th percentile,
    see :data:`HUMAN_RANGE_PERCENT`); NaN where none of them had it. None when the file does not
    say (models trained before it was recorded): every session then counts as like them."""
    human_high: npt.NDArray[np.float64] | None = None
    """Per feature, the high end of the people the model was trained on (their 99.9th percentile)."""

    def terms(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Each feature's calibrated contribution to the log-odds (they add up with :attr:`offset`)."""
        # All trees advance one level per step. A leaf's children are itself, so a path that ends
        # early just stays put (adding value[leaf] - value[leaf] = 0): no masks, no scatter-add.
        feature, threshold, left, right, value = (
            self.feature,
            self.threshold,
            self.left,
            self.right,
            self.value,
        )
        node = self.roots
        n = node.shape[0]
        visited_f = np.empty(self.depth * n, np.intp)
        deltas = np.empty(self.depth * n)
        for level in range(self.depth):
            f = feature[node]
            xv = x[f]
            go_left = np.where(np.isnan(xv), self.missing_left[node], xv <= threshold[node])
            nxt = np.where(go_left, left[node], right[node])
            visited_f[level * n : (level + 1) * n] = f
            deltas[level * n : (level + 1) * n] = value[nxt] - value[node]
            node = nxt
        contrib = np.bincount(visited_f, deltas, len(self.features)).astype(np.float64, copy=False)
        out: npt.NDArray[np.float64] = self.platt_a * contrib
        return out

    def unlike_people(self, x: npt.NDArray[np.float64]) -> int:
        """How many features of ``x`` lie outside the range of the people the model was trained
        on (0 when it does not know that range; a feature that is NaN counts as in range)."""
        if self.human_low is None or self.human_high is None:
            return 0
        with np.errstate(invalid="ignore"):
            return int(np.count_nonzero((x < self.human_low) | (x > self.human_high)))

    @property
    def offset(self) -> float:
        """The calibrated log-likelihood ratio before any split: baseline plus the trees' root values."""
        raw = self.baseline + float(np.add.reduce(self.value[self.roots]))
        return self.platt_a * raw + self.platt_b - self.base_log_odds

    def log_likelihood_ratio(self, x: npt.NDArray[np.float64]) -> float:
        """Log-odds "bot" of ``x`` minus the training base rate (evidence, not a posterior)."""
        return self.offset + float(np.add.reduce(self.terms(x)))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        out: dict[str, Any] = {
            "kind": "trees",
            "features": list(self.features),
            "roots": self.roots.tolist(),
            "feature": self.feature.tolist(),
            "threshold": [float(np.float32(v)) if math.isfinite(v) else 0.0 for v in self.threshold],
            "missing_left": self.missing_left.astype(int).tolist(),
            "left": self.left.tolist(),
            "right": self.right.tolist(),
            "value": [round(float(v), 7) for v in self.value],
            "is_leaf": self.is_leaf.astype(int).tolist(),
            "depth": self.depth,
            "baseline": round(self.baseline, 8),
            "platt_a": round(self.platt_a, 8),
            "platt_b": round(self.platt_b, 8),
            "base_log_odds": round(self.base_log_odds, 8),
        }
        if self.human_low is not None and self.human_high is not None:
            out["human_range"] = [
                [_bound(lo), _bound(hi)] for lo, hi in zip(self.human_low, self.human_high, strict=True)
            ]
        return out

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> TreeModel:
        """The inverse of :meth:`to_dict`; raises :class:`ValueError` on a malformed model."""
        features = tuple(str(f) for f in data["features"])
        roots = np.asarray(data["roots"], np.intp)
        feature = np.asarray(data["feature"], np.intp)
        threshold = np.asarray(data["threshold"], np.float64)
        missing_left = np.asarray(data["missing_left"], bool)
        left = np.asarray(data["left"], np.intp)
        right = np.asarray(data["right"], np.intp)
        value = np.asarray(data["value"], np.float64)
        is_leaf = np.asarray(data["is_leaf"], bool)
        if any(a.ndim != 1 for a in (roots, feature, threshold, missing_left, left, right, value, is_leaf)):
            raise ValueError("model: roots and node fields must be lists of numbers")
        n = value.shape[0]
        if any(a.shape != (n,) for a in (feature, threshold, missing_left, left, right, is_leaf)):
            raise ValueError("model: node arrays must have the same length")
        inner = ~is_leaf
        if n == 0 or np.any((roots < 0) | (roots >= n)):
            raise ValueError("model: roots must index nodes")
        if np.any((left[inner] < 0) | (left[inner] >= n) | (right[inner] < 0) | (right[inner] >= n)):
            raise ValueError("model: children must index nodes")
        if np.any((feature[inner] < 0) | (feature[inner] >= len(features))):
            raise ValueError("model: split features must index the feature list")
        if not (np.all(np.isfinite(value)) and np.all(np.isfinite(threshold))):
            raise ValueError("model: values and thresholds must be finite")
        scalars = [float(data.get(k, d)) for k, d in (("baseline", 0.0), ("platt_a", 1.0), ("platt_b", 0.0))]
        base = float(data.get("base_log_odds", 0.0))
        if not all(math.isfinite(v) for v in [*scalars, base]):
            raise ValueError("model: baseline and calibration must be finite")
        feature = np.where(inner, feature, 0)
        # A leaf's children are itself (see :meth:`TreeModel.terms`), whatever the file says.
        itself = np.arange(n, dtype=np.intp)
        left, right = np.where(inner, left, itself), np.where(inner, right, itself)
        depth = int(data["depth"])
        if not 1 <= depth <= MAX_TREE_DEPTH:
            raise ValueError(f"model: depth must be 1 to {MAX_TREE_DEPTH}")
        reached = np.unique(roots)
        for _ in range(depth):
            reached = np.unique(np.concatenate((left[reached], right[reached])))
        if not is_leaf[reached].all():
            raise ValueError("model: a tree is deeper than its depth says")
        low, high = _human_range(data.get("human_range"), len(features))
        return TreeModel(
            features,
            roots,
            feature,
            threshold,
            missing_left,
            left,
            right,
            value,
            is_leaf,
            depth,
            scalars[0],
            scalars[1],
            scalars[2],
            base,
            low,
            high,
        )


HUMAN_RANGE_PERCENT = 0.1
"""A feature's range among the people a model was trained on runs from this percentile of their
values to 100 minus it (``train`` records it in the model file)."""


def _bound(value: float) -> float | None:
    # float32 precision, as thresholds, so that retraining writes the same bytes; JSON has no NaN.
    return float(np.float32(value)) if math.isfinite(value) else None


def _human_range(data: Any, n: int) -> tuple[npt.NDArray[np.float64] | None, npt.NDArray[np.float64] | None]:
    """The ``human_range`` of a model file as (low, high) arrays, or (None, None) when absent."""
    if data is None:
        return None, None
    if (
        not isinstance(data, list)
        or len(data) != n
        or not all(isinstance(r, list) and len(r) == 2 for r in data)
    ):
        raise ValueError("model: human_range must hold a [low, high] pair per feature")
    bounds = np.array([[np.nan if v is None else float(v) for v in pair] for pair in data], np.float64)
    if np.any(np.isinf(bounds)) or np.any(bounds[:, 0] > bounds[:, 1]):
        raise ValueError("model: each human_range must be a finite low no higher than its high")
    return bounds[:, 0].copy(), bounds[:, 1].copy()


@dataclass(frozen=True, slots=True)
class ModelBundle:
    """The models the engine uses, by modality, plus where they came from."""

    models: Mapping[str, TreeModel]
    version: str
    metrics: Mapping[str, Any]

    def get(self, modality: str) -> TreeModel | None:
        """The model for ``modality`` (``pointer``, ``keystrokes``), or None."""
        return self.models.get(modality)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "format": MODEL_FORMAT,
            "version": self.version,
            "metrics": dict(self.metrics),
            "models": {name: model.to_dict() for name, model in sorted(self.models.items())},
        }

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> ModelBundle:
        """A bundle from parsed JSON; raises :class:`ValueError` when it is not one."""
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"model: format must be {MODEL_FORMAT!r}")
        version = data.get("version")
        if not isinstance(version, str) or not MODEL_VERSION.fullmatch(version):
            raise ValueError(
                f"model: version must match {MODEL_VERSION.pattern} (it is recorded in verdicts)"
            )
        try:
            models = {str(k): TreeModel.from_dict(v) for k, v in dict(data.get("models", {})).items()}
        except (KeyError, TypeError) as exc:
            raise ValueError(f"model: a model lacks a field or has one of the wrong type ({exc})") from None
        return ModelBundle(models, version, dict(data.get("metrics", {})))

    @staticmethod
    def load(path: Path | str) -> ModelBundle:
        """Read a model file; raises :class:`OSError` when it cannot be read and :class:`ValueError`
        when it is not a model file."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"model: not a JSON model file ({exc})") from None
        if not isinstance(data, dict):
            raise ValueError("model: not a JSON model file (no object at its top)")
        return ModelBundle.from_dict(data)

    def save(self, path: Path | str) -> None:
        """Write the model file (sorted keys, so retraining with the same seed gives the same bytes)."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=1, sort_keys=True) + "\n", encoding="utf-8")


EMPTY_BUNDLE = ModelBundle({}, "none", {})
"""No learned models: the engine runs on its rules alone."""


@functools.cache
def shipped_model() -> ModelBundle:
    """The model file that ships with the package (``engine/model/model.json``), read once."""
    text = resources.files("botsift_server.engine.model").joinpath("model.json").read_text(encoding="utf-8")
    return ModelBundle.from_dict(json.loads(text))
