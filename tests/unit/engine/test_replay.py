"""Replay detection: a session that repeats an earlier session's trajectory or typing rhythm,
moved and with a little noise, is flagged; different people are not; the index stays bounded."""

from __future__ import annotations

import numpy as np

from botsift_server.engine import Engine, EngineConfig, EventColumns, EventKind, ReplayIndex, SessionContext

from .traces import columns, human_strokes, human_typing

ENGINE = Engine(EngineConfig())
REPLAY_CODES = {"POINTER_REPLAYED_TRAJECTORY", "KEYS_REPLAYED_RHYTHM"}


def _session(strokes: list[EventColumns]) -> EventColumns:
    """Recorded strokes one after another, a pause and a click between them."""
    t: list[float] = []
    k: list[int] = []
    x: list[float] = []
    y: list[float] = []
    now = 0.0
    for ev in strokes:
        moves = ev.kind == int(EventKind.MOVE)
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


_ids = iter(range(1_000_000))


def _codes(
    events: EventColumns, index: ReplayIndex, remember: bool = True, session_id: str | None = None
) -> set[str]:
    """Reason codes of a final verdict against ``index`` (a fresh session id unless given)."""
    sid = session_id if session_id is not None else f"session-{next(_ids)}"
    state = ENGINE.start(SessionContext())
    ENGINE.add(state, events)
    codes = {r.code for r in ENGINE.assess(state, replay=index, session_id=sid).reasons}
    if remember:
        ENGINE.remember(state, index, session_id=sid)
    return codes


def test_a_jittered_shifted_replay_of_a_human_trajectory_is_flagged() -> None:
    rng = np.random.default_rng(1)
    index = ReplayIndex()
    original = _session(human_strokes("delbot/human/pc2")[:6])
    assert not (_codes(original, index) & REPLAY_CODES)
    replayed = ENGINE.start(SessionContext())
    ENGINE.add(replayed, _jittered(original, rng, (137.0, -58.0)))
    reasons = {r.code: r for r in ENGINE.assess(replayed, replay=index, session_id="replayed").reasons}
    assert "POINTER_REPLAYED_TRAJECTORY" in reasons
    assert reasons["POINTER_REPLAYED_TRAJECTORY"].weight >= 2.0


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


def test_without_an_index_or_with_an_empty_one_nothing_is_flagged() -> None:
    original = _session(human_strokes("delbot/human/pc2")[:6])
    state = ENGINE.start(SessionContext())
    ENGINE.add(state, original)
    assert ENGINE.assess(state) == ENGINE.assess(state, replay=ReplayIndex())


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


def test_an_identical_trajectory_under_another_session_id_is_flagged_at_full_weight() -> None:
    index = ReplayIndex()
    original = _session(human_strokes("delbot/human/pc2")[:6])
    _codes(original, index, session_id="checkout-1")
    state = ENGINE.start(SessionContext())
    ENGINE.add(state, original)
    reasons = {r.code: r for r in ENGINE.assess(state, replay=index, session_id="checkout-2").reasons}
    assert reasons["POINTER_REPLAYED_TRAJECTORY"].weight == 4.0
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
