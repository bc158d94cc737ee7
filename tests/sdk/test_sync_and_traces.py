"""The blocking client, key management, and replaying recorded traces."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

import botsift
from tests.integration.support import TenantKeys, bot_device, human_device

MOVE = botsift.EventKind.EVENT_KIND_MOVE

TRACE_LINES = [
    json.dumps(
        {
            "session_id": "trace-human",
            "label": "human",
            "action": "login",
            "device": {"user_agent": human_device().user_agent, "webdriver": False, "unknown": 1},
            "events": [
                {"t": 0.0, "type": "move", "x": 10, "y": 20},
                {"t": 17.5, "type": "move", "x": 14, "y": 26},
                {"t": 140.0, "type": "keydown", "key_class": "letter"},
                {"t": 12.5, "type": "down", "x": 14, "y": 26, "button": 0},
            ],
        }
    ),
    "",
    json.dumps(
        {
            "session_id": "trace-bot",
            "label": "bot",
            "device": {"user_agent": bot_device().user_agent, "webdriver": True},
            "events": [{"t": float(i * 10), "type": "move", "x": i, "y": i} for i in range(30)],
        }
    ),
]


async def test_the_blocking_client_streams_a_session_and_manages_keys(
    target: str, tenant: TenantKeys
) -> None:
    # The blocking client runs in a worker thread: the server under test shares this loop.
    await asyncio.to_thread(_blocking_client_story, target, tenant)


def _blocking_client_story(target: str, tenant: TenantKeys) -> None:
    with (
        botsift.Client(api_key=tenant.publishable, target=target) as client,
        client.session(action="login", device=human_device()) as s,
    ):
        for i in range(40):
            s.pointer(100 + i * 3, 200 + (i % 7), t_ms=i * 16.0)
        s.pointer_down(220, 205, t_ms=700.0)
        s.pointer_up(220, 205, t_ms=790.0)
        s.key_down("letter", t_ms=900.0)
        s.key_up("letter", t_ms=960.0)
        verdict = s.verdict()
    assert verdict.final
    assert verdict.event_counts.total == 44

    with botsift.Client(api_key=tenant.secret, target=target) as admin:
        assert admin.get_verdict(s.session_id).score == pytest.approx(verdict.score)
        created = admin.create_key(botsift.KeyKind.KEY_KIND_PUBLISHABLE, name="sdk-test")
        assert created.secret.startswith("pk_test_")
        assert created.key.key_id in {k.key_id for k in admin.list_keys()}
        revoked = admin.revoke_key(created.key.key_id)
        assert revoked.HasField("revoke_time")
    gone = botsift.Client(api_key=created.secret, target=target)
    with gone, pytest.raises(botsift.AuthenticationError):
        gone.score_session(botsift.Events())


def test_traces_are_read_sorted_by_time_with_unknown_fields_ignored(tmp_path: Path) -> None:
    path = tmp_path / "traces.jsonl"
    path.write_text("\n".join(TRACE_LINES))
    traces = list(botsift.read_traces(path))
    assert [t.session_id for t in traces] == ["trace-human", "trace-bot"]
    human = traces[0]
    assert list(human.events.t_ms) == [0.0, 12.5, 17.5, 140.0]
    assert human.events.kinds[1] == botsift.EventKind.Value("EVENT_KIND_DOWN")
    assert human.events.key_classes[3] == botsift.KeyClass.Value("KEY_CLASS_LETTER")
    assert human.device.webdriver is False
    assert human.label == "human"
    assert human.action == "login"


def test_a_malformed_trace_line_is_named_in_the_error() -> None:
    with pytest.raises(botsift.TraceFormatError, match="line 2"):
        list(botsift.read_traces([TRACE_LINES[0], '{"session_id": "x", "events": [{"t": 1}]}']))


async def test_recorded_traces_replay_against_the_server(client: botsift.AsyncClient) -> None:
    traces = [
        botsift.Trace(
            session_id=f"{t.session_id}-{id(client)}", events=t.events, device=t.device, action=t.action
        )
        for t in botsift.read_traces(TRACE_LINES)
    ]
    results = await botsift.replay_traces(client, traces)
    human, bot = (results[t.session_id] for t in traces)
    assert isinstance(human, botsift.Verdict)
    assert isinstance(bot, botsift.Verdict)
    assert human.event_counts.total == 4
    assert bot.risk_level > human.risk_level
    # Replayed recordings are declared as such, so they are not held to real time.
    assert "TIMING_RECORDED_SESSION" in {r.code for r in human.reasons}


async def test_a_live_session_streamed_faster_than_its_clock_is_flagged(client: botsift.AsyncClient) -> None:
    async with client.session(action="login") as session:
        # 30 s of moves by the session's clock, sent at once (an interim verdict cuts each batch).
        for t0 in (0.0, 15_000.0, 30_000.0):
            session.add(botsift.Events(t_ms=[t0, t0 + 20.0], kinds=[MOVE, MOVE], x=[1.0, 5.0], y=[1.0, 4.0]))
            await session.interim_verdict()
        verdict = await session.verdict()
    assert "TIMING_EVENTS_AHEAD_OF_ARRIVAL" in {r.code for r in verdict.reasons}


async def test_the_blocking_client_sends_scrolling_and_the_server_tells_a_page_scrolled_by_script(
    target: str, tenant: TenantKeys
) -> None:
    reasons = await asyncio.to_thread(_reading_story, target, tenant)
    assert "BEHAVIOUR_SCROLL_WITHOUT_INPUT" in reasons["script"]
    assert "BEHAVIOUR_SCROLL_WITHOUT_INPUT" not in reasons["wheel"]
    # Wheel turns of the same 240 px every 400 ms: a loop, not a hand.
    assert "BEHAVIOUR_CONSTANT_WHEEL" in reasons["wheel"]


def _reading_story(target: str, tenant: TenantKeys) -> dict[str, set[str]]:
    """Two visitors read an article, 4,800 px in twenty steps: one page is moved by
    ``window.scrollBy`` alone, the other by the wheel (each turn followed by its scroll)."""
    out: dict[str, set[str]] = {}
    with botsift.Client(api_key=tenant.publishable, target=target) as client:
        for how in ("script", "wheel"):
            with client.session(action="view", device=human_device()) as s:
                s.focus(t_ms=0.0)
                for i in range(20):
                    t = 4000.0 + 400.0 * i
                    if how == "wheel":
                        s.wheel(0.0, 240.0, t_ms=t)
                    s.scroll(0.0, 240.0 * (i + 1), t_ms=t + 20.0)
                verdict = s.verdict()
            assert verdict.event_counts.scrolls == (20 if how == "script" else 40)
            out[how] = {r.code for r in verdict.reasons}
    return out
