"""The bidirectional Analyze stream: many sessions on one stream, interim and final verdicts."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from botsift.v1 import detection_pb2, detection_pb2_grpc, events_pb2, verdict_pb2

from .support import (
    TenantKeys,
    ask,
    auth,
    batch,
    begin,
    bot_device,
    curve_events,
    end,
    new_session_id,
    next_response,
    open_stream,
    split,
    start,
)


async def collect(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub,
    key: str,
    items: list[detection_pb2.AnalyzeRequest],
) -> list[detection_pb2.AnalyzeResponse]:
    call = detection.Analyze(iter(items), metadata=auth(key))
    return [response async for response in call]


async def test_one_stream_carries_interleaved_sessions_each_with_its_own_final_verdict(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    human, bot = new_session_id(), new_session_id()
    human_parts = split(curve_events(60), 3)
    bot_parts = split(curve_events(60, seed=3), 3)
    items = [begin(human), begin(bot, bot_device())]
    for i in range(3):
        items += [batch(human, human_parts[i], i + 1), batch(bot, bot_parts[i], i + 1)]
    # Both follow one curve; ended first, the human's session is not judged a replay of the bot's.
    items += [ask(human), end(human), end(bot)]

    responses = await collect(detection, tenant.publishable, items)

    by_session: dict[str, list[verdict_pb2.Verdict]] = {}
    for response in responses:
        assert response.WhichOneof("result") == "verdict", response
        by_session.setdefault(response.session_id, []).append(response.verdict)
    assert [v.final for v in by_session[human]] == [False, True]
    assert [v.final for v in by_session[bot]] == [True]
    assert by_session[human][1].event_counts.total == 60
    assert by_session[bot][0].event_counts.total == 60
    assert by_session[bot][0].score > by_session[human][1].score
    assert by_session[bot][0].risk_level >= verdict_pb2.RISK_LEVEL_HIGH
    assert any(r.code == "AUTOMATION_WEBDRIVER" for r in by_session[bot][0].reasons)


async def test_a_streamed_session_gets_the_same_verdict_as_the_same_session_scored_whole(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys, other_tenant: TenantKeys
) -> None:
    events = curve_events(120, seed=7)
    streamed_id, unary_id = new_session_id(), new_session_id()
    parts = split(events, 6)
    items = (
        [begin(streamed_id)]
        + [batch(streamed_id, p, i + 1) for i, p in enumerate(parts)]
        + [end(streamed_id)]
    )

    [streamed] = await collect(detection, tenant.publishable, items)
    whole = await detection.ScoreSession(
        detection_pb2.ScoreSessionRequest(start=start(unary_id), events=events),
        # Another tenant: under another session id on the same tenant the copy is a replay.
        metadata=auth(other_tenant.publishable),
    )

    assert streamed.verdict.score == pytest.approx(whole.score, abs=1e-9)
    assert [r.code for r in streamed.verdict.reasons] == [r.code for r in whole.reasons]
    assert streamed.verdict.risk_level == whole.risk_level


async def test_the_final_verdict_is_stored_before_it_is_sent(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    session_id = new_session_id()
    [final] = await collect(
        detection,
        tenant.publishable,
        [begin(session_id), batch(session_id, curve_events(30)), end(session_id)],
    )

    stored = await detection.GetVerdict(
        detection_pb2.GetVerdictRequest(session_id=session_id), metadata=auth(tenant.secret)
    )
    assert stored.final
    assert stored.score == final.verdict.score
    assert [r.code for r in stored.reasons] == [r.code for r in final.verdict.reasons]
    assert stored.event_counts == final.verdict.event_counts


async def test_a_resent_batch_is_applied_once(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    session_id = new_session_id()
    parts = split(curve_events(40), 2)
    items = [begin(session_id), batch(session_id, parts[0], 1), batch(session_id, parts[0], 1)]
    items += [batch(session_id, parts[1], 2), end(session_id)]

    [final] = await collect(detection, tenant.publishable, items)

    assert final.verdict.event_counts.total == 40


async def test_closing_the_stream_finishes_sessions_left_open(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    a, b = new_session_id(), new_session_id()
    items = [begin(a), batch(a, curve_events(20)), begin(b)]

    responses = await collect(detection, tenant.publishable, items)

    assert {r.session_id for r in responses} == {a, b}
    assert all(r.verdict.final for r in responses)


async def test_a_client_that_disconnects_still_gets_its_open_sessions_stored(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    session_id = new_session_id()
    call = open_stream(detection, tenant.publishable)
    await call.write(begin(session_id))
    await call.write(batch(session_id, curve_events(25)))
    await call.write(ask(session_id))
    interim = await next_response(call)
    assert not interim.verdict.final
    call.cancel()

    for _ in range(100):
        try:
            stored = await detection.GetVerdict(
                detection_pb2.GetVerdictRequest(session_id=session_id), metadata=auth(tenant.secret)
            )
            break
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.NOT_FOUND:
                raise
            await asyncio.sleep(0.05)
    else:
        pytest.fail("the verdict of the abandoned session was never stored")
    assert stored.final
    assert stored.event_counts.total == 25


async def test_two_hundred_concurrent_sessions_share_one_stream(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    ids = [new_session_id() for _ in range(200)]
    items = [begin(s) for s in ids]
    items += [batch(s, curve_events(20, seed=i)) for i, s in enumerate(ids)]
    items += [end(s) for s in ids]

    responses = await collect(detection, tenant.publishable, items)

    assert sorted(r.session_id for r in responses) == sorted(ids)
    assert all(r.verdict.final and r.verdict.event_counts.total == 20 for r in responses)


async def test_a_session_id_that_already_has_a_final_verdict_is_refused(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    session_id = new_session_id()
    await collect(detection, tenant.publishable, [begin(session_id), end(session_id)])

    [again] = await collect(detection, tenant.publishable, [begin(session_id), end(session_id)])

    assert again.WhichOneof("result") == "error"
    assert again.error.code == grpc.StatusCode.ALREADY_EXISTS.value[0]


async def test_a_client_that_reconnects_within_the_grace_period_resumes_its_session(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    session_id = new_session_id()
    parts = split(curve_events(40, seed=5), 2)
    first = open_stream(detection, tenant.publishable)
    await first.write(begin(session_id))
    await first.write(batch(session_id, parts[0], 1))
    await first.write(ask(session_id))
    assert (await next_response(first)).verdict.event_counts.total == 20
    first.cancel()

    # As the SDKs do: start again, resend every batch with its original number, go on.
    items = [
        begin(session_id),
        batch(session_id, parts[0], 1),
        batch(session_id, parts[1], 2),
        end(session_id),
    ]
    [final] = await collect(detection, tenant.publishable, items)

    assert final.verdict.final
    assert final.verdict.event_counts.total == 40


async def test_a_session_streamed_faster_than_it_claims_to_happen_is_flagged_unless_declared_recorded(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    # 25 s of pointer activity by the session's own clock, sent within milliseconds.
    def parts(seed: int) -> list[events_pb2.Events]:
        return [curve_events(40, t0=t0, seed=seed + i) for i, t0 in enumerate((0.0, 12_000.0, 24_000.0))]

    live, recorded = new_session_id(), new_session_id()
    items = [
        begin(live),
        detection_pb2.AnalyzeRequest(
            start=events_pb2.SessionStart(
                session_id=recorded, action="login", device=start(recorded).device, recorded=True
            )
        ),
    ]
    for i, (a, b) in enumerate(zip(parts(0), parts(10), strict=True)):
        items += [batch(live, a, i + 1), batch(recorded, b, i + 1)]
    items += [end(live), end(recorded)]

    verdicts = {r.session_id: r.verdict for r in await collect(detection, tenant.publishable, items)}

    live_reasons = {r.code: r for r in verdicts[live].reasons}
    assert live_reasons["TIMING_EVENTS_AHEAD_OF_ARRIVAL"].weight > 0.0
    assert "ahead of the time that passed" in live_reasons["TIMING_EVENTS_AHEAD_OF_ARRIVAL"].message
    recorded_codes = {r.code for r in verdicts[recorded].reasons}
    assert "TIMING_RECORDED_SESSION" in recorded_codes
    assert "TIMING_EVENTS_AHEAD_OF_ARRIVAL" not in recorded_codes


async def test_a_key_press_flagged_as_a_capital_without_shift_reaches_the_verdict_only_on_a_press(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    # "Ab" typed as a program types it: the capital's press carries flag 1 in `buttons`.
    down, up = events_pb2.EVENT_KIND_KEY_DOWN, events_pb2.EVENT_KIND_KEY_UP
    letter = events_pb2.KEY_CLASS_LETTER

    def typed(flags: list[int]) -> events_pb2.Events:
        return events_pb2.Events(
            t_ms=[0.0, 95.0, 210.0, 290.0],
            kinds=[down, up, down, up],
            key_classes=[letter] * 4,
            buttons=flags,
        )

    bare, on_release = new_session_id(), new_session_id()
    items = [begin(bare), begin(on_release), batch(bare, typed([1, 0, 0, 0]), 1)]
    items += [batch(on_release, typed([0, 1, 0, 0]), 1), end(bare), end(on_release)]

    verdicts = {r.session_id: r.verdict for r in await collect(detection, tenant.publishable, items)}

    reasons = {r.code: r for r in verdicts[bare].reasons}
    assert reasons["KEYS_CAPITAL_WITHOUT_SHIFT"].weight >= 2.0
    assert "1 capital letter(s)" in reasons["KEYS_CAPITAL_WITHOUT_SHIFT"].message
    assert "KEYS_CAPITAL_WITHOUT_SHIFT" not in {r.code for r in verdicts[on_release].reasons}
    assert verdicts[bare].score > verdicts[on_release].score
