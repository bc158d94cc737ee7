"""What an evaluation found, as plain data: overall and per-source metrics, histograms, timing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from botsift_server.engine import ENGINE_VERSION, EngineConfig, RiskLevel
from botsift_server.evaluation._metrics import histogram, reliability, roc_auc, tpr_at_fpr
from botsift_server.evaluation._runner import Scored

HISTOGRAM_BINS = 10


@dataclass(frozen=True, slots=True)
class SourceResult:
    """Metrics of one source; AUC and TPR compare it with all traces of the other label."""

    source: str
    label: str
    sessions: int
    mean_score: float
    high_or_above: float
    """Share of its sessions at HIGH or CRITICAL (detections for bots, false alarms for humans)."""
    auc: float | None
    tpr_at_1pct_fpr: float | None
    """Bots only: share caught at the threshold that flags 1% of all humans."""
    top_reasons: list[tuple[str, int]] = field(default_factory=list)


FLAGGED_SCORE = 0.5
"""People scored at least this (or at HIGH or above) are listed for triage."""
FLAGGED_SHOWN = 10


@dataclass(frozen=True, slots=True)
class FlaggedHuman:
    """A human-labelled session the engine leaned to call a bot: a false alarm to look at."""

    session_id: str
    source: str
    score: float
    risk_level: str
    reasons: tuple[str, ...]
    """The reasons that pointed to a bot, the strongest first."""


@dataclass(frozen=True, slots=True)
class Results:
    """Everything the text, JSON and Markdown reports show."""

    engine_version: str
    high_score: float
    sessions: int
    humans: int
    bots: int
    unlabelled: int
    auc: float | None
    tpr_at_1pct_fpr: float | None
    tpr_at_01pct_fpr: float | None
    accuracy_at_high: float | None
    """Share of labelled sessions right when HIGH or CRITICAL means "bot"."""
    humans_high_or_above: float | None
    bots_high_or_above: float | None
    calibration_error: float | None
    sources: list[SourceResult]
    histograms: dict[str, list[int]]
    events: int
    engine_seconds: float
    mode: str
    flagged_humans: int = 0
    """Human-labelled sessions scored FLAGGED_SCORE or more, or at HIGH or above."""
    flagged_reasons: list[tuple[str, int]] = field(default_factory=list)
    """How many of those sessions each bot-leaning reason was among the top three of."""
    flagged_highest: list[FlaggedHuman] = field(default_factory=list)
    """The FLAGGED_SHOWN highest-scored of them."""

    @property
    def microseconds_per_event(self) -> float:
        """Engine (or round-trip) time per event."""
        return 1e6 * self.engine_seconds / max(self.events, 1)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-able data (what ``--json`` prints)."""
        return {
            "engine_version": self.engine_version,
            "mode": self.mode,
            "decision": f"bot when risk_level >= HIGH (score >= {self.high_score}, or its action's)",
            "sessions": self.sessions,
            "humans": self.humans,
            "bots": self.bots,
            "unlabelled": self.unlabelled,
            "auc": self.auc,
            "tpr_at_1pct_fpr": self.tpr_at_1pct_fpr,
            "tpr_at_0.1pct_fpr": self.tpr_at_01pct_fpr,
            "accuracy_at_high": self.accuracy_at_high,
            "humans_high_or_above": self.humans_high_or_above,
            "bots_high_or_above": self.bots_high_or_above,
            "expected_calibration_error": self.calibration_error,
            "sources": [
                {
                    "source": s.source,
                    "label": s.label,
                    "sessions": s.sessions,
                    "mean_score": s.mean_score,
                    "high_or_above": s.high_or_above,
                    "auc": s.auc,
                    "tpr_at_1pct_fpr": s.tpr_at_1pct_fpr,
                    "top_reasons": [{"code": c, "sessions": n} for c, n in s.top_reasons],
                }
                for s in self.sources
            ],
            "histograms": {"bin_edges": np.linspace(0, 1, HISTOGRAM_BINS + 1).tolist(), **self.histograms},
            "timing": {
                "events": self.events,
                "seconds": self.engine_seconds,
                "microseconds_per_event": self.microseconds_per_event,
            },
            "flagged_humans": {
                "min_score": FLAGGED_SCORE,
                "sessions": self.flagged_humans,
                "reasons": [{"code": c, "sessions": n} for c, n in self.flagged_reasons],
                "highest": [
                    {
                        "session_id": f.session_id,
                        "source": f.source,
                        "score": f.score,
                        "risk_level": f.risk_level,
                        "reasons": list(f.reasons),
                    }
                    for f in self.flagged_highest
                ],
            },
        }


def summarize(scored: Sequence[Scored], config: EngineConfig | None = None, mode: str = "offline") -> Results:
    """The :class:`Results` of scored traces."""
    cfg = config or EngineConfig()
    labelled = [s for s in scored if s.label is not None]
    y = np.array([s.label == "bot" for s in labelled], dtype=bool)
    scores = np.array([s.score for s in labelled], dtype=np.float64)
    high = np.array([s.risk_level >= RiskLevel.HIGH for s in labelled], dtype=bool)
    both = bool(y.any() and (~y).any())
    humans, bots = int((~y).sum()), int(y.sum())
    human_scores, bot_scores = scores[~y], scores[y]
    calibration = reliability(y, scores).expected_calibration_error if labelled else None
    return Results(
        engine_version=", ".join(sorted({s.engine_version for s in scored if s.engine_version}))
        or ENGINE_VERSION,
        high_score=cfg.high_score,
        sessions=len(scored),
        humans=humans,
        bots=bots,
        unlabelled=len(scored) - len(labelled),
        auc=roc_auc(y, scores) if both else None,
        tpr_at_1pct_fpr=tpr_at_fpr(y, scores, 0.01) if both else None,
        tpr_at_01pct_fpr=tpr_at_fpr(y, scores, 0.001) if both else None,
        accuracy_at_high=float(np.mean(high == y)) if labelled else None,
        humans_high_or_above=float(high[~y].mean()) if humans else None,
        bots_high_or_above=float(high[y].mean()) if bots else None,
        calibration_error=calibration,
        sources=_per_source(scored, human_scores, bot_scores),
        histograms={
            "human": histogram(human_scores, HISTOGRAM_BINS).tolist(),
            "bot": histogram(bot_scores, HISTOGRAM_BINS).tolist(),
            "unlabelled": histogram([s.score for s in scored if s.label is None], HISTOGRAM_BINS).tolist(),
        },
        events=sum(s.events for s in scored),
        engine_seconds=sum(s.engine_seconds for s in scored),
        mode=mode,
        **_flagged(labelled),
    )


def _flagged(labelled: Sequence[Scored]) -> dict[str, Any]:
    """The human-labelled sessions scored FLAGGED_SCORE or more (or at HIGH+), for triage."""
    flagged = sorted(
        (
            s
            for s in labelled
            if s.label == "human" and (s.score >= FLAGGED_SCORE or s.risk_level >= RiskLevel.HIGH)
        ),
        key=lambda s: (-s.score, s.session_id),
    )
    reasons: dict[str, int] = {}
    for s in flagged:
        for code in s.bot_reasons[:3]:
            reasons[code] = reasons.get(code, 0) + 1
    return {
        "flagged_humans": len(flagged),
        "flagged_reasons": sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])),
        "flagged_highest": [
            FlaggedHuman(s.session_id, s.source, s.score, s.risk_level.name, s.bot_reasons[:3])
            for s in flagged[:FLAGGED_SHOWN]
        ],
    }


def _per_source(
    scored: Sequence[Scored], human_scores: np.ndarray, bot_scores: np.ndarray
) -> list[SourceResult]:
    groups: dict[tuple[str, str], list[Scored]] = {}
    for s in scored:
        groups.setdefault((s.source or "(none)", s.label or "unlabelled"), []).append(s)
    out: list[SourceResult] = []
    for (source, label), items in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        mine = np.array([s.score for s in items], dtype=np.float64)
        auc = tpr = None
        if label == "bot" and len(human_scores):
            y = np.concatenate((np.zeros(len(human_scores), bool), np.ones(len(mine), bool)))
            both = np.concatenate((human_scores, mine))
            auc, tpr = roc_auc(y, both), tpr_at_fpr(y, both, 0.01)
        elif label == "human" and len(bot_scores):
            y = np.concatenate((np.zeros(len(mine), bool), np.ones(len(bot_scores), bool)))
            auc = roc_auc(y, np.concatenate((mine, bot_scores)))
        reasons: dict[str, int] = {}
        for s in items:
            for code in set(s.reasons):
                reasons[code] = reasons.get(code, 0) + 1
        out.append(
            SourceResult(
                source=source,
                label=label,
                sessions=len(items),
                mean_score=float(mine.mean()),
                high_or_above=float(np.mean([s.risk_level >= RiskLevel.HIGH for s in items])),
                auc=auc,
                tpr_at_1pct_fpr=tpr,
                top_reasons=sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:3],
            )
        )
    return out
