"""Scrolling: a page that moves with no input to move it is flagged, a person's scrolling by wheel,
keys, touch or scroll bar is not, and a wheel turned on a timer is flagged (``engine.scrolling``)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from botsift_server.engine import (
    Assessment,
    Device,
    Engine,
    EventColumns,
    EventKind,
    KeyClass,
    RiskLevel,
)

from .traces import CLEAN_CHROME, assess_in_batches, columns, merge

ENGINE = Engine()
_SCROLL, _WHEEL = int(EventKind.SCROLL), int(EventKind.WHEEL)
_KEY_DOWN, _KEY_UP = int(EventKind.KEY_DOWN), int(EventKind.KEY_UP)
_MOVE, _DOWN, _UP = int(EventKind.MOVE), int(EventKind.DOWN), int(EventKind.UP)


def _assess(
    events: EventColumns, action: str = "view", device: Device = CLEAN_CHROME, batches: int = 1
) -> Assessment:
    return assess_in_batches(ENGINE, events, action, device, batches)


def _weight(assessment: Assessment, code: str) -> float:
    return sum(r.weight for r in assessment.reasons if r.code == code)


def _glide(t0: float, y0: float, y1: float, frames: int = 8, frame_ms: float = 50.0) -> EventColumns:
    """The page's scroll events of a smooth scroll from offset y0 to y1 (the collector keeps one
    per 50 ms), eased out as browsers animate it."""
    share = 1.0 - (1.0 - np.arange(1, frames + 1) / frames) ** 2
    return columns(
        t0 + frame_ms * np.arange(1, frames + 1), [_SCROLL] * frames, np.zeros(frames), y0 + (y1 - y0) * share
    )


def _script_reader(steps: int = 8, step_px: float = 700.0, smooth: bool = False) -> EventColumns:
    """A scraper reading a page: ``window.scrollBy`` every 1.5-3 s from 4 s in, and nothing else."""
    rng = np.random.default_rng(5)
    t, y, parts = 4000.0, 0.0, []
    for _ in range(steps):
        if smooth:
            parts.append(_glide(t, y, y + step_px))
        else:
            parts.append(columns([t], [_SCROLL], [0.0], [y + step_px]))
        y += step_px
        t += float(rng.uniform(1500.0, 3000.0))
    return merge(*parts)


def _wheel_reader(rng: np.random.Generator, flicks: int = 10) -> EventColumns:
    """A person reading: flicks of 2-5 wheel notches (100 px each, 30-90 ms apart), each notch
    glided by the browser, a pause of 1-6 s to read between flicks; the pointer rests mid-page."""
    t, y, parts = 3500.0, 0.0, [columns([1200.0], [_MOVE], [700.0], [420.0])]
    for _ in range(flicks):
        for _ in range(int(rng.integers(2, 6))):
            parts.append(columns([t], [_WHEEL], [0.0], [100.0]))
            parts.append(_glide(t + 5.0, y, y + 100.0, frames=4))
            y += 100.0
            t += float(rng.uniform(30.0, 90.0))
        t += float(rng.uniform(1000.0, 6000.0))
    return merge(*parts)


def test_a_script_scrolling_the_page_with_no_input_is_flagged_in_any_batching_but_not_to_high_alone() -> None:
    for smooth in (False, True):
        events = _script_reader(smooth=smooth)
        weights = {_weight(_assess(events, batches=b), "BEHAVIOUR_SCROLL_WITHOUT_INPUT") for b in (1, 3, 7)}
        assert len(weights) == 1
        assert weights.pop() == pytest.approx(2.0)
        for action in ("view", "login", "default"):
            assert _assess(events, action).risk_level < RiskLevel.HIGH


def test_a_little_unexplained_scrolling_weighs_little() -> None:
    # Two short jumps, half a screen each.
    few = _weight(_assess(_script_reader(steps=2, step_px=450.0)), "BEHAVIOUR_SCROLL_WITHOUT_INPUT")
    assert 0.0 < few < 0.5
    # One long jump is the page restoring itself (a single-page app back on a list, 6 screens down).
    assert _weight(_assess(_script_reader(steps=1, step_px=5600.0)), "BEHAVIOUR_SCROLL_WITHOUT_INPUT") == 0.0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_person_scrolling_with_the_wheel_is_not_flagged_even_when_the_page_jumps_by_itself_now_and_then(
    seed: int,
) -> None:
    rng = np.random.default_rng(seed)
    reading = _wheel_reader(rng)
    codes = {r.code for r in _assess(reading).reasons}
    assert "BEHAVIOUR_SCROLL_WITHOUT_INPUT" not in codes
    assert "BEHAVIOUR_CONSTANT_WHEEL" not in codes
    # Images loading above the visible part push the page down twice (scroll anchoring): 300 px each.
    last = float(reading.t_ms[-1])
    y = float(reading.y[reading.kind == _SCROLL][-1])
    anchored = merge(
        reading,
        columns([last + 2500.0], [_SCROLL], [0.0], [y + 300.0]),
        columns([last + 5000.0], [_SCROLL], [0.0], [y + 600.0]),
    )
    assert "BEHAVIOUR_SCROLL_WITHOUT_INPUT" not in {r.code for r in _assess(anchored).reasons}


def test_scrolling_by_keys_touch_or_scroll_bar_and_finding_in_the_page_are_explained() -> None:
    # Page Down and space: the key, then the browser's glide.
    keys = merge(
        *(
            merge(
                columns(
                    [4000.0 + 2000.0 * i, 4080.0 + 2000.0 * i],
                    [_KEY_DOWN, _KEY_UP],
                    key_class=[KeyClass.NAVIGATION] * 2,
                ),
                _glide(4010.0 + 2000.0 * i, 800.0 * i, 800.0 * (i + 1), frames=4),
            )
            for i in range(8)
        )
    )
    # A phone: swipes, and the page gliding on for up to 3 s after each finger leaves.
    phone = dataclasses.replace(CLEAN_CHROME, max_touch_points=5, inner_width=390, inner_height=750)
    touch = int(EventKind.TOUCH_START), int(EventKind.TOUCH_MOVE), int(EventKind.TOUCH_END)
    swipes = merge(
        *(
            merge(
                columns(
                    [4000.0 + 5000.0 * i + k * 16.0 for k in range(6)],
                    [touch[0], *[touch[1]] * 4, touch[2]],
                    [200.0] * 6,
                    [600.0 - 60.0 * k for k in range(6)],
                ),
                _glide(4100.0 + 5000.0 * i, 900.0 * i, 900.0 * (i + 1), frames=40, frame_ms=70.0),
            )
            for i in range(6)
        )
    )
    # The scroll bar dragged: the pointer went to the window's right edge; no press reached the page.
    bar = merge(columns([3900.0], [_MOVE], [1905.0], [300.0]), _script_reader(smooth=True))
    # Ctrl+F, then the find bar's matches move the page (its keys never reach the page).
    find = merge(
        columns(
            [3800.0, 3850.0, 3900.0, 3950.0],
            [_KEY_DOWN, _KEY_DOWN, _KEY_UP, _KEY_UP],
            key_class=[KeyClass.MODIFIER, KeyClass.LETTER, KeyClass.LETTER, KeyClass.MODIFIER],
        ),
        _script_reader(),
    )
    # A drag (text selection) that auto-scrolls while the button is down.
    drag = merge(
        columns([3900.0, 30_000.0], [_DOWN, _UP], [500.0, 500.0], [900.0, 900.0]), _script_reader(smooth=True)
    )
    # A middle click, then the page auto-scrolls as the pointer leans (the page sees no wheel);
    # the same click with the main button explains no more than any click does.
    middle_click = columns([3800.0, 3890.0], [_DOWN, _UP], [500.0, 500.0], [400.0, 400.0])
    autoscroll = merge(dataclasses.replace(middle_click, button=np.ones(2, np.uint8)), _script_reader())
    desktop = CLEAN_CHROME
    for events, device in (
        (keys, desktop),
        (swipes, phone),
        (bar, desktop),
        (find, desktop),
        (drag, desktop),
        (autoscroll, desktop),
    ):
        assert "BEHAVIOUR_SCROLL_WITHOUT_INPUT" not in {
            r.code for r in _assess(events, device=device).reasons
        }
    main_click = merge(middle_click, _script_reader())
    assert "BEHAVIOUR_SCROLL_WITHOUT_INPUT" in {r.code for r in _assess(main_click).reasons}


def test_the_page_restoring_its_offset_on_load_and_scrolling_inside_an_element_are_not_judged() -> None:
    # Back on a long page: the browser jumps to 9,000 px within the first seconds.
    restored = columns([400.0, 450.0, 2600.0], [_SCROLL] * 3, [0.0] * 3, [3000.0, 6000.0, 9000.0])
    # A carousel scrolling itself every 2 s: scroll events whose page offsets never change.
    carousel = columns(np.arange(4000.0, 60_000.0, 2000.0), [_SCROLL] * 28, np.zeros(28), np.full(28, 1200.0))
    for events in (restored, merge(restored, carousel)):
        assert "BEHAVIOUR_SCROLL_WITHOUT_INPUT" not in {r.code for r in _assess(events).reasons}


def test_with_clicks_and_no_movement_scrolling_without_input_counts_only_as_the_stronger_of_the_two() -> None:
    # A screen reader moves the page and clicks for its user; so does a script.
    at = (30_000.0, 36_000.0, 41_000.0, 47_000.0)
    clicks = merge(*(columns([t, t + 90.0], [_DOWN, _UP], [640.0, 640.0], [400.0, 400.0]) for t in at))
    both = _assess(merge(clicks, _script_reader()), action="login")
    clicked = _weight(both, "BEHAVIOUR_CLICKS_WITHOUT_MOVEMENT")
    assert clicked == pytest.approx(1.5)
    assert clicked + _weight(both, "BEHAVIOUR_SCROLL_WITHOUT_INPUT") == pytest.approx(2.0)
    assert both.risk_level < RiskLevel.HIGH


def _wheel_turns(intervals: np.ndarray, dy: float = 100.0, dx: float = 0.0) -> EventColumns:
    t = 4000.0 + np.concatenate(([0.0], np.cumsum(intervals)))
    n = t.shape[0]
    return columns(t, [_WHEEL] * n, np.full(n, dx), np.full(n, dy))


def test_a_wheel_turned_by_the_same_amount_on_a_timer_is_flagged_and_a_hand_or_a_touchpad_is_not() -> None:
    rng = np.random.default_rng(3)
    loop = _wheel_turns(np.full(30, 250.0) + rng.uniform(-3.0, 3.0, 30))
    weights = {_weight(_assess(loop, batches=b), "BEHAVIOUR_CONSTANT_WHEEL") for b in (1, 4)}
    assert len(weights) == 1
    assert weights.pop() == pytest.approx(1.5)
    # A person notching slowly: no two intervals alike for long.
    hand = _wheel_turns(rng.uniform(120.0, 600.0, 30))
    # A touchpad's momentum: one event per display frame (16.7 ms), every one alike here.
    momentum = _wheel_turns(np.full(30, 1000.0 / 60.0), dy=12.0)
    # A tilted wheel held to one side repeats on its own: horizontal only.
    tilt = _wheel_turns(np.full(30, 250.0), dy=0.0, dx=120.0)
    # The same interval but deltas of a touchpad that vary.
    varying = _wheel_turns(np.full(30, 250.0), dy=100.0)
    spread = rng.uniform(0.5, 1.5, len(varying))
    varying = dataclasses.replace(varying, y=(varying.y * spread).astype(np.float32))
    for events in (hand, momentum, tilt, varying):
        assert "BEHAVIOUR_CONSTANT_WHEEL" not in {r.code for r in _assess(events).reasons}
