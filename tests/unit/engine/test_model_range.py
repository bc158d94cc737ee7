"""A learned model vouches for a person only as far as the session looks like the people it was
trained on: outside their range its human-pointing findings count less, never its bot-pointing
ones, and the model file carries that range."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pytest

from botsift_server.engine import Engine, EngineConfig, EventColumns, EventKind, SessionContext
from botsift_server.engine._evidence import Finding
from botsift_server.engine.learned import ModelBundle, TreeModel, shipped_model
from botsift_server.engine.model_evidence import MODEL_REASON_CODES, bounded, model_findings
from botsift_server.engine.training import human_range

from .traces import CLEAN_CHROME, columns, human_mouse

FEATURES = ("ptr_dt_cv", "ptr_step_len_cv", "ptr_straightness", "ptr_turn_mean")
UNLIKE = "POINTER_UNLIKE_PEOPLE"


def _stump(leaf_if_low: float, leaf_if_high: float) -> TreeModel:
    """One split on the first feature at 0: its two leaves' log-odds; every feature's people's
    range is [-1, 1]."""
    return TreeModel(
        features=FEATURES,
        roots=np.array([0], np.intp),
        feature=np.array([0, 0, 0], np.intp),
        threshold=np.array([0.0, 0.0, 0.0]),
        missing_left=np.array([True, True, True]),
        left=np.array([1, 1, 2], np.intp),
        right=np.array([2, 1, 2], np.intp),
        value=np.array([(leaf_if_low + leaf_if_high) / 2, leaf_if_low, leaf_if_high]),
        is_leaf=np.array([False, True, True]),
        depth=1,
        baseline=0.0,
        human_low=np.full(4, -1.0),
        human_high=np.full(4, 1.0),
    )


def _weights(findings: Sequence[Finding]) -> dict[str, float]:
    return {f.code: f.log_odds for f in findings}


def test_within_the_people_s_range_the_model_speaks_for_a_person_in_full() -> None:
    model = _stump(-3.0, 3.0)
    findings = model_findings(model, np.array([-0.5, 0.9, -0.9, 1.0]), 1.0, UNLIKE)
    assert UNLIKE not in _weights(findings)
    assert sum(_weights(findings).values()) == pytest.approx(bounded(-3.0))


def test_one_feature_outside_the_range_is_ordinary_and_costs_nothing() -> None:
    model = _stump(-3.0, 3.0)
    findings = model_findings(model, np.array([-0.5, 7.0, 0.0, 0.0]), 1.0, UNLIKE)
    assert UNLIKE not in _weights(findings)
    assert sum(_weights(findings).values()) == pytest.approx(bounded(-3.0))


def test_two_features_outside_halve_the_model_s_word_for_a_person_and_say_so() -> None:
    model = _stump(-3.0, 3.0)
    findings = model_findings(model, np.array([-0.5, 7.0, -4.0, 0.0]), 1.0, UNLIKE)
    weights = _weights(findings)
    assert weights[UNLIKE] == 0.0  # information: it removes evidence, it adds none
    assert sum(weights.values()) == pytest.approx(bounded(-3.0) / 2)
    message = next(f.message for f in findings if f.code == UNLIKE)
    assert "2 of the 4 measured features" in message
    assert "50%" in message


def test_three_features_outside_leave_the_model_nothing_to_say_for_a_person() -> None:
    model = _stump(-3.0, 3.0)
    findings = model_findings(model, np.array([-0.5, 7.0, -4.0, 2.0]), 1.0, UNLIKE)
    assert [f.code for f in findings] == [UNLIKE]


def test_what_the_model_says_for_a_bot_is_never_discounted() -> None:
    model = _stump(-3.0, 3.0)
    findings = model_findings(model, np.array([0.5, 7.0, -4.0, 2.0]), 1.0, UNLIKE)
    assert UNLIKE not in _weights(findings)
    assert sum(_weights(findings).values()) == pytest.approx(bounded(3.0))


def test_without_a_code_or_a_recorded_range_nothing_is_judged() -> None:
    x = np.array([-0.5, 7.0, -4.0, 2.0])
    model = _stump(-3.0, 3.0)
    assert sum(_weights(model_findings(model, x, 1.0)).values()) == pytest.approx(bounded(-3.0))
    unknown = dataclasses.replace(model, human_low=None, human_high=None)
    assert unknown.unlike_people(x) == 0
    assert sum(_weights(model_findings(unknown, x, 1.0, UNLIKE)).values()) == pytest.approx(bounded(-3.0))


def test_a_feature_that_could_not_be_measured_counts_as_in_range() -> None:
    model = _stump(-3.0, 3.0)
    assert model.unlike_people(np.array([np.nan, np.nan, 5.0, np.nan])) == 1


def test_the_range_is_the_people_s_0_1th_to_99_9th_percentile_of_what_was_measured() -> None:
    people = np.column_stack(
        (np.arange(1001.0), np.where(np.arange(1001) % 2 == 0, np.nan, 5.0), np.full(1001, np.nan))
    )
    low, high = human_range(people)
    assert low[0] == pytest.approx(1.0)
    assert high[0] == pytest.approx(999.0)
    assert (low[1], high[1]) == (5.0, 5.0)
    assert np.isnan(low[2])
    assert np.isnan(high[2])


def test_the_model_file_carries_the_range_and_refuses_a_malformed_one() -> None:
    model = _stump(-3.0, 3.0)
    data = model.to_dict()
    again = TreeModel.from_dict(data)
    assert again.human_low is not None
    assert again.human_high is not None
    assert np.array_equal(again.human_low, model.human_low)  # type: ignore[arg-type]
    assert np.array_equal(again.human_high, model.human_high)  # type: ignore[arg-type]
    older = TreeModel.from_dict({k: v for k, v in data.items() if k != "human_range"})
    assert older.human_low is None
    for bad in ([[0.0, 1.0]], [[1.0, 0.0]] * 4, [[0.0]] * 4, "wide"):
        with pytest.raises(ValueError, match="human_range"):
            TreeModel.from_dict({**data, "human_range": bad})


def test_the_shipped_model_records_its_people_s_range() -> None:
    model = shipped_model().models["pointer"]
    assert model.human_low is not None
    assert model.human_high is not None
    assert np.all(np.isnan(model.human_low) | (model.human_low <= model.human_high))


def _reasons(cols: EventColumns) -> dict[str, float]:
    """The shipped engine's reasons for a desktop session of ``cols``: code -> weight."""
    engine = Engine(EngineConfig(), shipped_model())
    state = engine.start(SessionContext(device=CLEAN_CHROME))
    engine.add(state, cols)
    return {r.code: r.weight for r in engine.assess(state).reasons}


def _resampled(events: EventColumns, every_ms: float) -> EventColumns:
    """The moves of ``events`` as a program setting the pointer every ``every_ms`` along their
    path (interpolated, whole pixels)."""
    moves = events.kind == EventKind.MOVE
    t = events.t_ms[moves]
    at = np.arange(t[0], t[-1], every_ms)
    return columns(
        at,
        np.full(at.shape[0], int(EventKind.MOVE), np.uint8),
        np.round(np.interp(at, t, events.x[moves])),
        np.round(np.interp(at, t, events.y[moves])),
    )


def test_a_person_s_strokes_sent_at_1_khz_are_beyond_every_trained_person_and_lose_the_model_s_word() -> None:
    # Real strokes as a mouse recorded them, then the same path set point by point every
    # millisecond: faster than any person the model was trained on was sampled.
    events = human_mouse(np.random.default_rng(4), strokes=6)
    recorded, sent = _reasons(events), _reasons(_resampled(events, 1.0))
    assert UNLIKE not in recorded
    assert sum(w for c, w in recorded.items() if c in MODEL_REASON_CODES) < -2.0
    assert UNLIKE in sent
    assert sum(w for c, w in sent.items() if c in MODEL_REASON_CODES) == 0.0


def test_a_few_steps_or_a_coarse_clock_are_not_judged_against_the_people_s_range() -> None:
    # A few steps' features are extreme by chance, and a coarse clock's times are the clock's.
    # The same path set every 2 ms is judged in full; its first 11 moves, or all of it read on a
    # 10 ms clock, are not (each of them is, without those two conditions).
    every_2_ms = _resampled(human_mouse(np.random.default_rng(4), strokes=6), 2.0)
    few = columns(every_2_ms.t_ms[:11], every_2_ms.kind[:11], every_2_ms.x[:11], every_2_ms.y[:11])
    coarse = dataclasses.replace(every_2_ms, t_ms=np.floor(every_2_ms.t_ms / 10.0) * 10.0)
    assert UNLIKE in _reasons(every_2_ms)
    assert UNLIKE not in _reasons(few)
    assert UNLIKE not in _reasons(coarse)


def test_a_bundle_without_ranges_still_loads_and_judges_as_before() -> None:
    bundle = shipped_model()
    data = bundle.to_dict()
    for model in data["models"].values():
        model.pop("human_range")
    older = ModelBundle.from_dict(data)
    assert all(m.human_low is None for m in older.models.values())
