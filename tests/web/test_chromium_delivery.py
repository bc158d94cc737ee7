"""Recorded movements replayed into a real headless chromium come back as the web collector
delivers them (tools/chromium_delivery.py, the check of the simulated `--as frames:60,collector`)."""

from __future__ import annotations

import numpy as np

from botsift_server.engine import EventColumns, EventKind
from botsift_server.evaluation import Label, Trace
from tools.chromium_delivery import deliver


def _line(session_id: str, step_ms: float, n: int, label: Label) -> Trace:
    """A left-to-right line of ``n`` moves ``step_ms`` apart, then a click at its end."""
    t = np.concatenate((np.arange(n) * step_ms, [n * step_ms + 80.0, n * step_ms + 180.0]))
    kind = np.array([int(EventKind.MOVE)] * n + [int(EventKind.DOWN), int(EventKind.UP)], np.uint8)
    x = np.concatenate((100.0 + np.arange(n) * 3.0, [100.0 + (n - 1) * 3.0] * 2)).astype(np.float32)
    y = np.full(n + 2, 200.0, np.float32)
    events = EventColumns(t, kind, x, y, np.zeros(n + 2, np.uint8), np.zeros(n + 2, np.uint8))
    return Trace(session_id, events, label=label, source=f"test/{label}", person=f"p-{session_id}")


def test_a_browser_delivers_fine_moves_once_per_frame_and_keeps_the_trace_s_identity() -> None:
    fine = _line("fine", 2.0, 200, "bot")  # a generator's 2 ms steps for 400 ms
    coarse = _line("coarse", 40.0, 15, "human")  # a slow logger's 40 ms steps for 600 ms
    delivered = {t.session_id: t for t in deliver([fine, coarse], "/usr/bin/chromium")}
    assert set(delivered) == {"fine", "coarse"}
    for original in (fine, coarse):
        out = delivered[original.session_id]
        assert (out.label, out.source, out.person) == (original.label, original.source, original.person)
        moves = out.events.kind == int(EventKind.MOVE)
        gaps = np.diff(out.events.t_ms[moves])
        # The collector keeps at most one move per 16 ms, to 0.1 ms.
        assert gaps.min() >= 15.9
        # The click arrives where the line ended, after the moves.
        assert list(out.events.kind[~moves]) == [int(EventKind.DOWN), int(EventKind.UP)]
        assert out.events.x[-1] == original.events.x[-1]
    # 200 moves in 400 ms come as about one per frame (25 at 60 Hz); the slow ones all arrive.
    fine_moves = int(np.count_nonzero(delivered["fine"].events.kind == int(EventKind.MOVE)))
    assert 10 <= fine_moves <= 30
    assert int(np.count_nonzero(delivered["coarse"].events.kind == int(EventKind.MOVE))) >= 13
