"""Replay detection: a session that repeats an earlier session's trajectory or typing rhythm,
moved, turned, resized, stretched in time and with a few px and ms of noise, is flagged HIGH or
worse; different people (and the same person again) are not; the index stays bounded."""

from __future__ import annotations

import numpy as np
import pytest

from botsift_server.engine import (
    Engine,
    EngineConfig,
    EventColumns,
    EventKind,
    ReplayIndex,
    RiskLevel,
    SessionContext,
)
from botsift_server.engine.replay import STROKE_POINTS, TIMED_EVENTS, Fingerprint, fingerprint

from .traces import columns, human_strokes, human_typing, merge, mouse_keys, sample_traces

ENGINE = Engine(EngineConfig())
REPLAY_CODES = {"POINTER_REPLAYED_TRAJECTORY", "KEYS_REPLAYED_RHYTHM"}


def _session(strokes: list[EventColumns], skip_first: bool = False) -> EventColumns:
    """Recorded strokes one after another, a pause and a click between them (``skip_first``:
    each without its first move, as a replayer that starts every copy where the pointer is)."""
    t: list[float] = []
    k: list[int] = []
    x: list[float] = []
    y: list[float] = []
    now = 0.0
    for ev in strokes:
        moves = ev.kind == int(EventKind.MOVE)
        if skip_first:
            moves[np.flatnonzero(moves)[0]] = False
        st = ev.t_ms[moves] - ev.t_ms[moves][0]
        t.extend((now + st).tolist())
        k.extend([int(EventKind.MOVE)] * int(moves.sum()))
        x.extend(ev.x[moves].astype(float).tolist())
        y.extend(ev.y[moves].astype(float).tolist())
        now += float(st[-1]) + 150.0
        t.extend([now, now + 90.0])
        k.extend([int(EventKind.DOWN), int(EventKind.UP)])
        x.extend([float(ev.x[moves][-1])] * 2)
        y.extend([float(ev.y[moves][-1])] * 2)
        now += 900.0
    return columns(t, k, x, y)


def _jittered(cols: EventColumns, rng: np.random.Generator, shift: tuple[float, float]) -> EventColumns:
    """The same events moved across the screen, with +-1 px and ~1 ms of noise (a replayer)."""
    n = len(cols)
    t = np.maximum.accumulate(np.maximum(cols.t_ms + rng.normal(0.0, 1.0, n), 0.0))
    x = cols.x + shift[0] + rng.uniform(-1.0, 1.0, n)
    y = cols.y + shift[1] + rng.uniform(-1.0, 1.0, n)
    return EventColumns(t, cols.kind, x.astype(np.float32), y.astype(np.float32), cols.button, cols.key_class)


def _transformed(
    cols: EventColumns,
    rng: np.random.Generator,
    *,
    turn_deg: float,
    scale: float,
    stretch: float,
    jitter_px: float,
    jitter_ms: float,
) -> EventColumns:
    """A replayer fitting a recording to a new page: turned and resized about its first event,
    moved, stretched in time, with uniform +-``jitter_px`` and normal ``jitter_ms`` noise."""
    n = len(cols)
    z = (cols.x - cols.x[0]) + 1j * (cols.y - cols.y[0])
    z = z * scale * np.exp(1j * np.deg2rad(turn_deg)) + complex(400.0, 300.0)
    x = z.real + rng.uniform(-jitter_px, jitter_px, n)
    y = z.imag + rng.uniform(-jitter_px, jitter_px, n)
    t = np.maximum.accumulate(np.maximum(cols.t_ms * stretch + rng.normal(0.0, jitter_ms, n), 0.0))
    return EventColumns(t, cols.kind, x.astype(np.float32), y.astype(np.float32), cols.button, cols.key_class)


def _typed(presses: np.ndarray) -> EventColumns:
    """Key presses at these times, each held 90 ms."""
    n = presses.shape[0]
    return merge(
        columns(presses, np.full(n, int(EventKind.KEY_DOWN)), key_class=np.ones(n)),
        columns(presses + 90.0, np.full(n, int(EventKind.KEY_UP)), key_class=np.ones(n)),
    )


_ids = iter(range(1_000_000))


def _codes(
    events: EventColumns, index: ReplayIndex, remember: bool = True, session_id: str | None = None
) -> set[str]:
    """Reason codes of a final verdict against ``index`` (a fresh session id unless given)."""
    sid = session_id if session_id is not None else f"session-{next(_ids)}"
    state = ENGINE.start(SessionContext())
    ENGINE.add(state, events)
    return {r.code for r in ENGINE.assess(state, replay=index, session_id=sid, remember=remember).reasons}


def _verdict(
    events: EventColumns, index: ReplayIndex, session_id: str = "replayer"
) -> tuple[RiskLevel, set[str]]:
    """Risk level and reason codes of a login's final verdict against ``index`` (not remembered)."""
    state = ENGINE.start(SessionContext(action="login"))
    ENGINE.add(state, events)
    assessment = ENGINE.assess(state, replay=index, session_id=session_id)
    return assessment.risk_level, {r.code for r in assessment.reasons}


def test_a_jittered_shifted_replay_of_a_human_trajectory_is_flagged_high() -> None:
    rng = np.random.default_rng(1)
    index = ReplayIndex()
    original = _session(human_strokes("delbot/human/pc2")[:6])
    assert not (_codes(original, index) & REPLAY_CODES)
    level, codes = _verdict(_jittered(original, rng, (137.0, -58.0)), index)
    assert "POINTER_REPLAYED_TRAJECTORY" in codes
    assert level >= RiskLevel.HIGH


def test_a_replay_turned_resized_stretched_3_percent_with_a_few_px_of_jitter_is_flagged_high() -> None:
    rng = np.random.default_rng(11)
    index = ReplayIndex()
    original = _session(human_strokes("delbot/human/pc2")[:6])
    _codes(original, index)
    replayed = _transformed(
        original, rng, turn_deg=23.0, scale=0.85, stretch=1.03, jitter_px=2.0, jitter_ms=1.0
    )
    level, codes = _verdict(replayed, index)
    assert "POINTER_REPLAYED_TRAJECTORY" in codes
    assert level >= RiskLevel.HIGH


def test_single_recorded_movements_replayed_from_where_the_pointer_is_are_flagged_high() -> None:
    # A stitched replayer starts each copied movement at the pointer, so the recording's first
    # move of each is missing from the copy.
    rng = np.random.default_rng(12)
    index = ReplayIndex()
    pool = human_strokes("delbot/human/vm")
    for i in range(0, 9, 3):
        _codes(_session(pool[i : i + 3]), index)
    stitched = _session([pool[1], pool[5], pool[7]], skip_first=True)
    replayed = _transformed(
        stitched, rng, turn_deg=-40.0, scale=1.3, stretch=0.98, jitter_px=1.0, jitter_ms=1.0
    )
    level, codes = _verdict(replayed, index)
    assert "POINTER_REPLAYED_TRAJECTORY" in codes
    assert level >= RiskLevel.HIGH


def test_a_small_movement_replayed_with_a_pixel_of_noise_is_flagged_high() -> None:
    # A replayer's noise is pixels, not a share of the movement: +-1 px is a few percent of a
    # stroke whose points spread 25-40 px (a 90-140 px movement), more than people's strokes
    # differ in share, so a share-only tolerance let most of these replays through.
    tried = caught = 0
    for source in ("delbot/human/pc1", "delbot/human/vm"):
        for stroke in human_strokes(source)[:6]:
            small = _transformed(
                _session([stroke]),
                np.random.default_rng(0),
                turn_deg=0.0,
                scale=0.3,
                stretch=1.0,
                jitter_px=0.0,
                jitter_ms=0.0,
            )
            state = ENGINE.start(SessionContext())
            ENGINE.add(state, small)
            spreads = fingerprint(state, ENGINE.config.segment_gap_ms).spreads
            if not (spreads.shape[0] and spreads.min() >= 25.0 and spreads.max() <= 40.0):
                continue
            index = ReplayIndex()
            _codes(small, index)
            for seed in range(1, 6):
                replayed = _transformed(
                    small,
                    np.random.default_rng(seed),
                    turn_deg=30.0,
                    scale=1.1,
                    stretch=1.0,
                    jitter_px=1.0,
                    jitter_ms=1.0,
                )
                level, codes = _verdict(replayed, index)
                tried += 1
                caught += level >= RiskLevel.HIGH and "POINTER_REPLAYED_TRAJECTORY" in codes
    assert tried >= 20
    assert caught >= 0.9 * tried


def test_another_persons_movement_between_the_same_points_in_the_same_time_is_not_a_replay() -> None:
    # Another hand's stroke, fitted onto this one's start, end and duration: similar, not a copy.
    index = ReplayIndex()
    mine = human_strokes("delbot/human/pc2")[:6]
    _codes(_session(mine), index)
    theirs = human_strokes("delbot/human/pc1")[:6]
    fitted = []
    for a, b in zip(mine, theirs, strict=True):
        am, bm = a.kind == int(EventKind.MOVE), b.kind == int(EventKind.MOVE)
        za = a.x[am].astype(float) + 1j * a.y[am].astype(float)
        zb = b.x[bm].astype(float) + 1j * b.y[bm].astype(float)
        zb = za[0] + (zb - zb[0]) * (za[-1] - za[0]) / (zb[-1] - zb[0])
        tb = b.t_ms[bm] - b.t_ms[bm][0]
        tb = tb * (a.t_ms[am][-1] - a.t_ms[am][0]) / tb[-1]
        fitted.append(columns(tb, np.full(tb.shape[0], int(EventKind.MOVE)), zb.real, zb.imag))
    _, codes = _verdict(_session(fitted), index)
    assert "POINTER_REPLAYED_TRAJECTORY" not in codes


def test_different_people_moving_are_not_flagged_as_replays() -> None:
    index = ReplayIndex()
    for source in ("delbot/human/pc1", "delbot/human/vm"):
        pool = human_strokes(source)
        for start in range(0, min(len(pool), 30), 6):
            _codes(_session(pool[start : start + 6]), index)
    for stroke_set in range(0, 24, 6):
        assert not (
            _codes(_session(human_strokes("delbot/human/pc2")[stroke_set : stroke_set + 6]), index)
            & REPLAY_CODES
        )


def test_a_replayed_typing_rhythm_is_flagged_and_another_typist_is_not() -> None:
    rng = np.random.default_rng(2)
    index = ReplayIndex()
    typed = human_typing(rng, keys=40)
    _codes(typed, index)
    assert "KEYS_REPLAYED_RHYTHM" in _codes(_jittered(typed, rng, (0.0, 0.0)), index, remember=False)
    other = human_typing(np.random.default_rng(99), keys=40)
    assert "KEYS_REPLAYED_RHYTHM" not in _codes(other, index, remember=False)


def test_a_typing_rhythm_replayed_3_percent_slower_with_ms_of_noise_is_flagged_high() -> None:
    rng = np.random.default_rng(21)
    index = ReplayIndex()
    typed = human_typing(rng, keys=40)
    _codes(typed, index)
    replayed = _transformed(typed, rng, turn_deg=0.0, scale=1.0, stretch=1.03, jitter_px=0.0, jitter_ms=2.0)
    level, codes = _verdict(replayed, index)
    assert "KEYS_REPLAYED_RHYTHM" in codes
    assert level >= RiskLevel.HIGH


def test_a_rhythm_typed_again_8_ms_off_per_key_is_not_a_replay() -> None:
    # A replayer's noise is a millisecond or two; even a practised typist's own rhythm differs
    # by more than the 6 ms (RMS, after the stretch) a repeat is held to.
    rng = np.random.default_rng(31)
    index = ReplayIndex()
    typed = human_typing(rng, keys=40)
    _codes(typed, index)
    presses = typed.t_ms[typed.kind == int(EventKind.KEY_DOWN)]
    intervals = np.diff(presses) + rng.normal(0.0, 8.0, presses.shape[0] - 1)
    again = np.concatenate(([0.0], np.cumsum(np.maximum(intervals, 20.0))))
    assert "KEYS_REPLAYED_RHYTHM" not in _codes(_typed(again), index, remember=False)
    replayed = np.concatenate(
        ([0.0], np.cumsum(np.diff(presses) + rng.normal(0.0, 1.0, presses.shape[0] - 1)))
    )
    assert "KEYS_REPLAYED_RHYTHM" in _codes(_typed(replayed), index, remember=False)


def test_the_same_typist_typing_the_same_password_again_is_not_a_replay() -> None:
    # Keystroke100: each person typed the same password many times; practised, not identical.
    index = ReplayIndex()
    by_person: dict[str, list[EventColumns]] = {}
    for trace in sample_traces():
        if trace.source == "keystroke100":
            by_person.setdefault(trace.person, []).append(trace.events)
    repeated = [typings for typings in by_person.values() if len(typings) >= 2]
    assert repeated
    for typings in repeated:
        for events in typings:
            presses = events.t_ms[events.kind == int(EventKind.KEY_DOWN)]
            assert "KEYS_REPLAYED_RHYTHM" not in _codes(_typed(presses - presses[0]), index)


def test_without_an_index_or_with_an_empty_one_nothing_is_flagged() -> None:
    original = _session(human_strokes("delbot/human/pc2")[:6])
    state = ENGINE.start(SessionContext())
    ENGINE.add(state, original)
    assert ENGINE.assess(state) == ENGINE.assess(state, replay=ReplayIndex())


def test_remembering_within_the_final_verdict_is_the_same_as_remembering_after_it() -> None:
    rng = np.random.default_rng(5)
    pool = human_strokes("delbot/human/pc2")
    first, second = _session(pool[:5]), _session(pool[5:10])
    replays = [_jittered(first, rng, (20.0, -15.0)), _jittered(second, rng, (-40.0, 25.0))]
    together, apart = ReplayIndex(), ReplayIndex()
    for i, events in enumerate([first, second, *replays]):
        a, b = ENGINE.start(SessionContext()), ENGINE.start(SessionContext())
        ENGINE.add(a, events)
        ENGINE.add(b, events)
        once = ENGINE.assess(a, together, session_id=f"s{i}", remember=True)
        twice = ENGINE.assess(b, apart, session_id=f"s{i}")
        ENGINE.remember(b, apart, session_id=f"s{i}")
        assert once == twice
        assert len(together) == len(apart) == i + 1
    assert "POINTER_REPLAYED_TRAJECTORY" in {r.code for r in once.reasons}


def test_the_index_forgets_its_oldest_sessions_beyond_its_capacity() -> None:
    rng = np.random.default_rng(3)
    pool = human_strokes("delbot/human/pc2")
    sessions = [_session(pool[i * 4 : i * 4 + 4]) for i in range(3)]
    index = ReplayIndex(capacity=2)
    for events in sessions:
        _codes(events, index)
    assert len(index) == 2
    assert "POINTER_REPLAYED_TRAJECTORY" not in _codes(
        _jittered(sessions[0], rng, (10.0, 10.0)), index, False
    )
    assert "POINTER_REPLAYED_TRAJECTORY" in _codes(_jittered(sessions[2], rng, (10.0, 10.0)), index, False)


def test_the_same_session_sent_again_under_its_own_id_is_a_resend_not_a_replay() -> None:
    index = ReplayIndex()
    original = _session(human_strokes("delbot/human/pc2")[:6])
    _codes(original, index, session_id="checkout-1")
    assert not (_codes(original, index, session_id="checkout-1") & REPLAY_CODES)


def test_a_jittered_replay_under_the_recorded_sessions_own_id_is_still_flagged() -> None:
    rng = np.random.default_rng(7)
    index = ReplayIndex()
    original = _session(human_strokes("delbot/human/pc2")[:6])
    _codes(original, index, session_id="checkout-1")
    level, codes = _verdict(_jittered(original, rng, (30.0, 40.0)), index, session_id="checkout-1")
    assert "POINTER_REPLAYED_TRAJECTORY" in codes
    assert level >= RiskLevel.HIGH


def test_an_identical_trajectory_under_another_session_id_is_flagged_critical_as_a_copy() -> None:
    index = ReplayIndex()
    original = _session(human_strokes("delbot/human/pc2")[:6])
    _codes(original, index, session_id="checkout-1")
    state = ENGINE.start(SessionContext())
    ENGINE.add(state, original)
    assessment = ENGINE.assess(state, replay=index, session_id="checkout-2")
    reasons = {r.code: r for r in assessment.reasons}
    assert assessment.risk_level == RiskLevel.CRITICAL
    assert "exact copies" in reasons["POINTER_REPLAYED_TRAJECTORY"].message


def test_an_identical_typing_rhythm_is_a_resend_under_its_own_id_and_a_replay_under_another() -> None:
    index = ReplayIndex()
    typed = human_typing(np.random.default_rng(5), keys=40)
    _codes(typed, index, session_id="signup-1")
    assert "KEYS_REPLAYED_RHYTHM" not in _codes(typed, index, remember=False, session_id="signup-1")
    assert "KEYS_REPLAYED_RHYTHM" in _codes(typed, index, remember=False, session_id="signup-2")


def test_a_replay_is_found_among_a_full_index_of_other_sessions() -> None:
    rng = np.random.default_rng(6)
    pool = human_strokes("delbot/human/pc1") + human_strokes("delbot/human/vm")
    index = ReplayIndex(capacity=8)
    sessions = [_session(pool[(i * 3) % len(pool) : (i * 3) % len(pool) + 3]) for i in range(12)]
    for events in sessions:
        _codes(events, index)
    # The last 8 are remembered, in a wrapped ring; each is found, the forgotten ones are not.
    found = [
        "POINTER_REPLAYED_TRAJECTORY" in _codes(_jittered(e, rng, (5.0, 9.0)), index, False) for e in sessions
    ]
    assert found[4:] == [True] * 8


@pytest.mark.parametrize("capacity", [20, 4])
def test_copies_are_found_and_forgotten_sessions_are_not_while_the_index_sorts_and_reuses_slots(
    capacity: int,
) -> None:
    # The index sorts its additions in batches, so sessions are looked up among the sorted
    # strokes and among the latest additions, and a reused slot holds a new session while the
    # sorted strokes (or, in a small index, the latest additions) still list the old one. Two-
    # stroke sessions are followed by one-stroke sessions, which leave the old second stroke in
    # the reused slot. Each session is looked up again as a copy under another session id.
    pool = [s for source in ("pc1", "pc2", "vm") for s in human_strokes(f"delbot/human/{source}")]
    slower = [EventColumns(e.t_ms * 1.5, e.kind, e.x, e.y, e.button, e.key_class) for e in pool[20:]]
    sessions = [_session(pool[i : i + 2]) for i in range(0, 20, 2)]
    sessions += [_session([stroke]) for stroke in pool[20:] + slower]
    index = ReplayIndex(capacity=capacity)
    for i, events in enumerate(sessions):
        _codes(events, index)
        assert "POINTER_REPLAYED_TRAJECTORY" in _codes(events, index, remember=False)
        if i >= capacity:
            assert "POINTER_REPLAYED_TRAJECTORY" not in _codes(sessions[i - capacity], index, remember=False)
    found = ["POINTER_REPLAYED_TRAJECTORY" in _codes(e, index, remember=False) for e in sessions]
    assert found == [False] * (len(sessions) - capacity) + [True] * capacity


def test_people_steering_with_mouse_keys_are_not_replays_of_each_other() -> None:
    # Keyboard pointer control draws the same timer-driven straight strokes for everyone who uses
    # it, so their strokes match each other's to the pixel: they carry no hand to repeat.
    index = ReplayIndex(100)
    for seed in range(30):
        state = ENGINE.start(SessionContext(action="login"))
        ENGINE.add(state, mouse_keys(np.random.default_rng(seed)))
        codes = {r.code for r in ENGINE.assess(state, index, session_id=f"s{seed}").reasons}
        assert not codes & REPLAY_CODES, seed
        ENGINE.remember(state, index, session_id=f"s{seed}")


def _small_stroke(stroke: EventColumns, times: np.ndarray, spread_px: float) -> EventColumns:
    """``stroke``'s path read at ``times`` (ms from its start, stretched to its duration) and
    resized so that its readings spread about ``spread_px`` from their centroid."""
    moves = stroke.kind == int(EventKind.MOVE)
    t = stroke.t_ms[moves] - stroke.t_ms[moves][0]
    at = times * (t[-1] / times[-1])
    x = np.interp(at, t, stroke.x[moves].astype(float))
    y = np.interp(at, t, stroke.y[moves].astype(float))
    z = x + 1j * y
    z = (z - z.mean()) * spread_px / max(float(np.sqrt(np.mean(np.abs(z - z.mean()) ** 2))), 1e-9)
    return columns(times, np.full(times.shape[0], int(EventKind.MOVE)), z.real + 500.0, z.imag + 400.0)


def _logger_times(rng: np.random.Generator, readings: int) -> np.ndarray:
    """A desktop logger's uneven reading times: 70-150 ms apart."""
    return np.concatenate(([0.0], np.cumsum(rng.uniform(70.0, 150.0, readings - 1))))


def test_a_small_stroke_replayed_with_its_uneven_reading_times_is_flagged_high() -> None:
    # A replayer's pixel of noise swamps the shape of a stroke that spreads under 25 px, so the
    # shape alone cannot tell it from a person drawing a simple shape again; its readings' times,
    # repeated to the millisecond, can.
    tried = caught = 0
    rng = np.random.default_rng(5)
    for source in ("delbot/human/pc1", "delbot/human/vm"):
        for stroke in human_strokes(source)[:8]:
            small = _session([_small_stroke(stroke, _logger_times(rng, 10), 16.0)])
            index = ReplayIndex()
            _codes(small, index)
            replayed = _transformed(
                small, rng, turn_deg=40.0, scale=1.2, stretch=1.0, jitter_px=1.0, jitter_ms=1.0
            )
            level, codes = _verdict(replayed, index)
            tried += 1
            caught += level >= RiskLevel.HIGH and "POINTER_REPLAYED_TRAJECTORY" in codes
    assert tried == 16
    assert caught >= 0.9 * tried


def test_a_small_stroke_drawn_again_within_a_pixel_at_a_steady_rate_is_not_a_replay() -> None:
    # Read every 16 ms (or by a coarse clock), every stroke of a duration has its readings at the
    # same instants: the times say nothing, so a small shape drawn again within a pixel (here
    # bent by a pixel) is judged by its shape's share alone, and is no replay.
    steady = np.arange(30) * 16.0
    for stroke in human_strokes("delbot/human/pc2")[:8]:
        small = _small_stroke(stroke, steady, 16.0)
        index = ReplayIndex()
        _codes(_session([small]), index)
        bend = np.sin(np.linspace(0.0, np.pi, steady.shape[0]))
        again = columns(steady, small.kind, small.x + bend, small.y - bend)
        assert "POINTER_REPLAYED_TRAJECTORY" not in _verdict(_session([again]), index)[1]


def test_a_stroke_of_five_readings_is_not_compared() -> None:
    # Five readings of a logger make a bent line that other people draw again (see MIN_STROKE_EVENTS).
    stroke = human_strokes("delbot/human/pc1")[0]
    state = ENGINE.start(SessionContext())
    ENGINE.add(state, _session([_small_stroke(stroke, np.arange(6) * 110.0, 60.0)]))
    assert fingerprint(state, ENGINE.config.segment_gap_ms).strokes == 0
    state = ENGINE.start(SessionContext())
    ENGINE.add(state, _session([_small_stroke(stroke, np.arange(7) * 110.0, 60.0)]))
    assert fingerprint(state, ENGINE.config.segment_gap_ms).strokes == 1


def _stroke_print(shape: np.ndarray, spread_px: float, session: int) -> Fingerprint:
    """One stroke's fingerprint (whole and from its second event alike) with this resampled
    ``shape`` (centred, unit RMS) and spread, lasting 600 ms, its events' times not kept."""
    rows = np.stack([shape, shape])
    return Fingerprint(
        shapes=rows,
        spreads=np.full(2, spread_px),
        keys=np.abs(rows[:, :: STROKE_POINTS - 1]),
        durations=np.full(2, 600.0),
        stroke=np.zeros(2, np.int64),
        tail=np.array([False, True]),
        offsets=np.full((2, TIMED_EVENTS), np.nan),
        flights=np.zeros(0),
        session=session,
    )


def _off_by(shape: np.ndarray, residual: float, rng: np.random.Generator) -> np.ndarray:
    """``shape`` bent so that no turn or resize brings it closer to the original than
    ``residual`` (a share of the spread): mixed with a shape orthogonal to it."""
    other = rng.normal(size=STROKE_POINTS) + 1j * rng.normal(size=STROKE_POINTS)
    other -= other.mean()
    other -= shape * (np.vdot(shape, other) / np.vdot(shape, shape))
    other /= np.sqrt(np.mean(np.abs(other) ** 2))
    bent: np.ndarray = shape * np.sqrt(1.0 - residual**2) + other * residual
    return bent


@pytest.mark.parametrize(
    ("spread_px", "residual", "evidence"),
    [
        # A large stroke: the share decides (within 1% a strong repeat, 1.5% a weak one).
        (200.0, 0.006, 1.0),
        (200.0, 0.013, 0.5),
        (200.0, 0.02, 0.0),
        # A 40 px stroke: a replayer's +-1 px is a good share of it, and is allowed for.
        (40.0, 0.012, 1.0),
        (40.0, 0.018, 0.5),
        (40.0, 0.024, 0.0),
    ],
)
def test_a_stroke_repeats_another_only_within_a_replayers_noise(
    spread_px: float, residual: float, evidence: float
) -> None:
    # People's own strokes differ by several percent of their size; a replayer's by its noise.
    rng = np.random.default_rng(3)
    s = np.linspace(0.0, 1.0, STROKE_POINTS)
    curve = 300.0 * s + 1j * 60.0 * np.sin(np.pi * s)
    shape = curve - curve.mean()
    shape /= np.sqrt(np.mean(np.abs(shape) ** 2))
    index = ReplayIndex()
    index.add(_stroke_print(shape, spread_px, session=1))
    matched, copied, found = index.match_strokes(
        _stroke_print(_off_by(shape, residual, rng), spread_px, session=2)
    )
    assert (matched, copied, found) == ((1 if evidence else 0), 0, evidence)
