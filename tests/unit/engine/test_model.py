"""The shipped model: it loads, it reproduces its model card on the committed sample, and its
features never crash or go NaN-poisoned on arbitrary input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from botsift_server.engine import Engine, EngineConfig
from botsift_server.engine.features import MODALITY_FEATURES
from botsift_server.engine.learned import EMPTY_BUNDLE, ModelBundle, shipped_model
from botsift_server.engine.model_evidence import (
    MAX_BOT_LOG_ODDS,
    MAX_HUMAN_LOG_ODDS,
    MODEL_REASON_CODES,
    bounded,
    model_findings,
)
from botsift_server.engine.pointer_features import POINTER_FEATURES, pointer_features
from botsift_server.engine.training import roc_auc

from .traces import sample_traces

# The pointer AUC of the shipped model on tests/unit/engine/data/sample.jsonl, as written in
# engine/model/MODEL_CARD.md ("Regression sample").
CARD_SAMPLE_POINTER_AUC = 1.00
TOLERANCE = 0.02


def _pointer_scores(engine: Engine) -> tuple[np.ndarray, np.ndarray]:
    scores, labels = [], []
    for trace in sample_traces():
        if not trace.source.startswith(("delbot/", "generated/")) or trace.source.startswith(
            "generated/typing"
        ):
            continue
        if trace.source == "generated/humantyping":
            continue
        state = engine.start(trace.context)
        engine.add(state, trace.events)
        scores.append(engine.assess(state).score)
        labels.append(trace.label == "bot")
    return np.array(scores), np.array(labels)


def test_shipped_model_reproduces_its_model_card_auc_on_the_committed_sample() -> None:
    scores, labels = _pointer_scores(Engine(EngineConfig()))
    assert labels.sum() >= 40
    assert (~labels).sum() >= 40
    assert roc_auc(scores, labels) >= CARD_SAMPLE_POINTER_AUC - TOLERANCE


def test_the_model_separates_human_like_generators_better_than_rules_alone() -> None:
    with_model, labels = _pointer_scores(Engine(EngineConfig()))
    rules_only, _ = _pointer_scores(Engine(EngineConfig(), EMPTY_BUNDLE))
    assert roc_auc(with_model, labels) > roc_auc(rules_only, labels) + 0.1


def test_shipped_model_file_round_trips_and_names_the_features_the_engine_computes() -> None:
    bundle = shipped_model()
    assert "pointer" in bundle.models
    for modality, model in bundle.models.items():
        assert model.features == MODALITY_FEATURES[modality]
    again = ModelBundle.from_dict(bundle.to_dict())
    x = np.linspace(-1.0, 1.0, len(MODALITY_FEATURES["pointer"]))
    assert again.models["pointer"].log_likelihood_ratio(x) == bundle.models["pointer"].log_likelihood_ratio(x)


def test_per_feature_terms_add_up_to_the_model_output() -> None:
    model = shipped_model().models["pointer"]
    rng = np.random.default_rng(3)
    for _ in range(20):
        x = rng.normal(0.0, 2.0, len(model.features))
        x[rng.random(len(x)) < 0.2] = np.nan
        assert math.isclose(model.offset + float(model.terms(x).sum()), model.log_likelihood_ratio(x))


def test_the_pointer_model_reasons_add_up_to_its_bounded_output() -> None:
    # Every feature the model reads belongs to a reason code; one that did not would be silently
    # left out of the score. The reasons add up to the model's output, squashed into its bounds.
    model = shipped_model().models["pointer"]
    codes = [c for c in MODEL_REASON_CODES if c.startswith("POINTER_")]
    rng = np.random.default_rng(5)
    for _ in range(20):
        x = rng.normal(0.0, 2.0, len(model.features))
        findings = model_findings(model, x, 1.0)
        # Groups whose total is below 0.05 are left out as noise; nothing else may be missing.
        missing = 0.05 * (len(codes) - len(findings))
        total = sum(f.log_odds for f in findings)
        assert abs(total - bounded(model.log_likelihood_ratio(x))) <= missing + 1e-9
        assert -MAX_HUMAN_LOG_ODDS - 1e-9 <= total <= MAX_BOT_LOG_ODDS + 1e-9


def test_the_model_bound_keeps_order_and_leaves_small_evidence_alone() -> None:
    # A model sure of a person can be outweighed by rules that agree, but it still ranks sessions.
    values = np.linspace(-40.0, 40.0, 801)
    squashed = np.array([bounded(float(v)) for v in values])
    assert np.all(np.diff(squashed) > 0.0)
    assert squashed.min() > -MAX_HUMAN_LOG_ODDS
    assert squashed.max() < MAX_BOT_LOG_ODDS
    assert bounded(0.5) == pytest.approx(0.5, rel=0.02)
    assert bounded(-0.5) == pytest.approx(-0.5, rel=0.02)
    assert bounded(0.0) == 0.0


# Whole and half pixels, as browsers report them; shifting them is exact in float64.
_coords = st.integers(-10000, 10000).map(lambda v: v / 2.0)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0.0, 500.0), _coords, _coords, st.sampled_from([1, 1, 1, 2, 3])),
        min_size=0,
        max_size=80,
    ),
    st.floats(-3000.0, 3000.0, width=32),
    st.floats(-3000.0, 3000.0, width=32),
)
def test_pointer_features_are_finite_or_nan_and_translation_invariant(
    rows: list[tuple[float, float, float, int]], shift_x: float, shift_y: float
) -> None:
    t = np.cumsum([r[0] for r in rows]) if rows else np.zeros(0)
    x = np.array([r[1] for r in rows], np.float64)
    y = np.array([r[2] for r in rows], np.float64)
    k = np.array([r[3] for r in rows], np.uint8)
    base = pointer_features(t, x, y, k)
    assert base.shape == (len(POINTER_FEATURES),)
    assert not np.isinf(base).any()
    # Shift by whole pixels so float rounding of the inputs cannot differ.
    moved = pointer_features(t, x + round(shift_x), y + round(shift_y), k)
    np.testing.assert_allclose(moved, base, rtol=1e-6, atol=1e-6, equal_nan=True)
