"""Training the learned models: seeded, person-split, reproducible.

Trees were chosen over logistic regression by measurement: on DELBOT, leaving one bot generator
out of training, logistic regression ranked the unseen generator below humans for three of the
four generators, while depth-3 trees kept AUC >= 0.83 on all four (MODEL_CARD.md).

``botsift-server train`` calls :func:`train_bundle` on labelled traces. For each modality it

1. computes the features through the real engine (``Engine.start``/``add`` then the same
   feature functions ``assess`` uses),
2. weights the samples so every source (person population or bot generator) counts the same
   and both labels weigh half, so one big generator cannot define "bot",
3. fits small gradient-boosted trees (scikit-learn's histogram GBT, seeded; a training-time
   dependency only: the trees are exported as arrays that :mod:`learned` walks with numpy),
4. calibrates them (Platt scaling) on out-of-fold scores, folds drawn by person with the seed,
   so no person is in both the fitted and the calibrating part,
5. reports the out-of-fold ROC AUC overall and per source, weighted as in training (every
   person population counts the same, however many sessions it has): the model card's numbers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from botsift_server.engine._engine import Engine
from botsift_server.engine._types import EventColumns, SessionContext
from botsift_server.engine.features import MODALITY_FEATURES, modality_features
from botsift_server.engine.learned import EMPTY_BUNDLE, HUMAN_RANGE_PERCENT, ModelBundle, TreeModel

FOLDS = 5
"""Person folds for the out-of-fold scores that calibrate and measure the model."""
TREES = 300
"""Boosting rounds per modality: 300 since the model learns recorded and delivered traces (the
same movements thinned to one per display frame). At 150 it ranked both a little worse in one
run, by less than another seed moves the same run (MODEL_CARD.md): a choice, not a finding."""
TREE_DEPTH = 3
"""Depth of each tree: shallow trees combine few features, which generalises across generators."""
LEARNING_RATE = 0.1
"""Shrinkage of each round."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One labelled session for training: its context, events, label and who produced it."""

    context: SessionContext
    events: EventColumns
    is_bot: bool
    source: str
    person: str
    session_id: str = ""


def roc_auc(
    scores: npt.NDArray[np.float64],
    is_bot: npt.NDArray[np.bool_],
    weight: npt.NDArray[np.float64] | None = None,
) -> float:
    """Area under the ROC curve (ties count half), each sample counted ``weight`` times (once when
    None); NaN without both classes."""
    w = np.ones(scores.shape[0]) if weight is None else np.asarray(weight, np.float64)
    pos_w, neg_w = float(w[is_bot].sum()), float(w[~is_bot].sum())
    if pos_w <= 0.0 or neg_w <= 0.0:
        return math.nan
    # Per distinct score: the bots' weight there, against the people's weight below it plus half
    # of theirs at it.
    _, group = np.unique(scores, return_inverse=True)
    bots = np.bincount(group, np.where(is_bot, w, 0.0))
    people = np.bincount(group, np.where(is_bot, 0.0, w))
    below = np.cumsum(people) - people
    return float(np.sum(bots * (below + 0.5 * people)) / (pos_w * neg_w))


def fit_logistic(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    weight: npt.NDArray[np.float64],
    l2: float = 1.0,
    iterations: int = 50,
) -> tuple[npt.NDArray[np.float64], float]:
    """Weights and intercept of a weighted, L2-penalised logistic regression (Newton's method)."""
    n, d = x.shape
    design = np.hstack([x, np.ones((n, 1))])
    beta = np.zeros(d + 1)
    penalty = np.full(d + 1, l2)
    penalty[-1] = 0.0  # the intercept is not shrunk
    for _ in range(iterations):
        z = np.clip(design @ beta, -30.0, 30.0)
        p = 1.0 / (1.0 + np.exp(-z))
        grad = design.T @ (weight * (p - y)) + penalty * beta
        hess = (design * (weight * p * (1.0 - p))[:, None]).T @ design + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if float(np.abs(step).max()) < 1e-9:
            break
    return beta[:-1].copy(), float(beta[-1])


def platt(
    scores: npt.NDArray[np.float64], y: npt.NDArray[np.float64], weight: npt.NDArray[np.float64]
) -> tuple[float, float]:
    """Platt scaling ``a * score + b`` fitted on held-out scores."""
    w, b = fit_logistic(scores[:, None], y, weight, l2=1e-6)
    return float(w[0]), b


def _fold_of(person: str, seed: int) -> int:
    digest = hashlib.sha256(f"{seed}:{person}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % FOLDS


def _balanced_weights(is_bot: npt.NDArray[np.bool_], sources: Sequence[str]) -> npt.NDArray[np.float64]:
    weight = np.zeros(is_bot.shape[0])
    source_of = np.array(sources, dtype=object)
    for label in (True, False):
        members = is_bot == label
        groups = sorted({str(s) for s in source_of[members]})
        for group in groups:
            idx = members & (source_of == group)
            weight[idx] = 0.5 / (len(groups) * int(idx.sum()))
    out: npt.NDArray[np.float64] = weight * is_bot.shape[0]
    return out


def _fit_model(
    names: tuple[str, ...],
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    weight: npt.NDArray[np.float64],
    seed: int,
) -> TreeModel:
    from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]  # training only

    clf = HistGradientBoostingClassifier(
        max_depth=TREE_DEPTH,
        max_iter=TREES,
        learning_rate=LEARNING_RATE,
        l2_regularization=1.0,
        min_samples_leaf=20,
        early_stopping=False,
        random_state=seed,
    )
    clf.fit(x, y, sample_weight=weight)
    return export_trees(names, clf)


def export_trees(names: tuple[str, ...], clf: Any) -> TreeModel:
    """A :class:`TreeModel` from a fitted binary ``HistGradientBoostingClassifier``."""
    feature: list[int] = []
    threshold: list[float] = []
    missing_left: list[bool] = []
    left: list[int] = []
    right: list[int] = []
    value: list[float] = []
    is_leaf: list[bool] = []
    roots: list[int] = []
    depth = 0
    for (predictor,) in clf._predictors:
        nodes = predictor.nodes
        base = len(value)
        roots.append(base)
        # Inner nodes get the count-weighted mean of their leaves, so path steps add up.
        expected = nodes["value"].astype(np.float64).copy()
        for i in range(len(nodes) - 1, -1, -1):
            if not nodes["is_leaf"][i]:
                lo, hi = int(nodes["left"][i]), int(nodes["right"][i])
                cl, cr = float(nodes["count"][lo]), float(nodes["count"][hi])
                expected[i] = (expected[lo] * cl + expected[hi] * cr) / max(cl + cr, 1.0)
        for i, node in enumerate(nodes):
            leaf = bool(node["is_leaf"])
            feature.append(0 if leaf else int(node["feature_idx"]))
            threshold.append(0.0 if leaf else float(node["num_threshold"]))
            missing_left.append(bool(node["missing_go_to_left"]))
            left.append(base + int(node["left"]) if not leaf else base + i)
            right.append(base + int(node["right"]) if not leaf else base + i)
            value.append(float(expected[i]))
            is_leaf.append(leaf)
            depth = max(depth, int(node["depth"]))
    return TreeModel(
        names,
        np.array(roots, np.intp),
        np.array(feature, np.intp),
        np.array(threshold, np.float64),
        np.array(missing_left, bool),
        np.array(left, np.intp),
        np.array(right, np.intp),
        np.array(value, np.float64),
        np.array(is_leaf, bool),
        depth,
        float(np.ravel(clf._baseline_prediction)[0]),
    )


def human_range(x: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Per feature (column of ``x``, people's rows), the range the model may vouch for: from the
    :data:`HUMAN_RANGE_PERCENT` percentile of the values measured to 100 minus it, at float32
    precision as in the model file; NaN where no row measured the feature."""
    low = np.full(x.shape[1], np.nan)
    high = np.full(x.shape[1], np.nan)
    for column in range(x.shape[1]):
        values = x[:, column][np.isfinite(x[:, column])]
        if values.shape[0]:
            low[column], high[column] = np.percentile(
                values, (HUMAN_RANGE_PERCENT, 100.0 - HUMAN_RANGE_PERCENT)
            )
    return low.astype(np.float32).astype(np.float64), high.astype(np.float32).astype(np.float64)


def feature_matrix(samples: Sequence[Sample], modality: str, engine: Engine) -> npt.NDArray[np.float64]:
    """The features of ``modality`` for every sample, through the real engine."""
    rows = []
    for sample in samples:
        state = engine.start(sample.context)
        engine.add(state, sample.events)
        rows.append(modality_features(state, modality))
    return np.asarray(rows, np.float64).reshape(len(rows), len(MODALITY_FEATURES[modality]))


def train_modality(
    samples: Sequence[Sample], modality: str, seed: int, engine: Engine
) -> tuple[TreeModel, dict[str, Any]]:
    """A calibrated model for one modality and its out-of-fold metrics (overall and per source)."""
    names = MODALITY_FEATURES[modality]
    x = feature_matrix(samples, modality, engine)
    is_bot = np.array([s.is_bot for s in samples], bool)
    y = is_bot.astype(np.float64)
    sources = [s.source for s in samples]
    weight = _balanced_weights(is_bot, sources)
    # People are split by person; a bot generator is not a person, so its sessions are split one by one.
    folds = np.array([_fold_of(s.session_id if s.is_bot else s.person, seed) for s in samples])
    oof = np.zeros(len(samples))
    for fold in range(FOLDS):
        test = folds == fold
        if not test.any() or test.all():
            continue
        model = _fit_model(names, x[~test], y[~test], weight[~test], seed)
        oof[test] = [model.log_likelihood_ratio(row) for row in x[test]]
    a, b = platt(oof, y, weight)
    final = _fit_model(names, x, y, weight, seed)
    low, high = human_range(x[~is_bot])
    calibrated = dataclasses.replace(final, platt_a=a, platt_b=b, human_low=low, human_high=high)
    metrics: dict[str, Any] = {
        "samples": len(samples),
        "bots": int(is_bot.sum()),
        "humans": int((~is_bot).sum()),
        "oof_auc": round(roc_auc(oof, is_bot, weight), 4),
        "per_source_auc_vs_all_humans": {},
    }
    per_source: dict[str, float] = {}
    for source in sorted(set(sources)):
        idx = np.array([s == source for s in sources])
        if is_bot[idx].all():
            both = idx | ~is_bot
            per_source[source] = round(roc_auc(oof[both], is_bot[both], weight[both]), 4)
    metrics["per_source_auc_vs_all_humans"] = per_source
    return calibrated, metrics


def train_bundle(
    samples: Iterable[Sample],
    seed: int,
    version: str,
    ship: Iterable[str] | None = None,
    not_shipped_notes: Mapping[str, str] | None = None,
) -> ModelBundle:
    """Models for every modality the samples have, in one bundle with their metrics.

    Every modality with both labels is trained and measured; only those in ``ship`` (all when
    None) keep their model in the bundle. A modality trained but not shipped keeps its metrics,
    plus the note ``not_shipped_notes[modality]`` under ``<modality>_not_shipped``, so the model
    file says why it is missing: the file is what the command writes, never edited by hand.
    """
    engine = Engine(model=EMPTY_BUNDLE)
    pool = list(samples)
    shipped = None if ship is None else frozenset(ship)
    notes = dict(not_shipped_notes or {})
    models: dict[str, TreeModel] = {}
    metrics: dict[str, Any] = {"seed": seed, "folds": FOLDS, "trees": TREES, "depth": TREE_DEPTH}
    for modality in sorted(MODALITY_FEATURES):
        chosen = [s for s in pool if _has(s.events, modality)]
        labels = {s.is_bot for s in chosen}
        if len(labels) < 2:
            continue
        model, found = train_modality(chosen, modality, seed, engine)
        metrics[modality] = found
        if shipped is None or modality in shipped:
            models[modality] = model
        else:
            metrics[f"{modality}_not_shipped"] = notes.get(modality, "left out of the shipped file")
    return ModelBundle(models, version, metrics)


def _has(events: EventColumns, modality: str) -> bool:
    from botsift_server.engine._types import EventKind

    kinds = events.kind
    if modality == "pointer":
        return int(np.count_nonzero(kinds == EventKind.MOVE)) >= 4
    return int(np.count_nonzero(kinds == EventKind.KEY_DOWN)) >= 4


def summarise(metrics: Mapping[str, Any]) -> str:
    """A few lines for people: AUC per modality and per source."""
    lines = []
    for modality in sorted(MODALITY_FEATURES):
        found = metrics.get(modality)
        if not isinstance(found, Mapping):
            continue
        lines.append(
            f"{modality}: out-of-fold AUC {found['oof_auc']} ({found['humans']} human, {found['bots']} bot)"
        )
        for source, value in found["per_source_auc_vs_all_humans"].items():
            lines.append(f"  {source}: {value}")
    return "\n".join(lines)
