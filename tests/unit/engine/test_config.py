"""EngineConfig: documented defaults, and a loader from plain data that names bad keys."""

from __future__ import annotations

import pytest

from botsift_server.engine import DETECTORS, EngineConfig


def test_defaults_are_ordered_thresholds_and_unit_weights() -> None:
    config = EngineConfig()
    assert 0.0 < config.medium_score < config.high_score < config.critical_score < 1.0
    assert all(config.weight(d) == 1.0 and config.enabled(d) for d in DETECTORS)


def test_from_mapping_reads_a_toml_like_table() -> None:
    config = EngineConfig.from_mapping(
        {
            "prior_log_odds": -3,
            "high_score": 0.85,
            "pointer_window_events": 512,
            "detector_weights": {"pointer": 0.5},
            "detectors_enabled": {"timing": False},
        }
    )
    assert config.prior_log_odds == -3.0
    assert config.high_score == 0.85
    assert config.pointer_window_events == 512
    assert config.weight("pointer") == 0.5
    assert config.weight("device") == 1.0
    assert not config.enabled("timing")
    assert config == EngineConfig.from_mapping(
        {
            "prior_log_odds": -3.0,
            "high_score": 0.85,
            "pointer_window_events": 512,
            "detector_weights": {"pointer": 0.5},
            "detectors_enabled": {"timing": False},
        }
    )
    assert hash(config) == hash(
        EngineConfig.from_mapping(
            {
                "prior_log_odds": -3.0,
                "high_score": 0.85,
                "pointer_window_events": 512,
                "detector_weights": {"pointer": 0.5},
                "detectors_enabled": {"timing": False},
            }
        )
    )


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"no_such_setting": 1}, "no_such_setting"),
        ({"high_score": "0.9"}, "high_score"),
        ({"high_score": True}, "high_score"),
        ({"pointer_window_events": 2.5}, "pointer_window_events"),
        ({"detector_weights": {"mouse": 1.0}}, "detector_weights.mouse"),
        ({"detector_weights": {"pointer": "x"}}, "detector_weights.pointer"),
        ({"detector_weights": [1.0]}, "detector_weights"),
        ({"detectors_enabled": {"pointer": 1}}, "detectors_enabled.pointer"),
        ({"reason_weights": {"POINTER_WOBBLE": 0.5}}, "reason_weights.POINTER_WOBBLE"),
        ({"reason_weights": {"POINTER_TELEPORT": -1.0}}, "reason_weights.POINTER_TELEPORT"),
        ({"medium_score": 0.9}, "medium_score"),
        ({"segment_gap_ms": float("inf")}, "segment_gap_ms"),
        ({"key_window_events": 0}, "key_window_events"),
    ],
)
def test_from_mapping_names_the_bad_key(data: dict[str, object], key: str) -> None:
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        EngineConfig.from_mapping(data)


def test_config_cannot_be_changed_after_construction() -> None:
    config = EngineConfig()
    with pytest.raises(TypeError):
        config.detector_weights["pointer"] = 2.0  # type: ignore[index]


def test_overrides_apply_file_then_action_then_tenant_then_tenant_action() -> None:
    config = EngineConfig.from_mapping(
        {"high_score": 0.85, "actions": {"login": {"high_score": 0.75, "detector_weights": {"pointer": 2.0}}}}
    )
    tenant = {"medium_score": 0.3, "high_score": 0.65, "actions": {"login": {"high_score": 0.6}}}
    assert config.for_action("search").high_score == 0.85
    assert config.for_action("login").high_score == 0.75
    assert config.for_action("login").medium_score == 0.4  # the documented login default stays
    assert config.for_action("login").weight("pointer") == 2.0
    assert config.for_action("login").weight("device") == 1.0
    assert config.for_action("search", tenant).high_score == 0.65
    assert config.for_action("login", tenant).high_score == 0.6
    assert config.for_action("login", tenant).weight("pointer") == 2.0


def test_login_is_stricter_than_view_by_default() -> None:
    config = EngineConfig()
    assert config.for_action("login").high_score < config.high_score < config.for_action("view").high_score


def test_overrides_may_not_touch_window_sizes_or_name_unknown_settings() -> None:
    with pytest.raises(ValueError, match="pointer_window_events"):
        EngineConfig.check_tenant_overrides({"pointer_window_events": 64})
    with pytest.raises(ValueError, match=r"actions\.login\.bogus"):
        EngineConfig.from_mapping({"actions": {"login": {"bogus": 1}}})
    with pytest.raises(ValueError, match="high_score"):
        EngineConfig.check_tenant_overrides({"high_score": "high"})


def test_reason_weights_merge_through_action_and_tenant_overrides() -> None:
    config = EngineConfig.from_mapping({"reason_weights": {"BEHAVIOUR_INSTANT_CLICKS": 0.5}})
    tenant = {
        "reason_weights": {"POINTER_TELEPORT": 0.0},
        "actions": {"login": {"reason_weights": {"KEYS_ZERO_HOLD": 2.0}}},
    }
    login = config.for_action("login", tenant)
    assert login.reason_weight("BEHAVIOUR_INSTANT_CLICKS") == 0.5
    assert login.reason_weight("POINTER_TELEPORT") == 0.0
    assert login.reason_weight("KEYS_ZERO_HOLD") == 2.0
    assert login.reason_weight("POINTER_LINEAR_PATH") == 1.0
    assert config.for_action("view", tenant).reason_weight("KEYS_ZERO_HOLD") == 1.0
    EngineConfig.check_tenant_overrides(tenant)
    with pytest.raises(ValueError, match=r"tenant: reason_weights\.NOT_A_REASON"):
        EngineConfig.check_tenant_overrides({"reason_weights": {"NOT_A_REASON": 1.0}})
