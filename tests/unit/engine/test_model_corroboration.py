"""The learned model alone cannot take a session to HIGH: its bot-pointing evidence is held to
``model_alone_log_odds`` until rules point to a bot too, and counts in full once they agree by
``model_corroboration_log_odds``. A model can be wrongly sure of a person unlike those it was
trained on; rules that agree are what make its certainty count."""

from __future__ import annotations

import copy

import pytest

from botsift_server.engine import (
    Assessment,
    Engine,
    EngineConfig,
    EventColumns,
    EventCounts,
    ModelBundle,
    RiskLevel,
    SessionContext,
)
from botsift_server.engine._evidence import Evidence, Finding
from botsift_server.engine.learned import shipped_model
from botsift_server.engine.model_evidence import MODEL_REASON_CODES
from botsift_server.engine.scoring import fuse, logistic

from .traces import CLEAN_CHROME, human_strokes

COUNTS = EventCounts(total=200, pointer=200, keys=0, touches=0, scrolls=0, focus=0)


def _fused(
    model: float, rules: tuple[float, ...] = (), config: EngineConfig | None = None
) -> tuple[float, dict[str, float]]:
    """The pointer detector's contribution and the reasons' weights when the model's findings add
    up to ``model`` (two groups) and rules give ``rules``."""
    findings = [
        Finding("POINTER_PATH_SHAPE", "model", 0.75 * model),
        Finding("POINTER_PAUSE_PATTERN", "model", 0.25 * model),
        *(
            Finding("POINTER_LINEAR_PATH" if i == 0 else "POINTER_CONSTANT_SPEED", "rule", r)
            for i, r in enumerate(rules)
        ),
    ]
    assessment = fuse([Evidence("pointer", tuple(findings), 1.0)], COUNTS, config or EngineConfig(), "test")
    weights = {r.code: r.weight for r in assessment.reasons}
    contribution = assessment.contributions[0].log_odds
    assert contribution == pytest.approx(sum(weights.values()))  # reasons add up to what counts
    return contribution, weights


def test_a_model_alone_counts_up_to_its_bound_short_of_high_even_at_a_login() -> None:
    config = EngineConfig()
    contribution, weights = _fused(8.0)
    assert contribution == pytest.approx(config.model_alone_log_odds)
    # Both groups are brought down alike, so the reasons still say which pointed how far.
    assert weights["POINTER_PATH_SHAPE"] == pytest.approx(3.0 * weights["POINTER_PAUSE_PATTERN"])
    login = config.for_action("login")
    assert logistic(login.prior_log_odds + contribution) < login.high_score


def test_rules_that_agree_let_the_model_count_in_full_and_in_proportion_below() -> None:
    config = EngineConfig()
    full, alone = config.model_corroboration_log_odds, config.model_alone_log_odds
    assert _fused(8.0, (full,))[0] == pytest.approx(8.0 + full)
    # Two thirds of the way from a third of it to all of it: half the model's excess counts.
    half = full / 3.0 + (full * 2.0 / 3.0) / 2.0
    assert _fused(8.0, (half,))[0] == pytest.approx(alone + (8.0 - alone) / 2.0 + half)
    # An incidental finding lends no agreement, nor do rules that point to a person; those do not
    # take away the agreement of the ones pointing to a bot either (a bot imitating a person earns
    # some of those).
    assert _fused(8.0, (full / 4.0,))[0] == pytest.approx(alone + full / 4.0)
    assert _fused(8.0, (-2.0,))[0] == pytest.approx(alone - 2.0)
    assert _fused(8.0, (full, -full))[0] == pytest.approx(8.0)


def test_a_model_within_the_bound_or_pointing_to_a_person_is_untouched() -> None:
    assert _fused(2.0)[0] == pytest.approx(2.0)
    assert _fused(-5.0)[0] == pytest.approx(-5.0)


def test_the_bound_is_a_setting_and_its_models_own_bound_turns_it_off() -> None:
    assert _fused(8.0, config=EngineConfig(model_alone_log_odds=12.0))[0] == pytest.approx(8.0)
    tenant = EngineConfig().with_overrides({"model_alone_log_odds": 4.0})
    assert _fused(8.0, config=tenant)[0] == pytest.approx(4.0)
    with pytest.raises(ValueError, match="model_alone_log_odds"):
        EngineConfig(model_alone_log_odds=-1.0)


def test_a_model_wrongly_sure_of_a_person_does_not_take_them_to_high_alone() -> None:
    # The shipped trees calibrated 30 log-odds further towards "bot": on a DELBOT person's real
    # strokes it is as sure of a bot as the engine lets a model be, as a model can be of someone
    # unlike the people it was trained on.
    data = copy.deepcopy(shipped_model().to_dict())
    data["version"] = "sure-of-a-bot"
    data["models"]["pointer"]["platt_b"] += 30.0
    sure = ModelBundle.from_dict(data)
    for stroke in human_strokes("delbot/human/pc2")[:4]:
        for config in (EngineConfig().for_action("login"), EngineConfig()):
            verdict = _judged(Engine(config, sure), stroke)
            model = sum(r.weight for r in verdict.reasons if r.code in MODEL_REASON_CODES)
            assert model <= config.model_alone_log_odds + 1e-9
            assert verdict.risk_level < RiskLevel.HIGH, verdict.reasons
        # Without the bound the same model alone takes the person to HIGH.
        unbound = Engine(EngineConfig(model_alone_log_odds=12.0), sure)
        assert _judged(unbound, stroke).risk_level >= RiskLevel.HIGH


def _judged(engine: Engine, events: EventColumns) -> Assessment:
    state = engine.start(SessionContext(action="login", device=CLEAN_CHROME))
    engine.add(state, events)
    return engine.assess(state)
