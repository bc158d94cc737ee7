"""Composite human sessions: real pointer recordings followed by real typing, split-consistent."""

from __future__ import annotations

import numpy as np
import pytest

from botsift_server.engine import EventKind, KeyClass
from botsift_server.evaluation import Trace, generate, select, split_of
from botsift_server.evaluation._archive import columns


def _pointer(person: str, i: int) -> Trace:
    rng = np.random.default_rng(i)
    t = np.cumsum(rng.uniform(8.0, 20.0, 40))
    kinds = [int(EventKind.MOVE)] * 40 + [int(EventKind.DOWN), int(EventKind.UP)]
    times = [*t.tolist(), float(t[-1]) + 120.0, float(t[-1]) + 210.0]
    x = np.concatenate((np.linspace(100, 600, 40), [600.0, 600.0]))
    return Trace(
        f"{person}/{i}", columns(times, kinds, x, x / 2), label="human", source="balabit", person=person
    )


def _typing(person: str, i: int) -> Trace:
    t = np.cumsum(np.full(8, 150.0)) + i
    return Trace(
        f"{person}/{i}",
        columns(t, [int(EventKind.KEY_DOWN)] * 8, key_class=[int(KeyClass.LETTER)] * 8),
        label="human",
        source="keystroke100",
        person=person,
    )


HUMAN = [_pointer(f"balabit/user{u}", i) for u in range(12) for i in range(3)] + [
    _typing(f"keystroke100/user{u}", i) for u in range(20) for i in range(4)
]


def test_each_composite_session_has_real_pointer_movements_then_typing() -> None:
    for trace in generate("composite-human", 20, 1, HUMAN):
        kind = trace.events.kind
        first_key = int(np.flatnonzero(kind == int(EventKind.KEY_DOWN))[0])
        assert trace.label == "human"
        assert trace.action == "login"
        assert np.count_nonzero(kind == int(EventKind.MOVE)) == 40
        assert np.count_nonzero(kind == int(EventKind.KEY_DOWN)) == 16  # user name and password
        assert (kind[:first_key] != int(EventKind.KEY_DOWN)).all()
        assert trace.device.user_agent


def test_a_composite_only_joins_people_of_one_split_and_lands_in_that_split() -> None:
    traces = list(generate("composite-human", 18, 3, HUMAN))
    assert {t.person for t in select(traces, "eval")}
    assert {t.person for t in select(traces, "train")}
    for trace in traces:
        pointer, typist = trace.person.removeprefix("composite/").split("~")[0].split("+")
        assert split_of(pointer) == split_of(typist) == split_of(trace.person)


def test_the_same_seed_gives_the_same_composite_sessions() -> None:
    a = [t.events.t_ms.tolist() for t in generate("composite-human", 10, 5, HUMAN)]
    b = [t.events.t_ms.tolist() for t in generate("composite-human", 10, 5, HUMAN)]
    assert a == b


def test_no_recording_is_used_twice_and_asking_for_more_sessions_than_recordings_says_so() -> None:
    traces = list(generate("composite-human", 18, 7, HUMAN))
    # A fixture pointer recording is its person and its timing: no two sessions share one.
    pointers = [(t.person.split("+")[0], t.events.t_ms[:40].tobytes()) for t in traces]
    assert len(set(pointers)) == len(pointers)
    # 36 pointer recordings and 80 typing recordings (two per session) cannot make 100 sessions.
    with pytest.raises(ValueError, match="without reusing"):
        list(generate("composite-human", 100, 7, HUMAN))
