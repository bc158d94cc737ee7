"""The engine's configuration: one frozen value, plain field types, loadable from a TOML table."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from botsift_server.engine._reasons import REASON_CODES

DETECTORS: tuple[str, ...] = ("device", "pointer", "keystrokes", "timing", "behaviour")
"""The names of the detectors, as used in :attr:`EngineConfig.detector_weights` and in reasons."""


OVERRIDABLE: frozenset[str] = frozenset(
    {
        "prior_log_odds",
        "medium_score",
        "high_score",
        "critical_score",
        "detector_weights",
        "reason_weights",
        "detectors_enabled",
        "insufficient_evidence_confidence",
        "use_model",
        "model_alone_log_odds",
        "model_corroboration_log_odds",
        "clock_lead_tolerance_ms",
    }
)
"""Settings a per-action table or a tenant may override: scoring only, never window sizes, so
one session state serves every effective configuration."""

DEFAULT_ACTIONS: Mapping[str, Mapping[str, object]] = MappingProxyType(
    {
        # A login is worth protecting more than a page view: lower thresholds flag sooner.
        "login": MappingProxyType({"medium_score": 0.4, "high_score": 0.7, "critical_score": 0.9}),
        # A page view costs little to let through: only confident verdicts are HIGH.
        "view": MappingProxyType({"medium_score": 0.6, "high_score": 0.9, "critical_score": 0.97}),
    }
)
"""Overrides by action when the configuration names none (``[engine.actions.<action>]``)."""


def _default_actions() -> Mapping[str, Mapping[str, object]]:
    return DEFAULT_ACTIONS


def _default_weights() -> Mapping[str, float]:
    return MappingProxyType(dict.fromkeys(DETECTORS, 1.0))


def _default_enabled() -> Mapping[str, bool]:
    return MappingProxyType(dict.fromkeys(DETECTORS, True))


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """Thresholds, weights and window sizes of the detection engine.

    Every field has a documented default, so ``EngineConfig()`` is a working engine. Build one
    from a parsed TOML table with :meth:`from_mapping`::

        EngineConfig.from_mapping({"high_score": 0.85, "detector_weights": {"pointer": 0.5}})
    """

    prior_log_odds: float = -2.0
    """Log-odds that a session is automated before any evidence (-2.0 is a probability of ~0.12)."""

    medium_score: float = 0.5
    """Lowest score reported as :attr:`RiskLevel.MEDIUM`."""

    high_score: float = 0.8
    """Lowest score reported as :attr:`RiskLevel.HIGH`."""

    critical_score: float = 0.95
    """Lowest score reported as :attr:`RiskLevel.CRITICAL`."""

    detector_weights: Mapping[str, float] = field(default_factory=_default_weights)
    """Multiplier of each detector's log-odds, by detector name; missing names mean 1.0."""

    reason_weights: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    """Multiplier of single reasons' log-odds, by reason code (``docs/reasons.md``), on top of
    their detector's weight; missing codes mean 1.0, and 0 leaves a reason out. For a site where
    one finding misfires (kiosks whose touch screens click instantly:
    ``{ BEHAVIOUR_INSTANT_CLICKS = 0 }``) without turning its whole detector down."""

    detectors_enabled: Mapping[str, bool] = field(default_factory=_default_enabled)
    """Whether each detector runs, by detector name; missing names mean enabled."""

    insufficient_evidence_confidence: float = 0.25
    """Below this overall confidence an assessment carries the ``INSUFFICIENT_EVIDENCE`` reason."""

    pointer_window_events: int = 2048
    """How many of the latest mouse events (move, down, up) a session keeps for path analysis."""

    key_window_events: int = 1024
    """How many of the latest key events (down, up) a session keeps for rhythm analysis."""

    timing_window_events: int = 2048
    """How many of the latest event times (all kinds) a session keeps for regularity analysis."""

    segment_gap_ms: float = 300.0
    """A pause longer than this between two moves ends a movement segment."""

    clock_lead_tolerance_ms: float = 3000.0
    """How far a streamed session's own clock may run ahead of the server's between batch
    arrivals before ``TIMING_EVENTS_AHEAD_OF_ARRIVAL`` (network and flush delays stay well below
    3 s). Raise it for a tenant that relays events through its own buffer; 0 turns the check off."""

    use_model: bool = True
    """Whether the learned pointer and keystroke models add their evidence to the rules'."""

    model_alone_log_odds: float = 2.5
    """The most bot-pointing log-odds the learned models add to a session when no rule points to
    a bot: with the default prior, short of HIGH even at a login's thresholds. A model is sure of
    the people it was trained on and can be as sure, wrongly, of a person unlike them (Balabit's
    user9, left out of training, had a third of its sessions at HIGH on the model alone); with
    rules pointing to a bot too, its evidence counts in full again, reaching it at
    :attr:`model_corroboration_log_odds` of theirs. 12 (the model's own bound) turns this off."""

    model_corroboration_log_odds: float = 1.5
    """How far the rules' findings that point to a bot must add up for the learned models'
    evidence to count in full (see :attr:`model_alone_log_odds`): not at all up to a third of it,
    in proportion above."""

    replay_index_sessions: int = 1000
    """How many finished sessions per tenant the server remembers for replay detection
    (about 2.5 KB each at most; the oldest is forgotten first)."""

    replay_index_tenants: int = 64
    """How many tenants' replay indexes the server keeps (the least recently used is dropped)."""

    actions: Mapping[str, Mapping[str, object]] = field(default_factory=_default_actions)
    """Overrides of the scoring settings (:data:`OVERRIDABLE`) by session action, e.g.
    ``{"login": {"high_score": 0.7}}``; see :meth:`for_action`."""

    def __post_init__(self) -> None:
        for name in ("prior_log_odds", "segment_gap_ms", "insufficient_evidence_confidence"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name}: must be finite")
        if not 0.0 < self.medium_score <= self.high_score <= self.critical_score <= 1.0:
            raise ValueError(
                "medium_score, high_score, critical_score: need 0 < medium <= high <= critical <= 1"
            )
        if self.replay_index_sessions < 1 or self.replay_index_tenants < 1:
            raise ValueError("replay_index_sessions, replay_index_tenants: must be >= 1")
        if not (math.isfinite(self.clock_lead_tolerance_ms) and self.clock_lead_tolerance_ms >= 0.0):
            raise ValueError("clock_lead_tolerance_ms: must be finite and >= 0 (0 turns the check off)")
        for name in ("model_alone_log_odds", "model_corroboration_log_odds"):
            if not (math.isfinite(getattr(self, name)) and getattr(self, name) >= 0.0):
                raise ValueError(f"{name}: must be finite and >= 0")
        if self.segment_gap_ms <= 0.0:
            raise ValueError("segment_gap_ms: must be > 0")
        for name in ("pointer_window_events", "key_window_events", "timing_window_events"):
            if getattr(self, name) < 16:
                raise ValueError(f"{name}: must be >= 16")
        weights = dict(self.detector_weights)
        for key, value in weights.items():
            if key not in DETECTORS:
                raise ValueError(f"detector_weights.{key}: unknown detector (known: {', '.join(DETECTORS)})")
            if not math.isfinite(value):
                raise ValueError(f"detector_weights.{key}: must be finite")
        reason_weights = dict(self.reason_weights)
        for key, value in reason_weights.items():
            if key not in REASON_CODES:
                raise ValueError(f"reason_weights.{key}: unknown reason code (see docs/reasons.md)")
            if not (math.isfinite(value) and value >= 0.0):
                raise ValueError(f"reason_weights.{key}: must be finite and >= 0")
        enabled = dict(self.detectors_enabled)
        for key in enabled:
            if key not in DETECTORS:
                raise ValueError(f"detectors_enabled.{key}: unknown detector (known: {', '.join(DETECTORS)})")
        actions = {str(name): MappingProxyType(dict(table)) for name, table in dict(self.actions).items()}
        for name, table in actions.items():
            _check_overrides(f"actions.{name}", table)
        object.__setattr__(self, "actions", MappingProxyType(actions))
        # Frozen means frozen: callers must not be able to change weights behind the engine's back.
        object.__setattr__(self, "detector_weights", MappingProxyType({**_default_weights(), **weights}))
        object.__setattr__(self, "detectors_enabled", MappingProxyType({**_default_enabled(), **enabled}))
        object.__setattr__(self, "reason_weights", MappingProxyType(reason_weights))

    def __hash__(self) -> int:
        # The mappings are read-only proxies, which do not hash; hash their sorted items instead.
        return hash(
            tuple(
                _frozen(value) if isinstance(value, Mapping) else value
                for value in (getattr(self, f.name) for f in dataclasses.fields(self))
            )
        )

    def weight(self, detector: str) -> float:
        """The multiplier of ``detector``'s log-odds (1.0 unless configured)."""
        return float(self.detector_weights.get(detector, 1.0))

    def reason_weight(self, code: str) -> float:
        """The multiplier of reason ``code``'s log-odds (1.0 unless configured)."""
        return float(self.reason_weights.get(code, 1.0))

    def enabled(self, detector: str) -> bool:
        """Whether ``detector`` runs (True unless configured)."""
        return bool(self.detectors_enabled.get(detector, True))

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> EngineConfig:
        """Build a config from plain data (a parsed TOML table), checking every key and type.

        Raises :class:`ValueError` naming the first bad key.
        """
        fields = {f.name: f for f in dataclasses.fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key not in fields:
                raise ValueError(f"{key}: unknown engine setting")
            default = getattr(cls(), key)
            if isinstance(default, bool):
                kwargs[key] = _as_bool(key, value)
            elif isinstance(default, int):
                kwargs[key] = _as_int(key, value)
            elif isinstance(default, float):
                kwargs[key] = _as_float(key, value)
            elif key in ("detector_weights", "reason_weights"):
                kwargs[key] = {k: _as_float(f"{key}.{k}", v) for k, v in _as_table(key, value).items()}
            elif key == "detectors_enabled":
                kwargs[key] = {k: _as_bool(f"{key}.{k}", v) for k, v in _as_table(key, value).items()}
            elif key == "actions":
                # A configured action's table adds to that action's defaults.
                merged = {name: dict(table) for name, table in DEFAULT_ACTIONS.items()}
                for name, table in _as_table(key, value).items():
                    merged.setdefault(name, {}).update(_as_table(f"{key}.{name}", table))
                kwargs[key] = merged
            else:  # pragma: no cover - a new field without a loader rule is a bug
                raise AssertionError(f"no loader rule for {key}")
        return cls(**kwargs)

    def with_overrides(self, overrides: Mapping[str, object], where: str = "overrides") -> EngineConfig:
        """This configuration with scoring settings replaced (weights and switches merged by
        detector or reason code). Raises :class:`ValueError` naming the first bad key."""
        if not overrides:
            return self
        _check_overrides(where, overrides)
        kwargs = _parse_overrides(where, overrides)
        for merged in ("detector_weights", "reason_weights", "detectors_enabled"):
            if merged in kwargs:
                kwargs[merged] = {**getattr(self, merged), **kwargs[merged]}
        try:
            return dataclasses.replace(self, **kwargs)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from exc

    def for_action(self, action: str, tenant: Mapping[str, object] | None = None) -> EngineConfig:
        """The effective configuration of a session: this one, then ``actions[action]``, then
        the tenant's overrides, then the tenant's ``actions[action]`` (later wins)."""
        config = self.with_overrides(self.actions.get(action, {}), f"actions.{action}")
        if tenant:
            general = {k: v for k, v in tenant.items() if k != "actions"}
            config = config.with_overrides(general, "tenant")
            tenant_actions = _as_table("tenant.actions", tenant.get("actions", {}))
            config = config.with_overrides(
                _as_table(f"tenant.actions.{action}", tenant_actions.get(action, {})),
                f"tenant.actions.{action}",
            )
        return config

    @staticmethod
    def check_tenant_overrides(overrides: Mapping[str, object]) -> None:
        """Raise :class:`ValueError` unless ``overrides`` is a valid per-tenant override table
        (scoring settings, plus ``actions`` tables of them)."""
        base = EngineConfig()
        general = {k: v for k, v in overrides.items() if k != "actions"}
        base.with_overrides(general, "tenant")
        for name, table in _as_table("actions", overrides.get("actions", {})).items():
            base.with_overrides(_as_table(f"actions.{name}", table), f"actions.{name}")


def _frozen(value: Mapping[Any, Any]) -> tuple[Any, ...]:
    return tuple(sorted((k, _frozen(v) if isinstance(v, Mapping) else v) for k, v in value.items()))


def _check_overrides(where: str, overrides: Mapping[str, object]) -> None:
    for key in overrides:
        if key not in OVERRIDABLE:
            raise ValueError(
                f"{where}.{key}: not overridable here (overridable: {', '.join(sorted(OVERRIDABLE))})"
            )


def _parse_overrides(where: str, overrides: Mapping[str, object]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in overrides.items():
        name = f"{where}.{key}"
        if key == "use_model":
            out[key] = _as_bool(name, value)
        elif key in ("detector_weights", "reason_weights"):
            out[key] = {k: _as_float(f"{name}.{k}", v) for k, v in _as_table(name, value).items()}
        elif key == "detectors_enabled":
            out[key] = {k: _as_bool(f"{name}.{k}", v) for k, v in _as_table(name, value).items()}
        else:
            out[key] = _as_float(name, value)
    return out


def _as_table(key: str, value: object) -> dict[str, object]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{key}: expected a table, got {type(value).__name__}")
    out: dict[str, object] = {}
    for k, v in value.items():
        if not isinstance(k, str):
            raise ValueError(f"{key}: keys must be strings, got {type(k).__name__}")
        out[k] = v
    return out


def _as_float(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key}: expected a number, got {type(value).__name__}")
    result = float(value)
    if not math.isfinite(result):
        raise ValueError(f"{key}: must be finite")
    return result


def _as_int(key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key}: expected an integer, got {type(value).__name__}")
    return value


def _as_bool(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{key}: expected true or false, got {type(value).__name__}")
    return value
