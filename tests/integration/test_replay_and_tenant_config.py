"""Through the real server: replayed sessions are flagged per tenant, and a tenant's stored
engine overrides change its verdicts' risk levels."""

from __future__ import annotations

import math

import numpy as np

from botsift.v1 import detection_pb2, detection_pb2_grpc, events_pb2, verdict_pb2
from botsift_server.app import App
from tests.unit.engine.traces import human_mouse

from .support import TenantKeys, auth, new_session_id, start


def _scribble(dx: float = 0.0, dy: float = 0.0, jitter: float = 0.0) -> events_pb2.Events:
    """A wandering pointer path with uneven timing (a person's, as far as one session shows),
    moved by (dx, dy) and with deterministic +-``jitter`` px noise."""
    t, x, y = [], [], []
    now = 0.0
    for i in range(160):
        now += 7.0 + 11.0 * abs(math.sin(i * 2.3)) + 0.3 * jitter * math.sin(i * 7.1)
        t.append(round(now, 3))
        x.append(300 + 180 * math.sin(i / 23.0) + 40 * math.sin(i / 5.0) + dx + jitter * math.sin(i * 1.9))
        y.append(250 + 120 * math.cos(i / 31.0) + 25 * math.cos(i / 4.0) + dy + jitter * math.cos(i * 2.7))
    kinds = [events_pb2.EVENT_KIND_MOVE] * len(t)
    return events_pb2.Events(t_ms=t, kinds=kinds, x=x, y=y, buttons=[0] * len(t))


def _person() -> events_pb2.Events:
    """Real people's recorded mouse strokes (DELBOT), ending in clicks."""
    cols = human_mouse(np.random.default_rng(3), strokes=6)
    return events_pb2.Events(
        t_ms=cols.t_ms.tolist(),
        kinds=cols.kind.tolist(),
        x=cols.x.tolist(),
        y=cols.y.tolist(),
        buttons=cols.button.tolist(),
    )


async def _score(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, key: str, events: events_pb2.Events
) -> verdict_pb2.Verdict:
    return await detection.ScoreSession(
        detection_pb2.ScoreSessionRequest(start=start(new_session_id()), events=events), metadata=auth(key)
    )


async def test_a_jittered_replay_is_flagged_on_the_same_tenant_only(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys, other_tenant: TenantKeys
) -> None:
    first = await _score(detection, tenant.publishable, _scribble())
    assert "POINTER_REPLAYED_TRAJECTORY" not in {r.code for r in first.reasons}

    replayed = _scribble(dx=211.0, dy=-37.0, jitter=0.8)
    again = await _score(detection, tenant.publishable, replayed)
    elsewhere = await _score(detection, other_tenant.publishable, replayed)

    assert "POINTER_REPLAYED_TRAJECTORY" in {r.code for r in again.reasons}
    assert again.score > first.score
    assert "POINTER_REPLAYED_TRAJECTORY" not in {r.code for r in elsewhere.reasons}


async def test_an_identical_session_under_a_new_session_id_is_flagged_as_a_replay(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    first = await _score(detection, tenant.publishable, _scribble())
    copy = await _score(detection, tenant.publishable, _scribble())

    reasons = {r.code: r for r in copy.reasons}
    assert "POINTER_REPLAYED_TRAJECTORY" not in {r.code for r in first.reasons}
    # An exact copy under another id is the strongest replay evidence there is.
    assert reasons["POINTER_REPLAYED_TRAJECTORY"].weight > 0.0
    assert copy.risk_level == verdict_pb2.RISK_LEVEL_CRITICAL
    assert first.risk_level < verdict_pb2.RISK_LEVEL_HIGH


async def test_a_tenant_override_changes_the_risk_level_of_the_same_session(
    app: App,
    detection: detection_pb2_grpc.DetectionServiceAsyncStub,
    tenant: TenantKeys,
    other_tenant: TenantKeys,
) -> None:
    # This person's session scores about 6e-7 (LOW); under these thresholds it is CRITICAL.
    strict = {"medium_score": 1e-12, "high_score": 1e-11, "critical_score": 1e-10}
    await app.store.set_engine_overrides(tenant.tenant_id, strict)
    assert await app.store.get_engine_overrides(tenant.tenant_id) == strict

    overridden = await _score(detection, tenant.publishable, _person())
    plain = await _score(detection, other_tenant.publishable, _person())

    assert overridden.risk_level == verdict_pb2.RISK_LEVEL_CRITICAL
    assert plain.risk_level < verdict_pb2.RISK_LEVEL_HIGH
    assert overridden.score == plain.score  # thresholds moved, not the score
