"""Fusing detector evidence into one assessment: a logistic score, a risk level, sorted reasons.

``score = logistic(prior_log_odds + sum(detector_weight * finding_log_odds))``. Findings are
treated as independent log-likelihood ratios; they are not, quite, which is what the per-detector
weights in :class:`EngineConfig` are there to correct until a learned model replaces them.

The learned models' findings are the exception: what they add towards "bot" is held to
:attr:`EngineConfig.model_alone_log_odds` unless rules point to a bot too (see
:func:`_model_scale`), so that a model wrongly sure of a person unlike those it was trained on
does not take them to HIGH on its own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from botsift_server.engine._config import EngineConfig
from botsift_server.engine._evidence import INSUFFICIENT_EVIDENCE, Evidence, ramp
from botsift_server.engine._types import Assessment, Contribution, EventCounts, Reason, RiskLevel
from botsift_server.engine.model_evidence import MODEL_REASON_CODES

# Beyond this the logistic is 0 or 1 in float64 anyway; clamping keeps math.exp in range.
_MAX_ABS_LOG_ODDS = 50.0
_MODEL_CODES = frozenset(MODEL_REASON_CODES)

_Weighed = tuple[Evidence, float, list[tuple[str, str, float]]]
"""A detector's evidence, its clamped confidence, and its findings kept as (code, message, weight)."""


def logistic(log_odds: float) -> float:
    """The probability with these log-odds (numerically stable, clamped to +-50)."""
    z = min(_MAX_ABS_LOG_ODDS, max(-_MAX_ABS_LOG_ODDS, log_odds))
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def risk_level(score: float, config: EngineConfig) -> RiskLevel:
    """The risk level of ``score`` under the configured thresholds."""
    if score >= config.critical_score:
        return RiskLevel.CRITICAL
    if score >= config.high_score:
        return RiskLevel.HIGH
    if score >= config.medium_score:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


def fuse(
    evidence: Sequence[Evidence], counts: EventCounts, config: EngineConfig, engine_version: str
) -> Assessment:
    """Combine the evidence of the enabled detectors into an :class:`Assessment`.

    A detector with confidence 0 contributes 0 (it saw nothing); its zero-weight findings are
    still listed as information. Reasons are sorted strongest first, bot-pointing first on ties.
    """
    weighed: list[_Weighed] = []
    for item in evidence:
        confidence = min(1.0, max(0.0, item.confidence)) if math.isfinite(item.confidence) else 0.0
        multiplier = config.weight(item.detector)
        kept: list[tuple[str, str, float]] = []
        for finding in item.findings:
            weight = (
                multiplier * config.reason_weight(finding.code) * finding.log_odds
                if confidence > 0.0
                else 0.0
            )
            if not math.isfinite(weight):
                # A feature that cannot be computed is no evidence; never let it poison the score.
                weight = 0.0
            if weight == 0.0 and finding.log_odds != 0.0:
                continue
            kept.append((finding.code, finding.message, weight))
        weighed.append((item, confidence, kept))
    model_scale = _model_scale(weighed, config)
    reasons: list[Reason] = []
    contributions: list[Contribution] = []
    doubt = 1.0
    for item, confidence, kept in weighed:
        total = 0.0
        for code, message, weight in kept:
            if code in _MODEL_CODES:
                weight *= model_scale
            total += weight
            reasons.append(Reason(code, message, weight, item.detector))
        contributions.append(Contribution(item.detector, total, confidence))
        doubt *= 1.0 - confidence
    confidence = 1.0 - doubt
    log_odds = config.prior_log_odds + math.fsum(c.log_odds for c in contributions)
    score = logistic(log_odds)
    if confidence < config.insufficient_evidence_confidence:
        reasons.append(
            Reason(
                INSUFFICIENT_EVIDENCE,
                "Few events and signals so far: the score rests on little evidence and may change "
                "as more arrive.",
                0.0,
                "scoring",
            )
        )
    reasons.sort(key=lambda r: (-abs(r.weight), r.weight <= 0.0, r.detector, r.code))
    return Assessment(
        score=score,
        risk_level=risk_level(score, config),
        reasons=tuple(reasons),
        contributions=tuple(contributions),
        counts=counts,
        confidence=confidence,
        engine_version=engine_version,
    )


def _model_scale(weighed: Sequence[_Weighed], config: EngineConfig) -> float:
    """What the learned models' findings are multiplied by: 1, unless together they point to a
    bot by more than :attr:`EngineConfig.model_alone_log_odds`; then their sum is brought down to
    that bound plus the share of the rest that the rules' agreement allows. The rules agree as far
    as their findings that point to a bot add up: not at all up to a third of
    :attr:`EngineConfig.model_corroboration_log_odds` (an incidental finding), fully from all of
    it. Findings that point to a person take nothing away: a bot imitating one earns some."""
    model = rules = 0.0
    for _, _, kept in weighed:
        for code, _, weight in kept:
            if code in _MODEL_CODES:
                model += weight
            elif weight > 0.0:
                rules += weight
    alone = config.model_alone_log_odds
    if model <= alone:
        return 1.0
    full = config.model_corroboration_log_odds
    agreed = ramp(rules, full / 3.0, full)
    return (alone + (model - alone) * agreed) / model
