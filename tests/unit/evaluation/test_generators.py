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
