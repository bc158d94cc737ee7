"""The engine as a whole: scoring, determinism, batching, bounds, and state bookkeeping."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from botsift_server.engine import (
    ENGINE_VERSION,
    INSUFFICIENT_EVIDENCE,
    Assessment,
    Device,
    Engine,
    EngineConfig,
    EventColumns,
    EventCounts,
    EventKind,
    KeyClass,
    ReplayIndex,
    RiskLevel,
    SessionContext,
    SessionState,
)

from .traces import (
    CLEAN_CHROME,
    bot_mouse_lines,
    bot_typing,
    columns,
    human_mouse,
    human_typing,
    merge,
    split,
)

ENGINE = Engine(EngineConfig())


def _human_session(seed: int = 1) -> EventColumns:
    rng = np.random.default_rng(seed)
    mouse = human_mouse(rng, strokes=12)
    return merge(mouse, human_typing(rng, keys=50, t0_ms=float(mouse.t_ms[len(mouse) // 2])))


def _bot_session() -> EventColumns:
    mouse = bot_mouse_lines()
    return merge(mouse, bot_typing(keys=40, t0_ms=float(mouse.t_ms[-1])))


def _run(batches: list[EventColumns], device: Device = CLEAN_CHROME, engine: Engine = ENGINE) -> Assessment:
    state = engine.start(SessionContext(action="login", device=device))
    for batch in batches:
        engine.add(state, batch)
    return engine.assess(state)


def _assert_same(a: Assessment, b: Assessment) -> None:
    assert a.score == pytest.approx(b.score, abs=1e-9)
    assert a.risk_level == b.risk_level
    assert a.counts == b.counts
    assert a.confidence == pytest.approx(b.confidence, abs=1e-9)
    assert [r.code for r in a.reasons] == [r.code for r in b.reasons]
    for ra, rb in zip(a.reasons, b.reasons, strict=True):
        assert ra.weight == pytest.approx(rb.weight, abs=1e-9)


def _assert_finite(a: Assessment) -> None:
    assert 0.0 <= a.score <= 1.0
    assert 0.0 <= a.confidence <= 1.0
    assert math.isfinite(a.score)
    assert math.isfinite(a.confidence)
    assert all(math.isfinite(r.weight) for r in a.reasons)
    assert all(math.isfinite(c.log_odds) and 0.0 <= c.confidence <= 1.0 for c in a.contributions)


def test_clean_desktop_chrome_with_human_behaviour_is_low() -> None:
    a = _run([_human_session()])
    assert a.risk_level is RiskLevel.LOW
    assert a.score < 0.25
    assert a.confidence > 0.9
    assert a.engine_version == ENGINE_VERSION


def test_scripted_mouse_and_typing_on_a_clean_device_is_at_least_high() -> None:
    assert _run([_bot_session()]).risk_level >= RiskLevel.HIGH


@pytest.mark.parametrize("device", [CLEAN_CHROME, Device()], ids=["clean chrome", "nothing reported"])
def test_empty_session_has_insufficient_evidence_and_stays_near_the_prior(device: Device) -> None:
    a = _run([], device)
    _assert_finite(a)
    assert a.risk_level is RiskLevel.LOW
    assert a.score == pytest.approx(1.0 / (1.0 + math.exp(2.0)))
    assert INSUFFICIENT_EVIDENCE in {r.code for r in a.reasons}
    assert all(r.weight == 0.0 for r in a.reasons)
    assert a.counts == EventCounts()


def test_a_handful_of_events_is_insufficient_evidence() -> None:
    cols = columns([0.0, 20.0, 45.0], [int(EventKind.MOVE)] * 3, [10.0, 12.0, 15.0], [10.0, 11.0, 13.0])
    a = _run([cols])
    assert INSUFFICIENT_EVIDENCE in {r.code for r in a.reasons}
    assert a.risk_level <= RiskLevel.MEDIUM


def test_a_few_machine_drawn_moves_score_high_and_still_say_the_evidence_is_thin() -> None:
    # Eight moves of a straight line on a 10 ms timer: bot-like enough for HIGH, too few to be sure.
    a = _run([bot_mouse_lines().take(np.arange(8))])
    assert a.risk_level >= RiskLevel.HIGH
    thin = [r for r in a.reasons if r.code == INSUFFICIENT_EVIDENCE]
    assert len(thin) == 1
    assert "little evidence" in thin[0].message
    assert "near the prior" not in thin[0].message


def test_same_input_gives_an_equal_assessment() -> None:
    assert _run([_human_session()]) == _run([_human_session()])
    assert _run([_bot_session()]) == _run([_bot_session()])


@pytest.mark.parametrize("size", [1, 7, 128, 1000])
@pytest.mark.parametrize("session", ["human", "bot"])
def test_batching_does_not_change_the_assessment(size: int, session: str) -> None:
    cols = _human_session() if session == "human" else _bot_session()
    whole = _run([cols])
    batched = _run(split(cols, [size] * (len(cols) // size)))
    _assert_same(whole, batched)


def test_uneven_batches_over_full_windows_give_the_same_assessment() -> None:
    config = EngineConfig(pointer_window_events=64, key_window_events=32, timing_window_events=64)
    engine = Engine(config)
    cols = _human_session(3)
    sizes = np.random.default_rng(0).integers(0, 90, size=60).tolist()
    _assert_same(_run([cols], engine=engine), _run(split(cols, sizes), engine=engine))


def test_reasons_are_sorted_strongest_first() -> None:
    device = dataclasses.replace(CLEAN_CHROME, webdriver=True, plugins_count=0)
    a = _run([_bot_session()], device)
    weights = [abs(r.weight) for r in a.reasons]
    assert weights == sorted(weights, reverse=True)
    assert a.reasons[0].code == "AUTOMATION_WEBDRIVER"


def test_score_is_the_logistic_of_prior_plus_contributions() -> None:
    a = _run([_bot_session()])
    log_odds = EngineConfig().prior_log_odds + sum(c.log_odds for c in a.contributions)
    assert a.score == pytest.approx(1.0 / (1.0 + math.exp(-log_odds)))
    for c in a.contributions:
        assert c.log_odds == pytest.approx(sum(r.weight for r in a.reasons if r.detector == c.detector))


def test_detector_weights_scale_and_switches_remove_contributions() -> None:
    cols = _bot_session()
    base = _run([cols])
    half = _run([cols], engine=Engine(EngineConfig(detector_weights={"pointer": 0.5})))
    off = _run([cols], engine=Engine(EngineConfig(detectors_enabled={"pointer": False})))

    def pointer(a: Assessment) -> float:
        return next((c.log_odds for c in a.contributions if c.detector == "pointer"), 0.0)

    assert pointer(half) == pytest.approx(0.5 * pointer(base))
    assert "pointer" not in {c.detector for c in off.contributions}
    assert all(r.detector != "pointer" for r in off.reasons)
    assert off.score < half.score < base.score


def test_reason_weights_scale_one_reason_and_zero_leaves_it_out() -> None:
    cols = _bot_session()
    base = _run([cols])
    code, weight = next((r.code, r.weight) for r in base.reasons if r.weight > 0.5)
    halved = _run([cols], engine=Engine(EngineConfig(reason_weights={code: 0.5})))
    dropped = _run([cols], engine=Engine(EngineConfig(reason_weights={code: 0.0})))
    assert next(r.weight for r in halved.reasons if r.code == code) == pytest.approx(0.5 * weight)
    assert code not in {r.code for r in dropped.reasons}
    others = {r.code: r.weight for r in base.reasons if r.code != code}
    assert {r.code: r.weight for r in dropped.reasons} == pytest.approx(others)
    assert dropped.score < halved.score < base.score


def test_state_tracks_last_time_and_counts() -> None:
    state: SessionState = ENGINE.start(SessionContext())
    assert state.last_t_ms == 0.0
    assert state.event_count == 0
    cols = merge(
        human_typing(np.random.default_rng(1), keys=5),
        columns([1.0, 2.0, 3.0], [int(EventKind.SCROLL), int(EventKind.FOCUS), int(EventKind.TOUCH_START)]),
        columns([4.0, 5.0], [int(EventKind.MOVE), int(EventKind.WHEEL)]),
    )
    ENGINE.add(state, cols)
    assert state.last_t_ms == float(cols.t_ms[-1])
    assert state.event_count == len(cols) == 15
    assert state.counts == EventCounts(total=15, pointer=1, keys=10, touches=1, scrolls=2, focus=1)


def test_windows_stay_bounded_over_100k_events() -> None:
    config = EngineConfig()
    state = ENGINE.start(SessionContext(device=CLEAN_CHROME))
    rng = np.random.default_rng(42)
    kinds = np.array([int(EventKind.MOVE)] * 6 + [int(EventKind.KEY_DOWN), int(EventKind.KEY_UP)], np.uint8)
    t = 0.0
    for _ in range(800):
        n = 128
        dt = rng.gamma(2.0, 5.0, size=n)
        times = t + np.cumsum(dt)
        t = float(times[-1])
        batch = EventColumns(
            t_ms=times,
            kind=rng.choice(kinds, size=n),
            x=rng.uniform(0, 1920, size=n).astype(np.float32),
            y=rng.uniform(0, 1080, size=n).astype(np.float32),
            button=np.zeros(n, np.uint8),
            key_class=np.full(n, int(KeyClass.LETTER), np.uint8),
        )
        ENGINE.add(state, batch)
    assert state.event_count == 102_400
    assert len(state.pointer_window) == config.pointer_window_events
    assert len(state.key_window) == config.key_window_events
    assert len(state.timing_window) == config.timing_window_events
    for window in (state.pointer_window, state.key_window, state.timing_window):
        assert all(col.shape[0] == window.capacity for col in window.columns())
    _assert_finite(ENGINE.assess(state))


_KINDS = [int(k) for k in EventKind]


@st.composite
def _event_columns(draw: st.DrawFn) -> list[EventColumns]:
    n = draw(st.integers(0, 80))
    dt = draw(st.lists(st.floats(0.0, 1e4, allow_nan=False), min_size=n, max_size=n))
    coords = st.floats(-1e5, 1e5, allow_nan=False, width=32)
    xs = draw(st.lists(coords, min_size=n, max_size=n))
    ys = draw(st.lists(coords, min_size=n, max_size=n))
    kinds = draw(st.lists(st.sampled_from(_KINDS), min_size=n, max_size=n))
    key_classes = draw(st.lists(st.integers(0, 9), min_size=n, max_size=n))
    # Buttons of presses, visibility, a key press's flags (a capital typed without Shift): 0-31.
    buttons = draw(st.lists(st.integers(0, 31), min_size=n, max_size=n))
    cols = columns(np.cumsum(np.asarray(dt, np.float64)), kinds, xs, ys, key_classes)
    cols = dataclasses.replace(cols, button=np.asarray(buttons, np.uint8))
    cuts = draw(st.lists(st.integers(0, 20), max_size=6))
    return split(cols, cuts)


@st.composite
def _typing_on_a_clock(draw: st.DrawFn) -> EventColumns:
    """Key presses and releases of a sentence on a clock of ``step`` ms: many share a tick."""
    n = draw(st.integers(3, 120))
    step = draw(st.sampled_from([1.0, 16.67, 100.0]))
    gaps = draw(st.lists(st.sampled_from([0, 0, 0, 0, 1, 3]), min_size=n, max_size=n))
    holds = draw(st.lists(st.sampled_from([0, 0, 0, 1]), min_size=n, max_size=n))
    classes = draw(st.lists(st.sampled_from([1, 1, 1, 1, 3, 5, 6]), min_size=n, max_size=n))
    # Each key released before the next is pressed: down, up, down, up, ... in that order.
    t, now = [], 0.0
    for gap, hold in zip(gaps, holds, strict=True):
        now += gap * step
        t.extend([now, now + hold * step])
        now += hold * step
    kinds = [int(EventKind.KEY_DOWN), int(EventKind.KEY_UP)] * n
    return columns(np.asarray(t), kinds, key_class=np.repeat(np.asarray(classes), 2))


@settings(max_examples=100, deadline=None)
@given(typing=_typing_on_a_clock())
def test_any_typing_on_a_coarse_clock_gives_a_finite_assessment(typing: EventColumns) -> None:
    # Privacy browsers round times to 100 ms: letters share ticks, intervals read 0.
    state = ENGINE.start(SessionContext(device=CLEAN_CHROME))
    ENGINE.add(state, typing)
    _assert_finite(ENGINE.assess(state))


@settings(max_examples=100, deadline=None)
@given(batches=_event_columns(), webdriver=st.sampled_from([None, False, True]))
def test_any_valid_events_give_a_finite_assessment_whatever_the_batching(
    batches: list[EventColumns], webdriver: bool | None
) -> None:
    device = dataclasses.replace(CLEAN_CHROME, webdriver=webdriver)
    state = ENGINE.start(SessionContext(device=device))
    for batch in batches:
        ENGINE.add(state, batch)
        _assert_finite(ENGINE.assess(state))
    whole = merge(*batches) if batches else EventColumns.empty()
    _assert_same(ENGINE.assess(state), _run([whole], device))


@st.composite
def _pointer_strokes(draw: st.DrawFn) -> EventColumns:
    """Mostly pointer moves with a few clicks, their gaps from a shared reading (0) to a pause,
    as any clock or logger may read them: what replay fingerprints are made of."""
    n = draw(st.integers(0, 120))
    gaps = draw(
        st.lists(st.sampled_from([0.0, 0.5, 8.0, 15.6, 16.7, 100.0, 110.0, 350.0]), min_size=n, max_size=n)
    )
    steps = st.floats(-300.0, 300.0, allow_nan=False, width=32)
    dx = draw(st.lists(steps, min_size=n, max_size=n))
    dy = draw(st.lists(steps, min_size=n, max_size=n))
    kinds = draw(
        st.lists(
            st.sampled_from([int(EventKind.MOVE)] * 8 + [int(EventKind.DOWN), int(EventKind.UP)]),
            min_size=n,
            max_size=n,
        )
    )
    return columns(np.cumsum(np.asarray(gaps)), kinds, 500.0 + np.cumsum(dx), 400.0 + np.cumsum(dy))


@settings(max_examples=100, deadline=None)
@given(first=_pointer_strokes(), second=_pointer_strokes(), noise=st.floats(0.0, 2.0))
def test_any_pointer_session_against_a_replay_index_gives_a_finite_assessment(
    first: EventColumns, second: EventColumns, noise: float
) -> None:
    # The index holds one session; the next is checked against it: itself again under another
    # id (a copy), the same events with a replayer's pixels of noise, and another session.
    index = ReplayIndex(4)
    state = ENGINE.start(SessionContext(device=CLEAN_CHROME))
    ENGINE.add(state, first)
    _assert_finite(ENGINE.assess(state, replay=index, session_id="first", remember=True))
    shifted = dataclasses.replace(first, x=first.x + np.float32(noise), y=first.y - np.float32(noise))
    for events, sid in ((first, "copy"), (shifted, "noisy"), (second, "second")):
        state = ENGINE.start(SessionContext(device=CLEAN_CHROME))
        ENGINE.add(state, events)
        _assert_finite(ENGINE.assess(state, replay=index, session_id=sid, remember=True))
