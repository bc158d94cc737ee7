"""The blocking client, key management, and replaying recorded traces."""

from __future__ import annotations

import asyncio
import json
import math
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


async def test_the_blocking_client_sends_touches_and_the_server_tells_a_scripts_swipes(
    target: str, tenant: TenantKeys
) -> None:
    reasons = await asyncio.to_thread(_swiping_story, target, tenant)
    # On a phone: three swipes of 20 equal steps up a line are a script's; a thumb's arcs are not.
    assert "POINTER_INTERPOLATED_SWIPE" in reasons["phone", "script"]
    assert "POINTER_INTERPOLATED_SWIPE" not in reasons["phone", "thumb"]
    assert not {code for (device, _), codes in reasons.items() if device == "phone" for code in codes} & {
        "BEHAVIOUR_TOUCH_WITHOUT_TOUCH_SCREEN"
    }
    # A desktop browser that says it has no touch screen makes no touches: these were injected.
    assert "BEHAVIOUR_TOUCH_WITHOUT_TOUCH_SCREEN" in reasons["desktop", "thumb"]


def _swiping_story(target: str, tenant: TenantKeys) -> dict[tuple[str, str], set[str]]:
    """Visitors swipe up a page three times, each swipe a touch start, 20 moves and an end."""
    phone = botsift.DeviceSignals(
        user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Mobile Safari/537.36",
        platform="Linux armv8l",
        languages=["en-US"],
        webdriver=False,
        max_touch_points=5,
        touch_support=True,
    )
    desktop = human_device()
    desktop.touch_support = False
    out: dict[tuple[str, str], set[str]] = {}
    with botsift.Client(api_key=tenant.publishable, target=target) as client:
        for name, device, how in (
            ("phone", phone, "script"),
            ("phone", phone, "thumb"),
            ("desktop", desktop, "thumb"),
        ):
            with client.session(action="view", device=device) as s:
                t = 2000.0
                for swipe in range(3):
                    for i in range(21):
                        p = i / 20
                        if how == "script":
                            x, y = 190.0 + 2.0 * swipe * i, 640.0 - 20.0 * i
                        else:
                            eased = 10 * p**3 - 15 * p**4 + 6 * p**5
                            x = (
                                190.0
                                + (25.0 + 5.0 * swipe) * math.sin(math.pi * eased)
                                + 0.4 * math.sin(7 * i)
                            )
                            y = 640.0 - 400.0 * eased + 0.3 * math.cos(5 * i)
                        if i == 0:
                            s.touch_start(x, y, t_ms=t)
                        else:
                            t += 16.0 + (i % 3)
                            s.touch_move(x, y, t_ms=t)
                    t += 40.0
                    s.touch_end(x, y, t_ms=t)
                    t += 900.0
                verdict = s.verdict()
            assert verdict.event_counts.touches == 3 * 22
            out[name, how] = {r.code for r in verdict.reasons}
    return out
