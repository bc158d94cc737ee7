"""Cutting sessions into single movements between clicks."""

from __future__ import annotations

import numpy as np

from botsift_server.engine import EventKind
from botsift_server.evaluation import generate, movements


def test_a_login_session_gives_its_three_movements_with_pointer_events_only() -> None:
    session = next(iter(generate("ghost-cursor", 1, seed=3)))
    cut = list(movements([session]))
    assert [m.session_id for m in cut] == [f"{session.session_id}/m{i}" for i in range(3)]
    for m in cut:
        kinds = m.events.kind
        # Moves, then the click that ends the movement; no key events.
        assert set(np.unique(kinds).tolist()) <= {int(EventKind.MOVE), int(EventKind.DOWN), int(EventKind.UP)}
        assert kinds[-2:].tolist() == [int(EventKind.DOWN), int(EventKind.UP)]
        assert m.events.t_ms[0] == 0.0
        assert (m.label, m.person, m.source) == ("bot", session.person, "generated/ghost-cursor/movements")
        assert m.device == session.device
    # Every move of the session lands in exactly one movement.
    moves = np.count_nonzero(session.events.kind == EventKind.MOVE)
    assert sum(int(np.count_nonzero(m.events.kind == EventKind.MOVE)) for m in cut) == moves


def test_typing_without_clicks_gives_no_movement() -> None:
    assert list(movements(generate("typing-lognormal", 2, seed=3))) == []
