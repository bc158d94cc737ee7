"""Presses in motion: a script that moves and clicks at once presses while the pointer still
travels; a hand brakes and rests before it presses (``POINTER_PRESSED_IN_MOTION``)."""

from __future__ import annotations

import numpy as np
import pytest

from botsift_server.engine import Assessment, Engine, EventColumns, EventKind, RiskLevel, SessionContext

from .traces import CLEAN_CHROME, assess_in_batches, bot_mouse_lines, columns, merge, split

ENGINE = Engine()
CODE = "POINTER_PRESSED_IN_MOTION"
_MOVE, _DOWN, _UP = int(EventKind.MOVE), int(EventKind.DOWN), int(EventKind.UP)


def _assess(events: EventColumns, cuts: list[int] | None = None) -> Assessment:
    state = ENGINE.start(SessionContext(device=CLEAN_CHROME))
    for batch in split(events, cuts) if cuts else [events]:
        ENGINE.add(state, batch)
    return ENGINE.assess(state)


def _weight(assessment: Assessment, code: str = CODE) -> float:
    return sum(r.weight for r in assessment.reasons if r.code == code)


def _clicks(
    rest_ms: float | list[float],
    clicks: int = 4,
    step_px: float = 30.0,
    step_ms: float = 9.7,
    moves: int = 2,
    ease_in: bool = False,
    holds_ms: list[float] | None = None,
) -> EventColumns:
    """Clicks on fields, each reached in ``moves`` moves of ``step_px`` (``ease_in``: growing
    steps, as a curve walked at an even pace of its parameter), ``step_ms`` apart, and pressed
    ``rest_ms`` after the last (per click, or one for all), held ``holds_ms`` (each; by default
    60-150 ms)."""
    rests = np.broadcast_to(np.asarray(rest_ms, float), (clicks,))
    holds = holds_ms if holds_ms is not None else np.random.default_rng(clicks).uniform(60.0, 150.0, clicks)
    t, kinds, xs, ys = [], [], [], []
    now, x, y = 1000.0, 300.0, 200.0
    for rest, hold in zip(rests.tolist(), list(holds), strict=True):
        for i in range(moves):
            now += step_ms
            step = step_px * (2 * i + 1) / moves if ease_in else step_px
            x, y = x + step * 0.6, y + step * 0.8 * (-1 if x > 900 else 1)
            t.append(now)
            kinds.append(_MOVE)
            xs.append(x)
            ys.append(y)
        now += rest
        t += [now, now + float(hold)]
        kinds += [_DOWN, _UP]
        xs += [x, x]
        ys += [y, y]
        now += 1503.0
        x = 300.0
    return columns(t, kinds, xs, ys)


def test_clicks_pressed_as_the_pointer_arrives_are_flagged_however_the_stream_is_cut() -> None:
    """A script's short approaches, pressed the instant the last move lands (3 px/ms), are
    flagged; cutting the stream between each last move and its press changes nothing."""
    events = _clicks(rest_ms=0.0)
    whole = _assess(events)
    assert _weight(whole) == pytest.approx(2.5)
    assert "4 of 4 clicks" in next(r.message for r in whole.reasons if r.code == CODE)
    presses = np.flatnonzero(events.kind == _DOWN)
    cuts = np.diff(np.concatenate(([0], presses))).tolist()
    assert _assess(events, cuts).reasons == whole.reasons


def test_a_hand_that_rests_before_it_presses_is_not_flagged() -> None:
    """Pressed 40-200 ms after the last move (a hand resting on its target): nothing; one hasty
    press among seven resting ones is not held against anyone."""
    rng = np.random.default_rng(4)
    assert _weight(_assess(_clicks(rest_ms=rng.uniform(40.0, 200.0, 8).tolist(), clicks=8))) == 0.0
    hasty = [5.0, *rng.uniform(40.0, 200.0, 7).tolist()]
    assert _weight(_assess(_clicks(rest_ms=hasty, clicks=8))) == 0.0


def test_a_slow_last_step_a_jump_or_a_coarse_clock_is_not_judged() -> None:
    """A press right after a slow creep (0.2 px/ms) is no press in motion; neither is one after a
    jump (a placed click's business), nor on a clock rounded to 100 ms, where press and move
    share a tick."""
    assert _weight(_assess(_clicks(rest_ms=0.0, step_px=2.0))) == 0.0
    assert _weight(_assess(_clicks(rest_ms=0.0, step_px=200.0))) == 0.0
    events = _clicks(rest_ms=30.0, step_px=80.0, step_ms=103.0)
    rounded = columns(np.floor(events.t_ms / 100.0) * 100.0, events.kind, events.x, events.y)
    assert _weight(_assess(rounded)) == 0.0


def test_lines_at_one_speed_clicked_at_once_are_flagged() -> None:
    """Long straight approaches at one speed, clicked the moment they end (no braking, and so
    not arriving faster than they went either), are flagged too."""
    assert _weight(_assess(bot_mouse_lines(step_ms=7.0))) == pytest.approx(2.5)


def test_approaches_arriving_at_speed_count_once() -> None:
    """Approaches that speed up to their target and are clicked at once also arrive at speed: the
    two findings say one thing and count as the stronger."""
    assessment = _assess(_clicks(rest_ms=3.0, moves=10, step_px=20.0, ease_in=True))
    arrival = _weight(assessment, "POINTER_ARRIVES_AT_SPEED")
    assert arrival > 0.0
    assert arrival + _weight(assessment) == pytest.approx(max(arrival, 2.5))


def _held_clicks(holds_ms: list[float]) -> EventColumns:
    """Clicks a second or so apart, each reached by a resting hand, held ``holds_ms``."""
    return _clicks(rest_ms=120.0, clicks=len(holds_ms), holds_ms=holds_ms)


@pytest.mark.parametrize(("clicks", "weight"), [(3, 1.0), (4, 1.5), (6, 2.0), (9, 2.0)])
def test_clicks_all_held_for_one_delay_are_flagged(clicks: int, weight: float) -> None:
    """A script's fixed 50 ms between press and release (to within a millisecond of timer
    jitter): the more clicks, the firmer, whatever the batching."""
    rng = np.random.default_rng(clicks)
    events = _held_clicks((50.0 + rng.uniform(-1.0, 1.0, clicks)).tolist())
    assert _weight(_assess(events), "BEHAVIOUR_CONSTANT_CLICK_HOLD") == pytest.approx(weight)
    cuts = [int(c) for c in rng.integers(1, 6, 10)]
    assert _weight(_assess(events, cuts), "BEHAVIOUR_CONSTANT_CLICK_HOLD") == pytest.approx(weight)


def test_a_fingers_holds_instant_clicks_and_coarse_clocks_are_not_judged() -> None:
    """A finger's holds (60-150 ms), two clicks alike and instant clicks (their own finding) give
    no constant-hold finding; nor does a clock rounded to 17 ms, where holds within a tick of
    each other read the same (here 95-105 ms holds all read 100)."""
    rng = np.random.default_rng(9)
    for events in (
        _held_clicks(rng.uniform(60.0, 150.0, 8).tolist()),
        _held_clicks([50.0, 50.5]),
        _held_clicks([1.0, 1.2, 0.8, 1.1]),
    ):
        assert _weight(_assess(events), "BEHAVIOUR_CONSTANT_CLICK_HOLD") == 0.0
    tick = 1000.0 / 60.0
    events = _held_clicks(rng.uniform(95.0, 105.0, 6).tolist())
    rounded = np.round(events.t_ms / tick) * tick
    down = np.flatnonzero(events.kind == _DOWN)
    rounded[down + 1] = rounded[down] + 6 * tick  # (each release in the tick nearest 100 ms on)
    assert (
        _weight(_assess(columns(rounded, events.kind, events.x, events.y)), "BEHAVIOUR_CONSTANT_CLICK_HOLD")
        == 0.0
    )


def test_voice_controls_clicks_held_alike_count_once_with_clicks_without_movement() -> None:
    """Voice control clicks where it is told, without moving the pointer, with one fixed hold:
    the two findings count as the stronger, and stay below HIGH on a login."""
    clicks = merge(
        *(
            columns([t, t + 90.0], [_DOWN, _UP], [640.0, 640.0], [400.0, 400.0])
            for t in range(3000, 12000, 1500)
        )
    )
    assessment = assess_in_batches(ENGINE, clicks, "login", CLEAN_CHROME)
    held_alike = _weight(assessment, "BEHAVIOUR_CONSTANT_CLICK_HOLD")
    without_movement = _weight(assessment, "BEHAVIOUR_CLICKS_WITHOUT_MOVEMENT")
    assert without_movement > 0.0
    assert held_alike + without_movement == pytest.approx(2.0)
    assert assessment.risk_level < RiskLevel.HIGH
