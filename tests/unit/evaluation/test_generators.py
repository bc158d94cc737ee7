"""Bot generators give the same valid login sessions for the same seed, through real libraries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from botsift_server.engine import EventKind, KeyClass
from botsift_server.evaluation import (
    GENERATOR_NAMES,
    GENERATORS,
    Bot,
    Trace,
    generate,
    import_dataset,
    trace_to_dict,
)

TYPING_ONLY = {name for name, bot in GENERATORS.items() if isinstance(bot, Bot) and bot.pointer is None}


def _valid(trace: Trace) -> None:
    ev = trace.events
    assert len(ev) > 0
    assert ev.t_ms[0] == 0.0
    assert np.all(np.diff(ev.t_ms) >= 0)
    assert np.all(np.isfinite(ev.x))
    assert np.all(np.isfinite(ev.y))
    assert trace.label == "bot"
    keys = ev.kind[(ev.kind == EventKind.KEY_DOWN) | (ev.kind == EventKind.KEY_UP)]
    assert np.count_nonzero(keys == EventKind.KEY_DOWN) == np.count_nonzero(keys == EventKind.KEY_UP) > 5
    assert np.all(ev.key_class[ev.kind == EventKind.KEY_DOWN] > 0)


@pytest.fixture(scope="module")
def human(fixtures_dir: Path) -> list[Trace]:
    return list(import_dataset("balabit-movements", fixtures_dir / "balabit-mouse-training.tar.xz"))


@pytest.fixture(scope="module")
def fixtures_dir() -> Path:
    return Path(__file__).parent / "data"


@pytest.mark.parametrize("name", GENERATOR_NAMES)
def test_a_seed_gives_the_same_valid_sessions_every_time(name: str, human: list[Trace]) -> None:
    first = list(generate(name, 3, seed=7, human=human))
    again = list(generate(name, 3, seed=7, human=human))
    assert [trace_to_dict(t) for t in first] == [trace_to_dict(t) for t in again]
    assert len(first) == 3
    for i, trace in enumerate(first):
        _valid(trace)
        # Each session is its own person, so a person split spreads a generator over both parts.
        assert trace.person == trace.session_id == f"generated/{name}/seed7/{i}"
        assert trace.source == f"generated/{name}"
    if name not in TYPING_ONLY:
        kinds = first[0].events.kind
        # User name field, password field, submit button: three clicks, moves before each.
        assert np.count_nonzero(kinds == EventKind.DOWN) == 3
        assert np.count_nonzero(kinds == EventKind.UP) == 3
        assert np.count_nonzero(kinds == EventKind.MOVE) >= 3
        assert first[0].device.user_agent


@pytest.mark.parametrize("name", ["lognormal", "ghost-cursor", "humantyping"])
def test_another_seed_gives_other_sessions(name: str) -> None:
    a = next(iter(generate(name, 1, seed=1)))
    b = next(iter(generate(name, 1, seed=2)))
    assert not np.array_equal(a.events.t_ms, b.events.t_ms)


def test_replay_needs_human_movements() -> None:
    with pytest.raises(ValueError, match="human traces"):
        list(generate("replay", 1, seed=1, human=[]))


def test_an_unknown_generator_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="ghost-cursor"):
        list(generate("selenium-magic", 1, seed=1))


def _strokes(trace: Trace) -> list[np.ndarray]:
    """The moves before each press, as ``(t, x, y)`` rows."""
    ev = trace.events
    out, start = [], 0
    for down in np.flatnonzero(ev.kind == EventKind.DOWN).tolist():
        moves = np.flatnonzero(ev.kind[start:down] == EventKind.MOVE) + start
        out.append(np.column_stack((ev.t_ms[moves], ev.x[moves], ev.y[moves])))
        start = down + 1
    return out


def test_pyhm_walks_its_spline_one_pixel_at_a_time_fractions_of_a_millisecond_apart() -> None:
    # pyHM's own code on a virtual clock: 1,920 spline points cut to whole pixels, repeated
    # positions making no event, a busy loop between warps.
    for trace in generate("pyhm", 3, seed=5):
        for stroke in _strokes(trace)[1:]:  # the first starts where the session put the pointer
            steps = np.abs(np.diff(stroke[:, 1:], axis=0)).max(axis=1)
            assert np.mean(steps == 1.0) > 0.9
            assert np.all(steps <= 3.0)  # long paths outrun 1,920 points
            assert np.median(np.diff(stroke[:, 0])) < 4.0
            assert np.all(stroke[:, 1:] == np.round(stroke[:, 1:]))


def test_mousehumanizer_sends_its_bezier_points_one_per_sleep() -> None:
    # mousehumanizer's controller: 30-60 points (more with an overshoot or a fidget), one per
    # sleep of 2-8 ms, whole pixels, and an instant click where the last left the pointer.
    for trace in generate("mousehumanizer", 3, seed=5):
        ev = trace.events
        for stroke in _strokes(trace):
            assert len(stroke) >= 20
            gaps = np.diff(stroke[1:, 0])  # from its first point, set the moment the move begins
            assert np.all(gaps >= 2.0)
            assert np.median(gaps) <= 8.5
            assert np.all(stroke[:, 1:] == np.round(stroke[:, 1:]))
        holds = ev.t_ms[ev.kind == EventKind.UP] - ev.t_ms[ev.kind == EventKind.DOWN]
        assert np.all(holds < 1.5)


def test_smart_mouse_replays_its_recorded_strokes_at_their_own_pace() -> None:
    # smart-mouse lays one of the strokes it ships along the line to the target and sleeps each
    # recorded interval (at least 1 ms; its recordings are a 1 kHz mouse's): whole pixels, the
    # last move on the target, where the click (released at once) lands.
    for trace in generate("smart-mouse", 3, seed=5):
        ev = trace.events
        downs = np.flatnonzero(ev.kind == EventKind.DOWN)
        for stroke, down in zip(_strokes(trace)[1:], downs[1:].tolist(), strict=True):
            assert len(stroke) >= 5
            gaps = np.diff(stroke[1:, 0])
            assert np.all(gaps >= 1.0)
            assert np.median(gaps) < 4.5
            assert np.all(stroke[:, 1:] == np.round(stroke[:, 1:]))
            assert (stroke[-1, 1], stroke[-1, 2]) == (ev.x[down], ev.y[down])
        holds = ev.t_ms[ev.kind == EventKind.UP] - ev.t_ms[ev.kind == EventKind.DOWN]
        assert np.all(holds < 1.5)


def test_naturalmouse_steps_on_a_fixed_period_and_corrects_its_overshoots_after_a_pause() -> None:
    # NaturalMouseMotion (Java) on a virtual clock: each part of a move takes equal-time steps
    # (whole pixels; a step that changes no pixel makes no event, so gaps are whole multiples of
    # the period), and a move comes as a main part and its overshoots, each corrected after a
    # 20-140 ms reaction pause; the last step lands on the target, where the click is.
    corrected = strokes = 0
    for trace in generate("naturalmouse", 3, seed=5):
        ev = trace.events
        downs, _ = _clicks(trace)
        for stroke, down in zip(_strokes(trace)[1:], downs[1:].tolist(), strict=True):
            assert len(stroke) >= 10
            assert np.all(stroke[:, 1:] == np.round(stroke[:, 1:]))
            assert (stroke[-1, 1], stroke[-1, 2]) == (ev.x[down], ev.y[down])
            gaps = np.diff(stroke[1:, 0])
            period = np.median(gaps)
            assert period >= 4.0
            off_beat = np.abs(gaps - np.maximum(np.round(gaps / period), 1.0) * period)
            assert np.mean(off_beat <= 1.2) >= 0.9
            corrected += int(np.count_nonzero((gaps >= 20.0) & (gaps <= 145.0)) >= 2)
            strokes += 1
    assert corrected >= strokes - 1


def _keys(trace: Trace) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each key's press and release times and class, in press order (a key is released before
    it is pressed again)."""
    ev = trace.events
    downs, ups, classes = [], [], []
    released: set[int] = set()
    for down in np.flatnonzero(ev.kind == EventKind.KEY_DOWN).tolist():
        up = next(
            i
            for i in np.flatnonzero(ev.kind == EventKind.KEY_UP).tolist()
            if i > down and i not in released and ev.key_class[i] == ev.key_class[down]
        )
        released.add(up)
        downs.append(ev.t_ms[down])
        ups.append(ev.t_ms[up])
        classes.append(ev.key_class[down])
    return np.array(downs), np.array(ups), np.array(classes)


def _clicks(trace: Trace) -> tuple[np.ndarray, np.ndarray]:
    """Each click's press index and hold (ms)."""
    ev = trace.events
    downs = np.flatnonzero(ev.kind == EventKind.DOWN)
    return downs, ev.t_ms[ev.kind == EventKind.UP] - ev.t_ms[downs]


def test_cloakbrowser_human_moves_in_bursts_and_holds_its_clicks_and_keys() -> None:
    # cloakbrowser-human's own page.type and page.click: a Bezier of 25-80 steps (and a 15%
    # overshoot and return) in whole pixels, sent in bursts of 3-5 moves with nothing but the
    # DevTools round trip between them and 8-18 ms between bursts; clicks held 40-100 ms on a field
    # and 60-150 ms on the button; keys held 15-35 ms (each plus a round trip of at most 3 ms).
    for trace in generate("cloakbrowser-human", 3, seed=5):
        for i, stroke in enumerate(_strokes(trace)):
            path = stroke[1:] if i == 0 else stroke  # its first action puts the pointer below the address bar
            assert 26 <= len(path) <= 83
            assert np.all(path[:, 1:] == np.round(path[:, 1:]))
            gaps = np.diff(path[:, 0])
            assert np.all((gaps <= 3.0) | (gaps >= 8.0))
            runs = np.diff(np.flatnonzero(np.concatenate(([True], gaps >= 8.0, [True]))))
            assert len(runs) >= 5
            assert len(set(runs[:-2].tolist())) == 1
            assert 3 <= runs[0] <= 5
        _, holds = _clicks(trace)
        assert np.all((holds[:2] >= 40.0) & (holds[:2] <= 103.0))
        assert 60.0 <= holds[2] <= 153.0
        downs, ups, classes = _keys(trace)
        held = (ups - downs)[classes != KeyClass.MODIFIER]
        assert np.all((held >= 15.0) & (held <= 38.0))


def test_cursor_humanizer_sends_its_curve_back_to_back_then_playwright_clicks_the_centre() -> None:
    # cursor-humanizer: 35-79 points a stroke (the first from (0, 0), where the cursor starts), one
    # page.mouse.move each with no sleep, so only round trips apart; Playwright's element click
    # then waits for the element to settle, moves straight to its centre (the two stacked fields
    # share one centre x, 60 px apart) and holds the button 40-60 ms. human-typer types: keys held
    # one round trip.
    for trace in generate("cursor-humanizer", 3, seed=5):
        ev = trace.events
        strokes = _strokes(trace)
        assert (strokes[0][0, 1], strokes[0][0, 2]) == (0.0, 0.0)
        downs, holds = _clicks(trace)
        for i, (stroke, down) in enumerate(zip(strokes, downs.tolist(), strict=True)):
            path = stroke[1 if i == 0 else 0 : -1]
            assert 35 <= len(path) <= 79
            assert np.all(np.diff(path[:, 0]) <= 3.0)
            assert stroke[-1, 0] - path[-1, 0] >= 33.0
            assert (ev.x[down], ev.y[down]) == (stroke[-1, 1], stroke[-1, 2])
        assert ev.x[downs[0]] == ev.x[downs[1]]
        assert ev.y[downs[1]] - ev.y[downs[0]] == pytest.approx(60.0)
        assert np.all((holds >= 40.0) & (holds <= 63.0))
        downs_t, ups_t, _ = _keys(trace)
        assert np.all(ups_t - downs_t <= 3.0)


def test_humanmovemouse_sets_its_model_points_crowded_in_time_at_both_ends() -> None:
    # HumanMoveMouse: 100 points (fewer moves where whole pixels repeat) slept between by a
    # minimum-jerk profile: the middle third of the points takes 58% of the stroke's time (about
    # 47% of the moves recorded, a third when evenly timed), and they come under a millisecond
    # apart at the end. Its click follows the last move by 50-150 ms and is released at once, as
    # human-keyboard's keys are.
    middle = []
    for trace in generate("humanmovemouse", 3, seed=5):
        ev = trace.events
        downs, holds = _clicks(trace)
        for stroke, down in zip(_strokes(trace), downs.tolist(), strict=True):
            assert len(stroke) <= 100
            assert np.all(stroke[:, 1:] == np.round(stroke[:, 1:]))
            t = stroke[:, 0] - stroke[0, 0]
            assert t[-1] - t[-2] < 1.0
            n = len(t) - 1
            middle.append((t[2 * n // 3] - t[n // 3]) / t[-1])
            assert 50.0 <= ev.t_ms[down] - stroke[-1, 0] <= 150.0
        assert np.all(holds < 1.5)
        key_downs, key_ups, classes = _keys(trace)
        assert np.all((key_ups - key_downs)[classes != KeyClass.MODIFIER] <= 1.0)
    assert np.mean(middle) > 0.42


def test_cloakbrowser_typist_holds_each_key_15_to_35_ms_then_waits_30_to_110_or_400_to_1000() -> None:
    # human_type: down, 15-35 ms, up (the round trip of each call, at most 3 ms, added), then a
    # 30-110 ms wait or, one time in ten, a 400-1000 ms pause.
    pauses = 0
    for trace in generate("cloakbrowser-typist", 3, seed=5):
        downs, ups, classes = _keys(trace)
        held = (ups - downs)[classes != KeyClass.MODIFIER]
        assert np.all((held >= 15.0) & (held <= 38.0))
        waits = downs[1:] - ups[:-1]
        assert np.all(((waits >= 30.0) & (waits <= 114.0)) | ((waits >= 400.0) & (waits <= 1004.0)))
        pauses += int(np.count_nonzero(waits >= 400.0))
    assert pauses >= 3


def test_human_keyboard_releases_at_once_and_dwells_after_the_first_letter_of_a_word() -> None:
    # human-keyboard presses and releases each key at once (an OS injection, at most 1 ms) and sleeps
    # each character's delay after typing it: a word's first letter carries its ~150 ms thinking delay.
    after_first: list[float] = []
    after_other: list[float] = []
    for trace in generate("human-keyboard", 3, seed=5):
        downs, ups, classes = _keys(trace)
        assert np.all((ups - downs)[classes != KeyClass.MODIFIER] <= 1.0)
        gaps = np.diff(downs)
        for k in range(1, len(classes) - 1):
            if classes[k] == KeyClass.LETTER:
                (after_first if classes[k - 1] == KeyClass.SPACE else after_other).append(gaps[k])
    assert np.median(after_first) > np.median(after_other) + 80.0


def test_keyboardhumanizer_releases_at_once_and_keeps_to_its_133_ms_beat() -> None:
    # keyboardhumanizer's casual profile: 90 words a minute, a sleep of 133 ms ±30% before each key
    # (up to 1.4x on awkward pairs), pynput pressing and releasing it at once.
    gaps = []
    for trace in generate("keyboardhumanizer", 3, seed=5):
        downs, ups, _ = _keys(trace)
        assert np.all(ups - downs <= 1.0)
        gaps.append(np.diff(downs))
    on_beat = (np.concatenate(gaps) >= 93.0) & (np.concatenate(gaps) <= 245.0)
    assert np.mean(on_beat) >= 0.8  # the rest: pauses before words, typos and their corrections


def test_human_typer_types_each_key_through_playwright_99_to_395_ms_apart() -> None:
    # human-typer's Playwright mode: locator.type per character, a key held one DevTools round
    # trip (0.3-3 ms), then a sleep of 99-395 ms, or 400-500 ms around a typo's Backspace.
    for trace in generate("human-typer", 3, seed=5):
        downs, ups, _ = _keys(trace)
        assert np.all((ups - downs >= 0.3) & (ups - downs <= 3.0))
        waits = downs[1:] - ups[:-1]
        assert np.all((waits >= 99.0) & (waits <= 510.0))


def test_nothingtoseehere_clicks_after_a_dwell_clears_each_field_and_releases_each_key_before_the_next() -> (
    None
):
    # nothingtoseehere's fill_input and click_element: strokes in whole pixels; each press comes
    # after a 100-800 ms dwell and is held 50-350 ms; each field is cleared with Ctrl+A (Ctrl, then
    # A 20-50 ms later) and Backspace before it is typed; letters are held 40-150 ms, and a key is
    # pressed only after the one before it is released (Ctrl+A and pyautogui's Shift aside).
    for trace in generate("nothingtoseehere", 3, seed=5):
        ev = trace.events
        downs, holds = _clicks(trace)
        assert len(downs) == 3
        assert np.all((holds >= 50.0) & (holds <= 351.0))
        for stroke, down in zip(_strokes(trace), downs.tolist(), strict=True):
            assert np.all(stroke[:, 1:] == np.round(stroke[:, 1:]))
            assert ev.t_ms[down] - stroke[-1, 0] >= 100.0
        pressed, released, classes = _keys(trace)
        for down in downs[:2].tolist():
            first = np.flatnonzero(pressed > ev.t_ms[down])[:3]
            assert classes[first].tolist() == [KeyClass.MODIFIER, KeyClass.LETTER, KeyClass.BACKSPACE]
            assert 20.0 <= pressed[first[1]] - pressed[first[0]] <= 51.0
        modifier = classes == KeyClass.MODIFIER
        typed = np.flatnonzero(~modifier & ~np.concatenate(([False], modifier[:-1])))  # no A of Ctrl+A
        held = (released - pressed)[typed]
        assert np.all((held >= 40.0) & (held <= 151.0))
        assert np.all(pressed[typed][1:] - released[typed][:-1] >= 30.0)


def test_nothingtoseehere_typist_holds_each_key_40_to_150_ms_then_waits_at_least_30() -> None:
    # NeuromotorKeyboard.type_text: down, hold N(80, 20) ms kept to 40-150, up, then an interval of
    # at least 30 ms (plus pauses); a shifted character inside pyautogui's own Shift press.
    for trace in generate("nothingtoseehere-typist", 3, seed=5):
        pressed, released, classes = _keys(trace)
        keys = classes != KeyClass.MODIFIER
        held = (released - pressed)[keys]
        assert np.all((held >= 40.0) & (held <= 152.0))
        assert np.all(pressed[keys][1:] - released[keys][:-1] >= 30.0)
