"""Pointer moves denser than any delivery the engine was calibrated on are judged as a 250 Hz
device would deliver them (``engine.sampling``), whatever cut them into batches; presses, lone
close pairs of moves and moves stamped at one instant by a coarse clock are never dropped, and
counts keep every event."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from botsift_server.engine import Assessment, Engine, EventColumns, EventKind, SessionContext
from botsift_server.engine.sampling import MIN_MOVE_INTERVAL_MS

from .traces import CLEAN_CHROME, columns, human_mouse, human_strokes, merge, sample_traces, split

ENGINE = Engine()
_MOVE, _DOWN, _UP = int(EventKind.MOVE), int(EventKind.DOWN), int(EventKind.UP)


def _injected(seed: int, strokes: int = 3) -> EventColumns:
    """A desktop library's raw stream: each stroke a bowed curve walked one pixel at a time, a
    move every 0.2-1 ms (a mouse reports at most every 1 ms), then an instant click."""
    rng = np.random.default_rng(seed)
    t, kinds, xs, ys = [], [], [], []
    now, x, y = 500.0, 200.0, 300.0
    for _ in range(strokes):
        tx, ty = x + rng.uniform(-400, 400), y + rng.uniform(-250, 250)
        length = float(np.hypot(tx - x, ty - y))
        u = np.linspace(0.0, 1.0, int(length * 3))
        bow = rng.uniform(-0.2, 0.2) * length * np.sin(np.pi * u)
        px = np.floor(x + (tx - x) * u - (ty - y) / length * bow)
        py = np.floor(y + (ty - y) * u + (tx - x) / length * bow)
        moved = np.flatnonzero((np.diff(px) != 0) | (np.diff(py) != 0)) + 1
        gap = rng.uniform(0.2, 1.0)
        for i in moved.tolist():
            now += gap * (1 + int(px[i] != px[i - 1] and py[i] != py[i - 1]))
            t.append(now)
            kinds.append(_MOVE)
            xs.append(float(px[i]))
            ys.append(float(py[i]))
        x, y = xs[-1], ys[-1]
        now += 0.5
        t += [now, now + 0.8]
        kinds += [_DOWN, _UP]
        xs += [x, x]
        ys += [y, y]
        now += rng.uniform(300.0, 900.0)
    return columns(t, kinds, xs, ys)


def _thinned(events: EventColumns) -> EventColumns:
    """What the detectors should see: a move of a dense run (it and the move before it each came
    within the interval of their predecessor) kept only if it comes at least the interval after
    the last kept one, or if a press or release comes right after it."""
    keep = np.ones(len(events), bool)
    moves = np.flatnonzero(events.kind == _MOVE)
    t = events.t_ms[moves]
    last = -np.inf
    for i, row in enumerate(moves.tolist()):
        close = [0.0 < t[j] - t[j - 1] < MIN_MOVE_INTERVAL_MS if j >= 1 else False for j in (i - 1, i)]
        pressed_next = row + 1 < len(events) and int(events.kind[row + 1]) in (_DOWN, _UP)
        if all(close) and t[i] - last < MIN_MOVE_INTERVAL_MS and not pressed_next:
            keep[row] = False
        else:
            last = t[i]
    return events.take(keep)


def _browser_person(strokes: int) -> EventColumns:
    """A person's strokes as a 60 Hz browser page delivered them (DELBOT, one after another)."""
    parts = human_strokes("delbot/human/pc1")[:strokes]
    starts = np.cumsum([0.0] + [float(p.t_ms[-1] - p.t_ms[0]) + 800.0 for p in parts[:-1]])
    return merge(
        *(columns(p.t_ms - p.t_ms[0] + t0, p.kind, p.x, p.y) for p, t0 in zip(parts, starts, strict=True))
    )


def _assess(events: EventColumns, cuts: list[int] | None = None) -> Assessment:
    state = ENGINE.start(SessionContext(action="login", device=CLEAN_CHROME))
    for batch in split(events, cuts) if cuts else [events]:
        ENGINE.add(state, batch)
    return ENGINE.assess(state)


def _verdict(a: Assessment) -> tuple[float, list[tuple[str, float]]]:
    return a.score, [(r.code, r.weight) for r in a.reasons]


def test_an_injected_stream_is_judged_as_a_250_hz_device_would_deliver_it() -> None:
    dense = _injected(1)
    sparse = _thinned(dense)
    assert len(sparse) < len(dense) / 4  # the stream really is denser than the engine judges
    raw, thinned = _assess(dense), _assess(sparse)
    assert _verdict(raw) == _verdict(thinned)
    # The counts are of what the client sent, not of what the detectors read.
    assert raw.counts.total == len(dense)
    assert raw.counts.pointer == len(dense)


def test_a_press_is_judged_from_where_the_pointer_really_was() -> None:
    # The last move of a dense run, right before the press, is kept even when it came in the
    # batch before the press: the press is not taken for a click without an approach.
    dense = _injected(3)
    presses = np.flatnonzero(dense.kind == _DOWN)
    for cut in presses.tolist():
        state = ENGINE.start(SessionContext(device=CLEAN_CHROME))
        for batch in split(dense, [cut]):
            ENGINE.add(state, batch)
        _, x, y, k = state.pointer_window.columns()
        before = np.flatnonzero(k == _DOWN)
        assert np.all(k[before - 1] == _MOVE)
        assert np.array_equal(x[before - 1], x[before])
        assert np.array_equal(y[before - 1], y[before])
        assert _verdict(ENGINE.assess(state)) == _verdict(_assess(dense))


def test_a_curve_walked_pixel_by_pixel_does_not_pass_for_a_hand() -> None:
    # Event by event, one-pixel steps a fraction of a millisecond apart hide the even pace; as a
    # device delivers them the pace shows, with the clicks released at once.
    scores = [_assess(_injected(seed)).score for seed in range(6)]
    assert min(scores) >= 0.8, scores


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 400), min_size=1, max_size=6))
def test_what_is_dropped_does_not_depend_on_how_the_stream_is_cut(cuts: list[int]) -> None:
    dense = _injected(2, strokes=2)
    assert _verdict(_assess(dense, cuts)) == _verdict(_assess(dense))


def test_moves_a_coarse_clock_stamps_at_one_instant_are_all_judged() -> None:
    # A privacy browser's 100 ms clock: a person's moves share their tick's time.
    person = human_mouse(np.random.default_rng(3), strokes=6)
    coarse = columns(np.floor(person.t_ms / 100.0) * 100.0, person.kind, person.x, person.y, person.key_class)
    state = ENGINE.start(SessionContext(device=CLEAN_CHROME))
    ENGINE.add(state, coarse)
    assert len(state.pointer_window) == len(coarse)


def test_presses_and_releases_are_never_dropped() -> None:
    dense = _injected(4)
    state = ENGINE.start(SessionContext(device=CLEAN_CHROME))
    ENGINE.add(state, dense)
    assert state.clicks_released == 3
    assert state.clicks_instant == 3


def test_a_delivery_the_engine_knows_is_judged_whole() -> None:
    # DELBOT's people through a 60 Hz browser page: nothing is dropped.
    person = _browser_person(8)
    assert len(_thinned(person)) == len(person)
    state = ENGINE.start(SessionContext(device=CLEAN_CHROME))
    ENGINE.add(state, person)
    assert len(state.pointer_window) == len(person)


def test_a_lone_close_pair_of_moves_is_judged_whole() -> None:
    # A browser flushes its pending move before a press; a logger stamps two moves 1 ms apart;
    # a replayer's millisecond of jitter must not decide which of a recording's points count.
    person = _browser_person(12)
    moves = np.flatnonzero(person.kind == _MOVE)
    t = person.t_ms.copy()
    gaps = np.diff(t[moves])
    # Every seventh move whose neighbours are 8 ms or more away: half a millisecond after the last.
    lone = [i for i in range(10, len(moves) - 1, 7) if gaps[i - 1] >= 8.0 and gaps[i] >= 8.0]
    assert len(lone) >= 20
    t[moves[lone]] = t[moves[lone] - 1] + 0.5
    paired = columns(t, person.kind, person.x, person.y)
    assert len(_thinned(paired)) == len(paired)
    state = ENGINE.start(SessionContext(device=CLEAN_CHROME))
    ENGINE.add(state, paired)
    assert len(state.pointer_window) == len(paired)


def test_a_batch_whose_every_move_is_dropped_still_counts() -> None:
    dense = _injected(6, strokes=1)
    state = ENGINE.start(SessionContext(device=CLEAN_CHROME))
    for batch in split(dense, [1] * (len(dense) - 1)):
        ENGINE.add(state, batch)
    assert state.event_count == len(dense)
    assert state.last_t_ms == float(dense.t_ms[-1])
    assert ENGINE.assess(state).counts.pointer == len(dense)


def test_every_move_of_the_people_recorded_is_judged() -> None:
    # DELBOT's people in browsers, on fast mice, touchpads and in a virtual machine: their close
    # intervals stand alone, so the detectors see every move they made.
    people = [t for t in sample_traces() if t.label == "human" and np.any(t.events.kind == _MOVE)]
    assert len({t.source for t in people}) >= 5
    for trace in people:
        state = ENGINE.start(trace.context)
        ENGINE.add(state, trace.events)
        judged = state.pointer_window.columns()[3]
        assert np.count_nonzero(judged == _MOVE) == np.count_nonzero(trace.events.kind == _MOVE), (
            trace.session_id
        )
