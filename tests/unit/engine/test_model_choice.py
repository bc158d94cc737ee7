"""An engine on a model other than the shipped one: it scores with it, names it in every verdict,
and refuses a model it would feed wrongly (other features, an unknown modality) or a malformed
model file, saying what is wrong."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from botsift_server.engine import ENGINE_VERSION, Engine, EngineConfig, ModelBundle, check_model
from botsift_server.engine.learned import shipped_model

from .traces import sample_traces


def _shipped_dict() -> dict[str, Any]:
    return copy.deepcopy(shipped_model().to_dict())


def _person_and_bot_scores(engine: Engine) -> list[float]:
    """Scores of the committed sample's first DELBOT person and first pointer bot."""
    picked = [
        next(t for t in sample_traces() if t.source.startswith("delbot/human")),
        next(t for t in sample_traces() if t.source == "generated/windmouse"),
    ]
    out = []
    for trace in picked:
        state = engine.start(trace.context)
        engine.add(state, trace.events)
        out.append(engine.assess(state).score)
    return out


def test_the_shipped_model_gives_verdicts_the_engine_version_alone() -> None:
    engine = Engine(EngineConfig())
    assert engine.version == ENGINE_VERSION
    state = engine.start(sample_traces()[0].context)
    assert engine.assess(state).engine_version == ENGINE_VERSION
    # Handing the engine the shipped model explicitly (as per-tenant engines do) changes nothing.
    assert Engine(EngineConfig(), shipped_model()).version == ENGINE_VERSION


def test_another_model_scores_the_verdicts_and_is_named_in_each() -> None:
    data = _shipped_dict()
    data["version"] = "site-2026.11_a"
    # The same trees, calibrated three log-odds further towards "bot".
    data["models"]["pointer"]["platt_b"] += 3.0
    engine = Engine(EngineConfig(), ModelBundle.from_dict(data))
    assert engine.version == f"{ENGINE_VERSION}+site-2026.11_a"
    trace = sample_traces()[0]
    state = engine.start(trace.context)
    engine.add(state, trace.events)
    assert engine.assess(state).engine_version == f"{ENGINE_VERSION}+site-2026.11_a"
    shipped = _person_and_bot_scores(Engine(EngineConfig()))
    shifted = _person_and_bot_scores(engine)
    assert all(after > before for before, after in zip(shipped, shifted, strict=True)), (shipped, shifted)


def test_a_model_trained_on_other_features_is_refused_naming_what_differs() -> None:
    renamed = _shipped_dict()
    features = renamed["models"]["pointer"]["features"]
    first = features[0]
    features[0] = "ptr_from_another_version"
    with pytest.raises(ValueError, match=rf"pointer model .*lacks {first}; has ptr_from_another_version"):
        check_model(ModelBundle.from_dict(renamed))
    with pytest.raises(ValueError, match="train it again"):
        Engine(EngineConfig(), ModelBundle.from_dict(renamed))

    reordered = _shipped_dict()
    features = reordered["models"]["pointer"]["features"]
    features[0], features[1] = features[1], features[0]
    with pytest.raises(ValueError, match="another order"):
        check_model(ModelBundle.from_dict(reordered))

    unknown = _shipped_dict()
    unknown["models"]["gaze"] = unknown["models"]["pointer"]
    with pytest.raises(ValueError, match="no modality 'gaze'"):
        check_model(ModelBundle.from_dict(unknown))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(version="two words"), "version must match"),
        (lambda d: d.update(version=""), "version must match"),
        (lambda d: d.update(version="v" * 65), "version must match"),
        (lambda d: d.pop("version"), "version must match"),
        (lambda d: d.update(format="botsift-trees-v0"), "format must be"),
        (lambda d: d["models"]["pointer"].update(depth=1), "deeper than its depth"),
        (lambda d: d["models"]["pointer"].update(depth=99), "depth must be"),
        (lambda d: d["models"]["pointer"].pop("threshold"), "lacks a field"),
        (lambda d: d["models"]["pointer"].update(value=None), "lists of numbers"),
    ],
)
def test_a_malformed_model_is_refused_with_what_is_wrong(change: Any, message: str) -> None:
    data = _shipped_dict()
    change(data)
    with pytest.raises(ValueError, match=message):
        ModelBundle.from_dict(data)


def test_a_leaf_is_read_as_its_own_child_whatever_the_file_says() -> None:
    data = _shipped_dict()
    pointer = data["models"]["pointer"]
    # Point every leaf's children at the first node: a reader that followed them would loop back
    # into the first tree and score differently.
    for i, leaf in enumerate(pointer["is_leaf"]):
        if leaf:
            pointer["left"][i] = pointer["right"][i] = 0
    engine = Engine(EngineConfig(), ModelBundle.from_dict(data))
    assert _person_and_bot_scores(engine) == _person_and_bot_scores(Engine(EngineConfig()))
