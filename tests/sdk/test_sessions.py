"""Sessions on the shared stream, against the real server."""

from __future__ import annotations

import asyncio

import pytest

import botsift
from botsift.v1 import events_pb2
from botsift_server import App
from tests.integration.conftest import make_tenant
from tests.integration.support import bot_device, curve_events, human_device, new_session_id


def typing_events(n_keys: int, t0: float) -> events_pb2.Events:
    """Key presses with human-like uneven timing (classes only)."""
    t, kinds, classes = [], [], []
    now = t0
    for i in range(n_keys):
        now += 60 + (i * 37) % 90
        t += [now, now + 30 + (i * 13) % 25]
        kinds += [events_pb2.EVENT_KIND_KEY_DOWN, events_pb2.EVENT_KIND_KEY_UP]
        classes += [events_pb2.KEY_CLASS_LETTER] * 2
    return events_pb2.Events(t_ms=t, kinds=kinds, key_classes=classes)


def whole_session() -> events_pb2.Events:
    """A session of pointer moves, a click, then typing."""
    pointer = curve_events(300, seed=3)
    keys = typing_events(40, t0=pointer.t_ms[-1])
    merged = events_pb2.Events()
    for part in (pointer, keys):
        n = len(part.t_ms)
        merged.t_ms.extend(part.t_ms)
        merged.kinds.extend(part.kinds)
        merged.x.extend(part.x or [0.0] * n)
        merged.y.extend(part.y or [0.0] * n)
        merged.buttons.extend(part.buttons or [0] * n)
        merged.key_classes.extend(part.key_classes or [events_pb2.KEY_CLASS_UNSPECIFIED] * n)
    return merged


async def test_a_session_streamed_in_many_batches_gets_the_same_verdict_as_scored_whole(
    client: botsift.AsyncClient, app: App, target: str
) -> None:
    events = whole_session()
    # Scored whole on another tenant: on the same tenant, the same events under a second session
    # id are a replay of the first session (and flagged as one).
    other = await make_tenant(app)
    async with botsift.AsyncClient(api_key=other.publishable, target=target) as elsewhere:
        whole = await elsewhere.score_session(
            events, session_id=new_session_id(), action="login", device=human_device()
        )

    options = botsift.SessionOptions(max_batch_events=7, max_batch_delay_ms=1)
    async with (
        botsift.AsyncClient(
            config=botsift.ClientConfig(
                api_key=client.config.api_key, target=client.config.target, session=options
            )
        ) as batching,
        # Made up front and recorded at once, faster than its times claim: a recording.
        batching.session(action="login", device=human_device(), recorded=True) as s,
    ):
        for i in range(len(events.t_ms)):
            s.record(
                events.kinds[i],
                x=events.x[i],
                y=events.y[i],
                button=events.buttons[i],
                key_class=events.key_classes[i],
                t_ms=events.t_ms[i],
            )
            if i % 50 == 0:
                await s.drain()
        streamed = await s.verdict()

    assert streamed.final
    assert streamed.event_counts.total == len(events.t_ms) == whole.event_counts.total
    assert streamed.score == pytest.approx(whole.score, abs=1e-9)
    assert streamed.risk_level == whole.risk_level
    # The same reasons, plus the note that the streamed copy was declared a recording.
    codes = [r.code for r in streamed.reasons]
    assert [c for c in codes if c != "TIMING_RECORDED_SESSION"] == [r.code for r in whole.reasons]
    assert "TIMING_RECORDED_SESSION" in codes


async def test_interim_verdicts_reflect_the_events_so_far(client: botsift.AsyncClient) -> None:
    async with client.session(action="login", device=human_device()) as s:
        s.add(curve_events(50))
        interim = await s.interim_verdict()
        s.add(curve_events(30, t0=10_000.0))
        final = await s.verdict()
    assert not interim.final
    assert interim.event_counts.total == 50
    assert final.final
    assert final.event_counts.total == 80


async def test_a_webdriver_session_is_judged_high_risk_with_automation_reasons(
    client: botsift.AsyncClient,
) -> None:
    async with client.session(action="login", device=bot_device()) as s:
        for i in range(20):
            s.pointer(10 + i * 10, 10 + i * 10, t_ms=i * 10.0)
        verdict = await s.verdict()
    assert verdict.risk_level >= botsift.RiskLevel.Value("RISK_LEVEL_HIGH")
    assert any(r.code.startswith("AUTOMATION_") for r in verdict.reasons)


async def test_a_key_press_reported_as_a_capital_without_shift_is_judged(client: botsift.AsyncClient) -> None:
    async def typed(capital_without_shift: bool) -> set[str]:
        async with client.session(action="login", device=human_device()) as s:
            s.key_down("letter", t_ms=0.0, capital_without_shift=capital_without_shift)
            s.key_up("letter", t_ms=95.0)
            s.key_down("letter", t_ms=210.0)
            s.key_up("letter", t_ms=290.0)
            verdict = await s.verdict()
        return {r.code for r in verdict.reasons if r.weight > 0}

    assert "KEYS_CAPITAL_WITHOUT_SHIFT" in await typed(True)
    assert "KEYS_CAPITAL_WITHOUT_SHIFT" not in await typed(False)


async def test_two_hundred_concurrent_sessions_share_one_stream(client: botsift.AsyncClient) -> None:
    async def one(i: int) -> botsift.Verdict:
        async with client.session(action="login", device=human_device()) as s:
            events = curve_events(60, seed=i)
            half = len(events.t_ms) // 2
            s.add(
                botsift.Events(
                    t_ms=events.t_ms[:half], kinds=events.kinds[:half], x=events.x[:half], y=events.y[:half]
                )
            )
            await asyncio.sleep(0.01 * (i % 5))
            s.add(
                botsift.Events(
                    t_ms=events.t_ms[half:], kinds=events.kinds[half:], x=events.x[half:], y=events.y[half:]
                )
            )
            return await s.verdict()

    verdicts = await asyncio.gather(*(one(i) for i in range(200)))
    assert len({v.session_id for v in verdicts}) == 200
    assert all(v.final and v.event_counts.total == 60 for v in verdicts)
    assert client.stream_reconnects == 0


async def test_the_stored_verdict_is_what_the_backend_fetches_with_its_secret_key(
    client: botsift.AsyncClient, secret_client: botsift.AsyncClient
) -> None:
    async with client.session(action="checkout", device=human_device()) as s:
        s.add(curve_events(40))
        verdict = await s.verdict()
    fetched = await secret_client.get_verdict(s.session_id)
    assert fetched.session_id == s.session_id
    assert fetched.score == pytest.approx(verdict.score)
    assert fetched.action == "checkout"
