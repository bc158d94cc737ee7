"""Behavioural consistency: whether what a session did adds up, within itself and across sessions.

* **replay** — a pointer trajectory or typing rhythm that repeats an earlier session of the same
  tenant (see :mod:`botsift_server.engine.replay`);
"""

from __future__ import annotations

from botsift_server.engine._config import EngineConfig
from botsift_server.engine._evidence import Evidence, Finding
from botsift_server.engine._state import SessionState
from botsift_server.engine.replay import ReplayIndex, fingerprint
from botsift_server.engine.replay import findings as replay_findings

DETECTOR = "behaviour"


def assess(
    state: SessionState, config: EngineConfig, replay: ReplayIndex | None, session_id: str = ""
) -> Evidence:
    """Judge the session's behavioural consistency (and, given an index, replay of earlier sessions)."""
    findings: list[Finding] = []
    if replay is not None and len(replay):
        findings.extend(replay_findings(fingerprint(state, config.segment_gap_ms, session_id), replay))
    # Confidence says how much this detector saw: only what it found counts, nothing else.
    return Evidence(DETECTOR, tuple(findings), 1.0 if findings else 0.0)
