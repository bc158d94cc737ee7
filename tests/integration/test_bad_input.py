"""Bad input gets a clear status, loses nothing, and never disturbs other sessions."""

from __future__ import annotations

import math
from typing import cast

import grpc
import pytest

from botsift.v1 import detection_pb2, detection_pb2_grpc, events_pb2
from botsift_server import App

from .support import (
    TenantKeys,
    auth,
    batch,
    begin,
    curve_events,
    end,
    error_violations,
    field_violations,
    new_session_id,
    start,
)

MOVE = events_pb2.EVENT_KIND_MOVE


def events(
    t: list[float],
    x: list[float] | None = None,
    y: list[float] | None = None,
    kinds: list[events_pb2.EventKind] | None = None,
) -> events_pb2.Events:
    n = len(t)
    return events_pb2.Events(
        t_ms=t,
        kinds=kinds if kinds is not None else [MOVE] * n,
        x=x if x is not None else [float(i) for i in range(n)],
        y=y if y is not None else [float(i) for i in range(n)],
    )


BAD_EVENTS = {
    "time goes backwards": (events([0, 10, 5]), "events.t_ms[2]"),
    "negative time": (events([-1, 10]), "events.t_ms[0]"),
    "NaN time": (events([0, math.nan]), "events.t_ms[1]"),
    "NaN coordinate": (events([0, 1], x=[1.0, math.nan]), "events.x[1]"),
    "infinite coordinate": (events([0, 1], y=[math.inf, 1.0]), "events.y[0]"),
    "negative pointer position": (events([0, 1], x=[-5.0, 1.0]), "events.x[0]"),
    "columns of unequal length": (
        events_pb2.Events(t_ms=[0, 1, 2], kinds=[MOVE] * 3, x=[1, 2], y=[1, 2, 3]),
        "events.x",
    ),
    "kinds shorter than times": (
        events_pb2.Events(t_ms=[0, 1], kinds=[MOVE], x=[1, 2], y=[1, 2]),
        "events.kinds",
    ),
    "unknown event kind": (events([0, 1], kinds=[MOVE, cast("events_pb2.EventKind", 99)]), "events.kinds[1]"),
    "unspecified event kind": (
        events([0, 1], kinds=[events_pb2.EVENT_KIND_UNSPECIFIED, MOVE]),
        "events.kinds[0]",
    ),
    "pointer events without positions": (events_pb2.Events(t_ms=[0], kinds=[MOVE]), "events.x[0]"),
    "unknown key class": (
        events_pb2.Events(
            t_ms=[0], kinds=[events_pb2.EVENT_KIND_KEY_DOWN], key_classes=[cast("events_pb2.KeyClass", 42)]
        ),
        "events.key_classes[0]",
    ),
}


@pytest.mark.parametrize("case", BAD_EVENTS, ids=list(BAD_EVENTS))
async def test_score_session_rejects_bad_events_with_the_offending_field(
    case: str, detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    bad, field = BAD_EVENTS[case]
    session_id = new_session_id()
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await detection.ScoreSession(
            detection_pb2.ScoreSessionRequest(start=start(session_id), events=bad),
            metadata=auth(tenant.publishable),
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in error_violations(raised.value)
    # Nothing was stored for the rejected session.
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await detection.GetVerdict(
            detection_pb2.GetVerdictRequest(session_id=session_id), metadata=auth(tenant.secret)
        )
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


BAD_STARTS = {
    "empty session id": (events_pb2.SessionStart(session_id=""), "start.session_id"),
    "oversize session id": (events_pb2.SessionStart(session_id="x" * 129), "start.session_id"),
    "session id with spaces": (events_pb2.SessionStart(session_id="a b"), "start.session_id"),
    "action with capitals": (events_pb2.SessionStart(session_id="ok", action="LOGIN"), "start.action"),
    "oversize user agent": (
        events_pb2.SessionStart(session_id="ok", device=events_pb2.DeviceSignals(user_agent="u" * 2000)),
        "start.device.user_agent",
    ),
    "NaN pixel ratio": (
        events_pb2.SessionStart(
            session_id="ok", device=events_pb2.DeviceSignals(device_pixel_ratio=math.nan)
        ),
        "start.device.device_pixel_ratio",
    ),
}


@pytest.mark.parametrize("case", BAD_STARTS, ids=list(BAD_STARTS))
async def test_score_session_rejects_a_bad_session_start(
    case: str, detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    bad, field = BAD_STARTS[case]
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await detection.ScoreSession(
            detection_pb2.ScoreSessionRequest(start=bad), metadata=auth(tenant.publishable)
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in error_violations(raised.value)


async def test_a_bad_batch_fails_only_its_session_and_the_stream_goes_on(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    good, bad = new_session_id(), new_session_id()
    items = [
        begin(good),
        begin(bad),
        batch(good, curve_events(20)),
        batch(bad, events([0, 10, 5])),
        end(good),
    ]
    responses = [r async for r in detection.Analyze(iter(items), metadata=auth(tenant.publishable))]

    by_session = {r.session_id: r for r in responses}
    assert by_session[bad].WhichOneof("result") == "error"
    assert by_session[bad].error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert "events.events.t_ms[2]" in field_violations(by_session[bad].error)
    assert by_session[good].verdict.final
    # The failed session was closed without a verdict: nothing half-stored.
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await detection.GetVerdict(
            detection_pb2.GetVerdictRequest(session_id=bad), metadata=auth(tenant.secret)
        )
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


async def test_stream_errors_name_the_problem_per_session(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    a = new_session_id()
    items = [
        batch("never-started", curve_events(5)),
        begin(a),
        begin(a),
        detection_pb2.AnalyzeRequest(),
        batch(a, curve_events(5), sequence=3),
    ]
    responses = [r async for r in detection.Analyze(iter(items), metadata=auth(tenant.publishable))]

    names = {code.value[0]: code.name for code in grpc.StatusCode}
    codes = [(r.session_id, names[r.error.code]) for r in responses if r.HasField("error")]
    assert ("never-started", "NOT_FOUND") in codes
    assert (a, "ALREADY_EXISTS") in codes
    assert ("", "INVALID_ARGUMENT") in codes


async def test_a_sequence_gap_is_an_error_for_that_session(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    a = new_session_id()
    items = [begin(a), batch(a, curve_events(5), sequence=1), batch(a, curve_events(5, t0=500), sequence=3)]
    responses = [r async for r in detection.Analyze(iter(items), metadata=auth(tenant.publishable))]

    [error] = [r for r in responses if r.HasField("error")]
    assert error.error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert "events.sequence" in field_violations(error.error)


async def test_too_many_open_sessions_on_one_stream_is_resource_exhausted(
    app: App, detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    limit = app.settings.limits.max_sessions_per_stream
    ids = [new_session_id() for _ in range(limit + 1)]
    items = [begin(s) for s in ids]
    responses = [r async for r in detection.Analyze(iter(items), metadata=auth(tenant.publishable))]

    errors = [r for r in responses if r.HasField("error")]
    assert [e.session_id for e in errors] == [ids[-1]]
    assert errors[0].error.code == grpc.StatusCode.RESOURCE_EXHAUSTED.value[0]
    # The sessions within the limit were finished normally when the stream closed.
    assert sum(r.verdict.final for r in responses) == limit


async def test_too_many_events_in_a_session_is_resource_exhausted(
    app: App, detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    per_session = app.settings.limits.max_events_per_session
    per_batch = app.settings.limits.max_events_per_batch
    a = new_session_id()
    items = [begin(a)]
    t0 = 0.0
    sent = 0
    sequence = 0
    while sent <= per_session:
        sequence += 1
        items.append(batch(a, events([t0 + i for i in range(per_batch)]), sequence))
        t0 += per_batch
        sent += per_batch
    responses = [r async for r in detection.Analyze(iter(items), metadata=auth(tenant.publishable))]

    errors = [r for r in responses if r.HasField("error")]
    assert errors
    assert errors[0].error.code == grpc.StatusCode.RESOURCE_EXHAUSTED.value[0]


async def test_a_batch_over_the_batch_limit_is_resource_exhausted(
    app: App, detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    a = new_session_id()
    n = app.settings.limits.max_events_per_batch + 1
    items = [begin(a), batch(a, events([float(i) for i in range(n)]))]
    responses = [r async for r in detection.Analyze(iter(items), metadata=auth(tenant.publishable))]
    assert responses[0].error.code == grpc.StatusCode.RESOURCE_EXHAUSTED.value[0]


async def test_a_message_over_the_size_limit_is_refused_and_the_server_keeps_serving(
    app: App, detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    huge = events_pb2.SessionStart(
        session_id=new_session_id(),
        device=events_pb2.DeviceSignals(
            languages=["x" * 1000] * (app.settings.server.max_message_bytes // 1000 + 10)
        ),
    )
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await detection.ScoreSession(
            detection_pb2.ScoreSessionRequest(start=huge), metadata=auth(tenant.publishable)
        )
    assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED

    ok = await detection.ScoreSession(
        detection_pb2.ScoreSessionRequest(start=start(new_session_id()), events=curve_events(10)),
        metadata=auth(tenant.publishable),
    )
    assert ok.final


async def test_score_session_twice_with_one_id_is_already_exists_and_counts_once(
    app: App, detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    session_id = new_session_id()
    request = detection_pb2.ScoreSessionRequest(start=start(session_id), events=curve_events(10))
    await detection.ScoreSession(request, metadata=auth(tenant.publishable))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await detection.ScoreSession(request, metadata=auth(tenant.publishable))
    assert raised.value.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_get_verdict_validates_the_session_id(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await detection.GetVerdict(
            detection_pb2.GetVerdictRequest(session_id=""), metadata=auth(tenant.secret)
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "session_id" in error_violations(raised.value)


async def test_end_without_start_is_not_found(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    responses = [r async for r in detection.Analyze(iter([end("ghost")]), metadata=auth(tenant.publishable))]
    assert responses[0].error.code == grpc.StatusCode.NOT_FOUND.value[0]
