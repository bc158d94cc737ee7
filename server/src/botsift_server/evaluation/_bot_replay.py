"""Replayed human movements: a recorded movement bent onto a new start and target, with jitter.

The cheapest way to look human is to replay humans. Each bot move takes a random recorded
movement (the moves before a click in a human trace), rotates, scales and shifts it so it joins
the bot's start and target, and adds ±1 px and ~1 ms noise.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from botsift_server.engine import EventKind
from botsift_server.evaluation._bot_paths import Move, Path3, PathModel
from botsift_server.evaluation._traces import Trace


def human_movements(traces: Sequence[Trace], min_points: int = 5) -> list[Path3]:
    """The pointer moves leading to each click of ``traces``, as ``(t_ms, x, y)`` rows from 0."""
    out: list[Path3] = []
    for trace in traces:
        ev = trace.events
        start = 0
        for down in np.flatnonzero(ev.kind == EventKind.DOWN).tolist():
            sel = np.flatnonzero(ev.kind[start:down] == EventKind.MOVE) + start
            # Only the last burst of moves: the approach, not an idle wander before it.
            if len(sel) >= min_points:
                gaps = np.flatnonzero(np.diff(ev.t_ms[sel]) > 300.0)
                sel = sel[gaps[-1] + 1 :] if len(gaps) else sel
            if len(sel) >= min_points:
                rows = np.column_stack((ev.t_ms[sel], ev.x[sel], ev.y[sel])).astype(np.float64)
                rows[:, 0] -= rows[0, 0]
                if np.hypot(*(rows[-1, 1:] - rows[0, 1:])) > 20.0:
                    out.append(rows)
            start = down + 1
    return out


def replay_model(human: Sequence[Trace]) -> PathModel:
    """A path model that replays the movements of ``human`` traces."""
    movements = human_movements(human)
    if not movements:
        raise ValueError("replay needs human traces with pointer movements ending in clicks (--human FILE)")

    def model(rng: np.random.Generator, moves: Sequence[Move]) -> list[Path3]:
        out = []
        for x0, y0, x1, y1 in moves:
            rows = movements[int(rng.integers(len(movements)))]
            src = complex(*(rows[-1, 1:] - rows[0, 1:]))
            dst = complex(x1 - x0, y1 - y0)
            factor = dst / src  # rotation and scale in one complex number
            pts = (rows[:, 1] - rows[0, 1] + 1j * (rows[:, 2] - rows[0, 2])) * factor + complex(x0, y0)
            x = pts.real + rng.uniform(-1.0, 1.0, len(pts))
            y = pts.imag + rng.uniform(-1.0, 1.0, len(pts))
            t = np.maximum.accumulate(np.maximum(rows[:, 0] + rng.normal(0.0, 1.0, len(rows)), 0.0))
            t[0] = 0.0
            x[0], y[0], x[-1], y[-1] = x0, y0, x1, y1
            out.append(np.column_stack((t, x, y)))
        return out

    return model
