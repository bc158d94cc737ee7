"""Bot generators give the same valid login sessions for the same seed, through real libraries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from botsift_server.engine import EventKind
from botsift_server.evaluation import (
    GENERATOR_NAMES,
    GENERATORS,
    Trace,
    generate,
    import_dataset,
    trace_to_dict,
)

TYPING_ONLY = {name for name, bot in GENERATORS.items() if bot.pointer is None}


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
