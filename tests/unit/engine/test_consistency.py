"""Timing, device-consistency and behavioural evidence: each flags what no person does, and
none of them alone takes a person's session to HIGH."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from botsift_server.engine import (
    Assessment,
    Device,
    Engine,
    EngineConfig,
    EventColumns,
    EventKind,
    RiskLevel,
    SessionContext,
)

from .traces import CLEAN_CHROME, CLEAN_PHONE, columns, human_mouse, human_typing, merge, split

ENGINE = Engine()
IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


def _assess(events: EventColumns | None, device: Device = CLEAN_CHROME, batches: int = 1) -> Assessment:
    state = ENGINE.start(SessionContext(action="login", device=device))
    if events is not None:
        sizes = [len(events) // batches] * (batches - 1)
        for part in split(events, [*sizes, len(events) - sum(sizes)]) if batches > 1 else [events]:
            ENGINE.add(state, part)
    return ENGINE.assess(state)


def _codes(events: EventColumns | None, device: Device = CLEAN_CHROME) -> set[str]:
    return {r.code for r in _assess(events, device).reasons}


def _human(t0_ms: float) -> EventColumns:
    rng = np.random.default_rng(11)
    return merge(human_mouse(rng, strokes=6, t0_ms=t0_ms), human_typing(rng, keys=20, t0_ms=t0_ms + 20_000.0))


def _click_at(t: float, x: float = 400.0, y: float = 300.0) -> EventColumns:
    return columns([t, t + 80.0], [int(EventKind.DOWN), int(EventKind.UP)], [x, x], [y, y])


def test_a_click_40_ms_after_the_page_started_is_an_instant_reaction_and_one_at_150_ms_is_not() -> None:
    moves = columns(
        [5.0, 15.0, 25.0, 35.0], [int(EventKind.MOVE)] * 4, [10, 120, 260, 395], [10, 90, 200, 298]
    )
    assert "TIMING_INSTANT_REACTION" in _codes(merge(moves, _click_at(40.0)))
    # At 150 ms a person can have seen the page and clicked where the pointer already was.
    assert "TIMING_INSTANT_REACTION" not in _codes(merge(moves, _click_at(150.0)))


def test_a_person_who_acts_after_a_second_has_no_reaction_finding_and_a_rebased_recording_is_not_judged() -> (
    None
):
    assert "TIMING_INSTANT_REACTION" not in _codes(_human(t0_ms=1200.0))
    # Recordings re-based to start at 0 ms say nothing about the reaction time.
    assert "TIMING_INSTANT_REACTION" not in _codes(merge(_click_at(0.0), _human(t0_ms=400.0)))


def test_events_on_a_timer_with_two_sleeps_have_low_interval_entropy_and_a_person_does_not() -> None:
    rng = np.random.default_rng(3)
    t = np.cumsum(rng.choice([10.0, 30.0], size=300)) + 500.0
    x = np.cumsum(rng.normal(0.0, 6.0, 300)) + 500.0
    timer = columns(t, [int(EventKind.MOVE)] * 300, x, x * 0.5)
    assert "TIMING_LOW_INTERVAL_ENTROPY" in _codes(timer)
    assert "TIMING_LOW_INTERVAL_ENTROPY" not in _codes(_human(t0_ms=900.0))


def test_a_fast_typist_read_by_a_100_ms_clock_does_not_follow_one_clock_and_a_beat_does() -> None:
    # A privacy browser rounds times down to 100 ms: keys typed about every 100 ms share readings,
    # and the gaps between readings are all one step. A script pressing exactly every 100 ms on a
    # fine clock shares none.
    for seed in range(20):
        rng = np.random.default_rng(seed)
        down = 500.0 + np.cumsum(rng.lognormal(np.log(105.0), 0.3, 80))
        up = down + rng.lognormal(np.log(85.0), 0.25, 80)
        typed = merge(
            columns(down, [int(EventKind.KEY_DOWN)] * 80, key_class=np.ones(80)),
            columns(up, [int(EventKind.KEY_UP)] * 80, key_class=np.ones(80)),
        )
        rounded = dataclasses.replace(typed, t_ms=np.floor(typed.t_ms / 100.0) * 100.0)
        assert "TIMING_REGULAR_INTERVALS" not in _codes(rounded)
    presses = 500.0 + np.arange(60) * 100.0
    beat = columns(presses, [int(EventKind.KEY_DOWN), int(EventKind.KEY_UP)] * 30, key_class=np.ones(60))
    assert "TIMING_REGULAR_INTERVALS" in _codes(beat)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (
            {"user_agent": IPHONE_UA, "platform": "iPhone", "max_touch_points": 5, "touch_support": False},
            "DEVICE_MOBILE_WITHOUT_TOUCH",
        ),
        ({"timezone": "Europe/Berlin", "timezone_offset_minutes": 300}, "DEVICE_TIMEZONE_MISMATCH"),
        ({"outer_width": 3840, "outer_height": 2100}, "DEVICE_WINDOW_LARGER_THAN_SCREEN"),
        ({"inner_width": 2600, "inner_height": 1400}, "DEVICE_VIEWPORT_LARGER_THAN_WINDOW"),
        ({"platform": "Linux x86_64"}, "DEVICE_PLATFORM_MISMATCH"),
    ],
)
def test_an_inconsistent_device_is_flagged_but_never_reaches_high_with_human_behaviour(
    change: dict[str, object], code: str
) -> None:
    device = dataclasses.replace(CLEAN_CHROME, **change)  # type: ignore[arg-type]
    assert code in _codes(None, device)
    assert _assess(_human(t0_ms=1500.0), device).risk_level < RiskLevel.HIGH


def test_a_consistent_time_zone_in_summer_or_winter_and_unknown_zones_are_not_flagged() -> None:
    for offset in (-60, -120):
        device = dataclasses.replace(CLEAN_CHROME, timezone="Europe/Berlin", timezone_offset_minutes=offset)
        assert "DEVICE_TIMEZONE_MISMATCH" not in _codes(None, device)
    device = dataclasses.replace(CLEAN_CHROME, timezone="Mars/Olympus_Mons", timezone_offset_minutes=0)
    assert "DEVICE_TIMEZONE_MISMATCH" not in _codes(None, device)


def _with_focus(events: EventColumns, kind: EventKind, at: float, button: int = 0) -> EventColumns:
    marker = EventColumns(
        np.array([at]),
        np.array([int(kind)], np.uint8),
        np.zeros(1, np.float32),
        np.zeros(1, np.float32),
        np.array([button], np.uint8),
        np.zeros(1, np.uint8),
    )
    return merge(events, marker)


def test_typing_while_the_page_is_hidden_is_flagged_in_any_batching_and_not_after_it_is_visible_again() -> (
    None
):
    typing = human_typing(np.random.default_rng(4), keys=20, t0_ms=2000.0)
    hidden = _with_focus(typing, EventKind.VISIBILITY, 1500.0, button=0)
    whole = _assess(hidden)
    assert "BEHAVIOUR_INPUT_WHILE_HIDDEN" in {r.code for r in whole.reasons}
    assert _assess(hidden, batches=5) == whole
    assert whole.risk_level < RiskLevel.HIGH
    back = _with_focus(hidden, EventKind.VISIBILITY, 1900.0, button=1)
    assert "BEHAVIOUR_INPUT_WHILE_HIDDEN" not in _codes(back)


def test_clicks_after_the_window_lost_focus_are_flagged_and_after_it_regained_it_are_not() -> None:
    clicks = merge(*(_click_at(1000.0 + 700.0 * i, 100.0 + 50 * i) for i in range(5)))
    moves = columns(
        np.arange(40) * 15.0 + 400.0,
        [int(EventKind.MOVE)] * 40,
        np.linspace(0, 300, 40),
        np.linspace(0, 200, 40),
    )
    session = merge(moves, clicks)
    blurred = _with_focus(session, EventKind.BLUR, 900.0)
    assert "BEHAVIOUR_INPUT_WHILE_BLURRED" in _codes(blurred)
    assert "BEHAVIOUR_INPUT_WHILE_BLURRED" not in _codes(_with_focus(blurred, EventKind.FOCUS, 950.0))


def test_clicks_without_any_pointer_movement_are_flagged_on_a_desktop_but_not_on_a_phone() -> None:
    clicks = merge(*(_click_at(1000.0 + 900.0 * i, 100.0 + 80 * i, 200.0) for i in range(4)))
    assert "BEHAVIOUR_CLICKS_WITHOUT_MOVEMENT" in _codes(clicks)
    phone = dataclasses.replace(CLEAN_CHROME, user_agent=IPHONE_UA, platform="iPhone", max_touch_points=5)
    assert "BEHAVIOUR_CLICKS_WITHOUT_MOVEMENT" not in _codes(clicks, phone)
    assert "BEHAVIOUR_CLICKS_WITHOUT_MOVEMENT" not in _codes(_human(t0_ms=800.0))


def _clicks(hold_ms: float) -> EventColumns:
    """Real human strokes ending in clicks, each button released ``hold_ms`` after its press."""
    path = human_mouse(np.random.default_rng(5), strokes=6)
    t = path.t_ms.copy()
    downs = np.flatnonzero(path.kind == int(EventKind.DOWN))
    assert downs.shape[0] >= 3
    assert (path.kind[downs + 1] == int(EventKind.UP)).all()
    t[downs + 1] = t[downs] + hold_ms
    return dataclasses.replace(path, t_ms=t)


def test_mouse_clicks_released_in_the_same_instant_are_flagged_on_a_desktop_only() -> None:
    instant = _clicks(hold_ms=1.0)
    assert "BEHAVIOUR_INSTANT_CLICKS" in _codes(instant)
    # Held like a finger holds a button: nothing to say; nor at 12 ms, a quick finger's or a
    # touchpad tap's (what no finger does is release within 8 ms).
    assert "BEHAVIOUR_INSTANT_CLICKS" not in _codes(_clicks(hold_ms=95.0))
    assert "BEHAVIOUR_INSTANT_CLICKS" not in _codes(_clicks(hold_ms=12.0))
    assert "BEHAVIOUR_INSTANT_CLICKS" in _codes(_clicks(hold_ms=5.0))
    # After a tap, browsers send the mouse press and release together.
    phone = dataclasses.replace(CLEAN_CHROME, user_agent=IPHONE_UA, platform="iPhone", max_touch_points=5)
    assert "BEHAVIOUR_INSTANT_CLICKS" not in _codes(instant, phone)
    # A press in one batch and its release in the next still pair up.
    assert _assess(instant, batches=7) == _assess(instant)


def test_clicks_read_by_a_privacy_browsers_100_ms_clock_are_not_instant_clicks() -> None:
    # The clock reads a press and its release 20 ms later in one tick: held, not instant.
    held = _clicks(hold_ms=20.0)
    assert "BEHAVIOUR_INSTANT_CLICKS" not in _codes(held)
    t = np.floor(held.t_ms / 100.0) * 100.0
    ups = np.flatnonzero(held.kind == int(EventKind.UP))
    t[ups] = t[ups - 1]  # (each press and its release in one tick)
    assert "BEHAVIOUR_INSTANT_CLICKS" not in _codes(dataclasses.replace(held, t_ms=t))


def _tap_to_click(cols: EventColumns) -> EventColumns:
    """The same session with every mouse button released 1 ms after its press, as laptop
    touchpads with tap-to-click report a tap (Windows and macOS send both at the finger's lift)."""
    t = cols.t_ms.copy()
    downs = np.flatnonzero(cols.kind == int(EventKind.DOWN))
    ups = np.flatnonzero(cols.kind == int(EventKind.UP))
    t[ups[np.searchsorted(ups, downs)]] = t[downs] + 1.0
    order = np.argsort(t, kind="stable")
    return EventColumns(
        t[order], cols.kind[order], cols.x[order], cols.y[order], cols.button[order], cols.key_class[order]
    )


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_person_clicking_by_tapping_a_touchpad_stays_low(seed: int) -> None:
    rng = np.random.default_rng(seed)
    person = merge(human_mouse(rng, strokes=6), human_typing(rng, keys=20, t0_ms=30_000.0))
    tapped = _assess(_tap_to_click(person))
    assert "BEHAVIOUR_INSTANT_CLICKS" in {r.code for r in tapped.reasons}
    assert tapped.risk_level is RiskLevel.LOW


def test_clicks_with_no_movement_at_all_count_once_and_a_typing_person_stays_low() -> None:
    # Screen readers and voice control activate elements for a person: a press and release in the
    # same instant, where the pointer never went, and no movement at all. That is one fact.
    rng = np.random.default_rng(2)
    clicks = [
        columns([t, t + 0.5], [int(EventKind.DOWN), int(EventKind.UP)], [x, x], [y, y])
        for t, x, y in ((1500.0, 400.0, 300.0), (8000.0, 400.0, 360.0), (15000.0, 450.0, 430.0))
    ]
    typing = [human_typing(rng, keys=12, t0_ms=2500.0), human_typing(rng, keys=12, t0_ms=9000.0)]
    a = _assess(merge(*clicks, *typing))
    codes = {r.code for r in a.reasons}
    assert "BEHAVIOUR_CLICKS_WITHOUT_MOVEMENT" in codes
    assert not codes & {"BEHAVIOUR_INSTANT_CLICKS", "POINTER_CLICK_WITHOUT_APPROACH"}
    assert a.risk_level is RiskLevel.LOW


def _touches_held(holds_ms: list[float], seed: int = 0) -> EventColumns:
    """Touches on fields (a finger landing every 0.7-1.5 s, timed to the microsecond), each lifted
    its hold after it landed."""
    rng = np.random.default_rng(seed)
    start = 1000.0 + np.cumsum(rng.uniform(700.0, 1500.0, len(holds_ms)))
    n = len(holds_ms)
    kinds = np.concatenate((np.full(n, int(EventKind.TOUCH_START)), np.full(n, int(EventKind.TOUCH_END))))
    t = np.round(np.concatenate((start, start + np.asarray(holds_ms))), 3)
    x = np.tile(200.0 + 10.0 * np.arange(n), 2)
    order = np.argsort(t, kind="stable")
    return columns(t[order], kinds[order], x[order], np.full(2 * n, 300.0))


def test_touches_lifted_in_the_same_instant_are_flagged_and_fingertip_taps_are_not() -> None:
    phone = dataclasses.replace(CLEAN_CHROME, user_agent=IPHONE_UA, platform="iPhone", max_touch_points=5)
    instant = _touches_held([1.0] * 4)
    reason = next(r for r in _assess(instant, phone).reasons if r.code == "BEHAVIOUR_INSTANT_TAPS")
    assert reason.weight >= 1.5
    assert "BEHAVIOUR_INSTANT_TAPS" not in _codes(_touches_held([85.0, 97.0, 78.0, 110.0]), phone)
    # A touch in one batch and its end in the next still pair up.
    assert _assess(instant, phone, batches=5) == _assess(instant, phone)


def _touch_hold_weight(events: EventColumns, batches: int = 1) -> float:
    reasons = _assess(events, CLEAN_PHONE, batches).reasons
    return sum(r.weight for r in reasons if r.code == "BEHAVIOUR_CONSTANT_TOUCH_HOLD")


@pytest.mark.parametrize(("taps", "weight"), [(2, 0.0), (3, 1.0), (4, 1.5), (6, 2.0), (9, 2.0)])
def test_touches_all_held_for_one_fixed_pause_are_flagged(taps: int, weight: float) -> None:
    # Appium's W3C actions: pointerDown, pause(100), pointerUp; the device's scheduling adds a
    # fraction of a millisecond.
    holds = (100.0 + np.random.default_rng(taps).uniform(0.0, 1.5, taps)).tolist()
    assert _touch_hold_weight(_touches_held(holds)) == pytest.approx(weight)
    assert _touch_hold_weight(_touches_held(holds), batches=3) == pytest.approx(weight)


def test_fingertips_touching_for_varying_times_are_not_flagged() -> None:
    rng = np.random.default_rng(1)
    flagged = sum(
        _touch_hold_weight(_touches_held(rng.lognormal(np.log(100.0), 0.25, 6).tolist(), seed)) > 0.0
        for seed in range(200)
    )
    assert flagged == 0


def test_touch_holds_are_not_judged_on_a_coarse_clock_nor_when_instant() -> None:
    # A 100 ms clock rounds every hold to one tick; instant taps are their own finding.
    ticked = _touches_held([96.0, 104.0, 99.0, 101.0, 97.0, 103.0])
    coarse = columns(np.floor(ticked.t_ms / 100.0) * 100.0, ticked.kind, ticked.x, ticked.y)
    assert _touch_hold_weight(coarse) == 0.0
    instant = _touches_held([1.0] * 6)
    assert _touch_hold_weight(instant) == 0.0
    assert "BEHAVIOUR_INSTANT_TAPS" in _codes(instant, CLEAN_PHONE)


def test_touches_held_alike_alone_stay_below_high_on_a_login() -> None:
    # Voice control may tap with one fixed hold for a person: below HIGH on its own.
    assessment = _assess(_touches_held([100.0] * 10), CLEAN_PHONE)
    assert "BEHAVIOUR_CONSTANT_TOUCH_HOLD" in {r.code for r in assessment.reasons}
    assert assessment.risk_level < RiskLevel.HIGH


_BATCH_EDGES_MS = (8_000.0, 16_000.0, 21_000.0)


def _streamed(
    arrivals_ms: list[float], context: SessionContext, config: EngineConfig | None = None
) -> Assessment:
    """A 25 s human session in four batches, the k-th arriving at ``arrivals_ms[k]`` (server clock)."""
    events = _human(t0_ms=500.0)
    engine = Engine(config) if config is not None else ENGINE
    state = engine.start(context)
    parts = split(events, np.diff(np.searchsorted(events.t_ms, [0.0, *_BATCH_EDGES_MS])).tolist())
    for part, arrived in zip(parts, arrivals_ms, strict=True):
        engine.add(state, part, arrived_ms=arrived)
    return engine.assess(state)


def test_a_session_streamed_faster_than_its_own_clock_is_flagged() -> None:
    live = SessionContext(action="login", device=CLEAN_CHROME)
    # Four batches covering 25 s of events, all arriving within 200 ms: fabricated, not lived.
    fast = {r.code: r for r in _streamed([1000.0, 1050.0, 1120.0, 1200.0], live).reasons}
    assert fast["TIMING_EVENTS_AHEAD_OF_ARRIVAL"].weight > 0.0
    # Each batch arriving 0.3-1.5 s after its last event, as a real client's do: nothing to say.
    events = _human(t0_ms=500.0)
    lasts = [float(events.t_ms[events.t_ms < edge][-1]) for edge in (*_BATCH_EDGES_MS, np.inf)]
    real = _streamed([t + d for t, d in zip(lasts, (1500.0, 300.0, 900.0, 400.0), strict=True)], live)
    assert "TIMING_EVENTS_AHEAD_OF_ARRIVAL" not in {r.code for r in real.reasons}
    # Late batches (a background tab, a reconnect) only make the clock fall behind: fine.
    late = _streamed([t + 20_000.0 * i for i, t in enumerate(lasts)], live)
    assert "TIMING_EVENTS_AHEAD_OF_ARRIVAL" not in {r.code for r in late.reasons}


def test_a_recorded_session_or_a_tenant_that_turns_the_check_off_is_not_held_to_real_time() -> None:
    recorded = SessionContext(action="login", device=CLEAN_CHROME, recorded=True)
    reasons = {r.code: r for r in _streamed([1000.0, 1050.0, 1120.0, 1200.0], recorded).reasons}
    assert "TIMING_EVENTS_AHEAD_OF_ARRIVAL" not in reasons
    assert reasons["TIMING_RECORDED_SESSION"].weight == 0.0
    off = EngineConfig(clock_lead_tolerance_ms=0.0)
    live = SessionContext(action="login", device=CLEAN_CHROME)
    codes = {r.code for r in _streamed([1000.0, 1050.0, 1120.0, 1200.0], live, off).reasons}
    assert "TIMING_EVENTS_AHEAD_OF_ARRIVAL" not in codes
    with pytest.raises(ValueError, match="clock_lead_tolerance_ms"):
        EngineConfig(clock_lead_tolerance_ms=-1.0)
