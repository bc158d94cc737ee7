"""Touch strokes: a swipe interpolated by a script (identical steps along an exact line) is
flagged, real fingers and straight but hand-paced swipes are not (``engine.touch``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from botsift_server.engine import (
    Assessment,
    Engine,
    EventColumns,
    EventKind,
    RiskLevel,
    SessionContext,
)
from botsift_server.evaluation import read_traces

from .traces import CLEAN_CHROME, assess_in_batches, columns, merge, split
from .traces import CLEAN_PHONE as PHONE

ENGINE = Engine()
CODE = "POINTER_INTERPOLATED_SWIPE"
_START, _MOVE, _END = int(EventKind.TOUCH_START), int(EventKind.TOUCH_MOVE), int(EventKind.TOUCH_END)
PHONE_RECORDINGS = Path(__file__).parent / "data" / "delbot_phone.jsonl"


def _assess(events: EventColumns, action: str = "default", batches: int = 1) -> Assessment:
    return assess_in_batches(ENGINE, events, action, PHONE, batches)


def _judged(events: EventColumns) -> int:
    """How many of the strokes of ``events`` the engine judged (long enough for a run)."""
    state = ENGINE.start(SessionContext(device=PHONE))
    ENGINE.add(state, events)
    return state.touch_totals.judged


def _weight(assessment: Assessment, code: str = CODE) -> float:
    return sum(r.weight for r in assessment.reasons if r.code == code)


def _stroke(
    t0: float,
    x: np.ndarray,
    y: np.ndarray,
    dt: np.ndarray | float = 16.0,
    hold_end_ms: float = 30.0,
) -> EventColumns:
    """A touch start at the first point, a move to each of the others ``dt`` apart, an end."""
    n = x.shape[0]
    t = t0 + np.concatenate(([0.0], np.cumsum(np.broadcast_to(dt, (n - 1,)))))
    return columns(
        np.concatenate((t, [t[-1] + hold_end_ms])),
        [_START] + [_MOVE] * (n - 1) + [_END],
        np.concatenate((x, [x[-1]])),
        np.concatenate((y, [y[-1]])),
    )


def _line(x0: float, y0: float, x1: float, y1: float, steps: int) -> tuple[np.ndarray, np.ndarray]:
    share = np.linspace(0.0, 1.0, steps + 1)
    return x0 + (x1 - x0) * share, y0 + (y1 - y0) * share


def _script_swipes(
    count: int = 3, steps: int = 20, whole_pixels: bool = False, dropped: int = 0, seed: int = 1
) -> EventColumns:
    """A script scrolling a feed: ``touchStart``, ``steps`` equal ``touchMove`` steps up the screen
    (slightly diagonal, or straight up), ``touchEnd``, a pause, again. ``dropped`` moves of each
    swipe never reach the page (Chromium drops some while the page scrolls: up to 8 of 20, measured)."""
    rng = np.random.default_rng(seed)
    parts, t = [], 1500.0
    for i in range(count):
        x0, y0 = float(rng.uniform(150.0, 260.0)), float(rng.uniform(600.0, 700.0))
        x1 = x0 if i % 2 else x0 + float(rng.uniform(-60.0, 60.0))
        x, y = _line(x0, y0, x1, y0 - float(rng.uniform(350.0, 450.0)), steps)
        if whole_pixels:
            x, y = np.round(x), np.round(y)
        keep = np.ones(steps + 1, dtype=bool)
        keep[rng.choice(np.arange(1, steps), size=dropped, replace=False)] = False
        x, y = x[keep], y[keep]
        parts.append(_stroke(t, x, y, dt=rng.uniform(14.0, 20.0, steps - dropped)))
        t += 16.0 * steps + float(rng.uniform(800.0, 2500.0))
    return merge(*parts)


def _finger_swipes(rng: np.random.Generator, count: int = 6, straight: bool = False) -> EventColumns:
    """A thumb scrolling a feed at 60 Hz: it speeds up and slows down (a bell of speed), swings in
    an arc (or, ``straight``, runs exactly straight up), its contact point wobbling ~0.3 px."""
    parts, t = [], 1500.0
    for _ in range(count):
        frames = int(rng.integers(12, 22))
        s = np.linspace(0.0, 1.0, frames + 1)
        progress = 10 * s**3 - 15 * s**4 + 6 * s**5  # a smooth start and stop
        length = float(rng.uniform(300.0, 500.0))
        y = 650.0 - length * progress
        bend = 0.0 if straight else float(rng.uniform(20.0, 60.0))
        x = 220.0 + bend * np.sin(np.pi * progress)
        if not straight:
            x = x + rng.normal(0.0, 0.3, x.shape)
            y = y + rng.normal(0.0, 0.3, y.shape)
        parts.append(_stroke(t, x, y, dt=rng.normal(16.7, 1.0, frames)))
        t += 16.7 * frames + float(rng.uniform(600.0, 3000.0))
    return merge(*parts)


@pytest.mark.parametrize("whole_pixels", [False, True], ids=["fractional", "whole-pixels"])
@pytest.mark.parametrize("batches", [1, 3, 7])
def test_interpolated_swipes_are_flagged_whatever_the_batching(whole_pixels: bool, batches: int) -> None:
    """Swipes of equal steps along a line are flagged the same however the stream was cut, with
    the browser's fractional coordinates or rounded to whole pixels."""
    one = _assess(_script_swipes(whole_pixels=whole_pixels))
    cut = _assess(_script_swipes(whole_pixels=whole_pixels), batches=batches)
    assert _weight(one) == pytest.approx(2.5)
    assert _weight(cut) == _weight(one)
    assert one.score == cut.score
    assert "3 of 3 touch strokes" in next(r.message for r in one.reasons if r.code == CODE)


@pytest.mark.parametrize("dropped", [1, 2, 4])
def test_swipes_with_moves_dropped_while_the_page_scrolls_are_flagged(dropped: int) -> None:
    """While the page scrolls, Chromium drops some of a script's moves: the others' steps are
    the script's step or twice or three times it, along the same line, and still flagged."""
    for whole_pixels in (False, True):
        for seed in range(5):
            swipes = _script_swipes(whole_pixels=whole_pixels, dropped=dropped, seed=seed)
            assert _weight(_assess(swipes)) == pytest.approx(2.5), (whole_pixels, seed)


def test_a_swipe_with_most_moves_dropped_is_flagged() -> None:
    """The steps of a swipe of 20 as the web collector got it in Chromium while the page scrolled
    (the browser test's): mostly twice the script's step, some three times, few single."""
    multiples = np.array([1, 1, 3, 1, 2, 2, 2, 2, 3, 2, 1])
    share = np.concatenate(([0], np.cumsum(multiples))) / multiples.sum()
    x, y = 190.0 + 80.0 * share, 640.0 - 400.0 * share
    assert _weight(_assess(_stroke(1500.0, np.round(x), np.round(y), dt=33.0 * multiples))) == pytest.approx(
        1.5
    )


def test_one_swipe_counts_less_than_three_and_alone_stays_below_high() -> None:
    """Voice control and switch access draw interpolated gestures for people: one stroke counts
    1.5, three 2.5, and the finding alone never makes a session HIGH on any action."""
    assert _weight(_assess(_script_swipes(count=1))) == pytest.approx(1.5)
    for action in ("view", "default", "login"):
        assessment = _assess(_script_swipes(count=6), action=action)
        assert _weight(assessment) == pytest.approx(2.5)
        assert assessment.risk_level < RiskLevel.HIGH, action


def test_real_fingers_are_not_taken_for_interpolation() -> None:
    """DELBOT's people drawing circles with a finger on their phones (steady, fractional, at the
    phone's own rate) are never flagged, whatever the batching."""
    traces = list(read_traces(PHONE_RECORDINGS))
    assert len(traces) == 13
    judged = 0
    for trace in traces:
        for batches in (1, 5):
            assessment = _assess(trace.events, batches=batches)
            assert _weight(assessment) == 0.0, trace.session_id
        judged += _judged(trace.events)
    assert judged >= 12  # (the engine judged their strokes: long enough for a run)


def test_a_thumbs_swipes_are_not_flagged_even_exactly_straight() -> None:
    """A swipe may be straight: a thumb's that speeds up and slows down is not flagged, in an
    arc with a wobbling contact or exactly straight up."""
    rng = np.random.default_rng(3)
    for straight in (False, True):
        swipes = _finger_swipes(rng, straight=straight)
        assert _weight(_assess(swipes)) == 0.0
        assert _judged(swipes) == 6


def test_what_is_not_judged() -> None:
    """Runs shorter than ten steps, short chords, and a pinch's two fingers interleaved in one
    stroke (the collector records one changed touch per event) are not judged."""
    short = _stroke(1500.0, *_line(200.0, 700.0, 200.0, 300.0, steps=8))
    assert _weight(_assess(short)) == 0.0
    tiny = _stroke(1500.0, *_line(200.0, 700.0, 200.0, 640.0, steps=20))
    assert _weight(_assess(tiny)) == 0.0
    a_x, a_y = _line(150.0, 500.0, 60.0, 410.0, steps=15)
    b_x, b_y = _line(250.0, 600.0, 340.0, 690.0, steps=15)
    pinch_x = np.ravel(np.column_stack((a_x, b_x)))
    pinch_y = np.ravel(np.column_stack((a_y, b_y)))
    assert _weight(_assess(_stroke(1500.0, pinch_x, pinch_y, dt=8.0))) == 0.0


def test_a_stroke_counts_once_and_moves_without_a_start_are_a_stroke() -> None:
    """A long interpolated stroke counts once however many runs it holds; moves streamed with no
    touch start (the session began with a finger down) are judged as a stroke of their own."""
    x, y = _line(100.0, 800.0, 300.0, 100.0, steps=60)
    long = _assess(_stroke(1500.0, x, y))
    assert _weight(long) == pytest.approx(1.5)
    without_start = _stroke(1500.0, x, y)
    mid = split(without_start, [1, len(without_start)])[1]
    assert _weight(_assess(mid, batches=4)) == pytest.approx(1.5)


@st.composite
def _strokes(draw: st.DrawFn) -> tuple[EventColumns, list[int]]:
    """Touch strokes, some interpolated, some with a random walk, some without their start or
    end, with random cuts into batches."""
    parts, t = [], 0.0
    for _ in range(draw(st.integers(1, 6))):
        steps = draw(st.integers(1, 30))
        if draw(st.booleans()):
            x, y = _line(100.0, 700.0, draw(st.floats(-300.0, 500.0)), draw(st.floats(0.0, 900.0)), steps)
        else:
            walk = np.asarray(draw(st.lists(st.floats(-40.0, 40.0), min_size=2 * steps, max_size=2 * steps)))
            x, y = 200.0 + np.cumsum(np.r_[0.0, walk[:steps]]), 400.0 + np.cumsum(np.r_[0.0, walk[steps:]])
        stroke = _stroke(t, x, y)
        lo = 1 if draw(st.booleans()) else 0
        hi = len(stroke) - (1 if draw(st.booleans()) else 0)
        parts.append(split(stroke, [lo, hi - lo, len(stroke)])[1])
        t += 16.0 * steps + 500.0
    events = merge(*parts)
    return events, draw(st.lists(st.integers(0, 25), max_size=8))


@settings(max_examples=200, deadline=None)
@given(strokes=_strokes())
def test_stroke_counts_do_not_depend_on_batching(strokes: tuple[EventColumns, list[int]]) -> None:
    """Strokes judged and strokes flagged are counted the same however the stream is cut."""
    events, cuts = strokes
    whole = ENGINE.start(SessionContext(device=PHONE))
    ENGINE.add(whole, events)
    batched = ENGINE.start(SessionContext(device=PHONE))
    for part in split(events, cuts):
        ENGINE.add(batched, part)
    assert (batched.touch_totals.judged, batched.touch_totals.interpolated) == (
        whole.touch_totals.judged,
        whole.touch_totals.interpolated,
    )
    assert batched.touch_totals.tail_x.shape[0] <= 10


def test_a_run_of_exactly_ten_steps_is_found_wherever_the_stream_is_cut() -> None:
    """A stroke with just one judged run (ten steps) is flagged whatever batch its points land in."""
    stroke = _stroke(1500.0, *_line(100.0, 700.0, 160.0, 300.0, steps=10))
    for cut in range(1, len(stroke)):
        state = ENGINE.start(SessionContext(device=PHONE))
        for part in split(stroke, [cut]):
            ENGINE.add(state, part)
        assert (state.touch_totals.judged, state.touch_totals.interpolated) == (1, 1), cut


def test_touches_from_a_browser_without_a_touch_screen_are_flagged() -> None:
    """A desktop browser that reports no touch points and no touch events gets touches only from
    injected input; a phone, a laptop with a touch screen and a device that reported nothing
    about touch are not judged."""
    swipes = _script_swipes(count=1, steps=8)  # (too short to judge as interpolated)
    for device, flagged in (
        (CLEAN_CHROME, False),  # touch support not reported
        (dataclasses.replace(CLEAN_CHROME, touch_support=False), True),
        (dataclasses.replace(CLEAN_CHROME, touch_support=False, max_touch_points=None), False),
        (dataclasses.replace(CLEAN_CHROME, touch_support=True, max_touch_points=10), False),
        (PHONE, False),
    ):
        state = ENGINE.start(SessionContext(device=device))
        ENGINE.add(state, swipes)
        assessment = ENGINE.assess(state)
        assert (_weight(assessment, "BEHAVIOUR_TOUCH_WITHOUT_TOUCH_SCREEN") > 0) == flagged, device
        assert _weight(assessment) == 0.0
        # Strong, but not HIGH on its own, even at a login's stricter thresholds: not every touch
        # set-up (touch monitors, remote desktops forwarding touch) was measured.
        assert assess_in_batches(ENGINE, swipes, "login", device).risk_level < RiskLevel.HIGH, device
