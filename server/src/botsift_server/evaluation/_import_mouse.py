"""Pointer datasets: DELBOT-Mouse (people and bots drawing circles) and Balabit (remote desktop)."""

from __future__ import annotations

import csv
import itertools
import math
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Literal

import numpy as np

from botsift_server.engine import EventColumns, EventKind
from botsift_server.evaluation._archive import DatasetError, columns, cut, members
from botsift_server.evaluation._traces import Trace

_DELBOT_KINDS = {
    "Move": EventKind.MOVE,
    "Pressed": EventKind.DOWN,
    "Released": EventKind.UP,
    "MoveTouch": EventKind.TOUCH_MOVE,
    "PressedTouch": EventKind.TOUCH_START,
    "ReleasedTouch": EventKind.TOUCH_END,
}

Segmentation = Literal["windows", "movements"]


def import_delbot(archive: Path) -> Iterator[Trace]:
    """One trace per DELBOT-Mouse file (one circle drawing).

    The dataset names no individual people, only recording set-ups (``pc1``, ``vm``, ``tel``…),
    so ``person`` is the set-up: the split then keeps each set-up whole, which is stricter.
    """
    for name, text in members(archive):
        path = PurePosixPath(name)
        if path.suffix != ".txt" or not path.parent.name.startswith("circles_"):
            continue
        _, label, group = path.parent.name.split("_", 2)
        if label not in ("human", "bot"):
            raise DatasetError(f"{name}: unknown folder {path.parent.name}")
        events = _delbot_events(name, text.read())
        if len(events) == 0:
            continue
        source = f"delbot/{label}/{group}"
        yield Trace(
            session_id=f"{source}/{path.stem}",
            events=events,
            action="circle",
            label="human" if label == "human" else "bot",
            source=source,
            person=source,
        )


def _delbot_events(name: str, body: str) -> EventColumns:
    lines = body.splitlines()
    if not lines or not lines[0].startswith("resolution:"):
        raise DatasetError(f"{name}: first line is not 'resolution:W,H'")
    width, height = (float(v) for v in lines[0].split(":", 1)[1].split(","))
    t: list[float] = []
    kind: list[int] = []
    x: list[float] = []
    y: list[float] = []
    finger = (math.nan, math.nan)
    for line in lines[1:]:
        parts = line.split(",")
        if len(parts) != 4 or parts[1] not in _DELBOT_KINDS:
            continue
        event = _DELBOT_KINDS[parts[1]]
        at = (float(parts[2]), float(parts[3]))
        if event in (EventKind.TOUCH_START, EventKind.TOUCH_MOVE):
            finger = at
        elif event == EventKind.TOUCH_END and not all(map(math.isfinite, at)):
            # The phone recorder writes a lifted finger without a position (``NaN,NaN``): it was
            # lifted where it last touched. Its time is what a touch's duration needs.
            at = finger
        t.append(float(parts[0]))
        kind.append(event)
        x.append(at[0])
        y.append(at[1])
    xs, ys = np.asarray(x), np.asarray(y)
    # A few recordings store positions as fractions of the screen; bring them to pixels.
    if len(xs) and xs.max() <= 1.0 and ys.max() <= 1.0:
        xs, ys = xs * width, ys * height
    return columns(t, kind, xs, ys)


_BALABIT_BUTTONS = {"Left": 0, "Middle": 1, "Right": 2}


def import_balabit(
    archive: Path,
    segmentation: Segmentation = "windows",
    window_events: int = 1000,
    gap_ms: float = 5000.0,
    min_events: int = 20,
) -> Iterator[Trace]:
    """Balabit sessions cut into traces.

    ``windows``: a trace ends at a pause longer than ``gap_ms`` or after ``window_events``
    events (the recordings are hours of office work; a web session is minutes).
    ``movements``: one trace per movement ending in a click, from the previous release to
    this click's release, which is what a pointer check on a form sees. Traces with fewer
    than ``min_events`` events are dropped (``movements`` keeps those with 3 or more).
    """
    for name, text in members(archive):
        path = PurePosixPath(name)
        if not path.name.startswith("session_") or not path.parent.name.startswith("user"):
            continue
        user = path.parent.name
        events = _balabit_events(text)
        person = f"balabit/{user}"
        if segmentation == "windows":
            bounds = _windows(events, window_events, gap_ms)
            floor = min_events
        else:
            bounds = movement_bounds(events)
            floor = 3
        for number, (start, stop) in enumerate(bounds):
            if stop - start < floor:
                continue
            yield Trace(
                session_id=f"{person}/{path.name}/{segmentation[0]}{number}",
                events=cut(events, start, stop),
                label="human",
                source="balabit" if segmentation == "windows" else "balabit/movements",
                person=person,
            )


def _balabit_events(text: object) -> EventColumns:
    reader = csv.reader(text)  # type: ignore[arg-type]
    t: list[float] = []
    kind: list[int] = []
    x: list[float] = []
    y: list[float] = []
    button: list[int] = []
    for row in reader:
        if len(row) != 6 or row[0] == "record timestamp":
            continue
        _, client_s, btn, state, xs, ys = row
        px, py = float(xs), float(ys)
        if px >= 65000 or py >= 65000:  # the recorder's "no position" value
            continue
        if state in ("Move", "Drag"):
            kind.append(EventKind.MOVE)
        elif state == "Pressed":
            kind.append(EventKind.DOWN)
        elif state == "Released":
            kind.append(EventKind.UP)
        elif btn == "Scroll":
            kind.append(EventKind.WHEEL)
        else:
            continue
        t.append(float(client_s) * 1000.0)
        x.append(px)
        y.append(py)
        button.append(_BALABIT_BUTTONS.get(btn, 0))
    return columns(t, kind, x, y, button)


def _windows(events: EventColumns, window_events: int, gap_ms: float) -> list[tuple[int, int]]:
    n = len(events)
    if n == 0:
        return []
    breaks = np.flatnonzero(np.diff(events.t_ms) > gap_ms) + 1
    edges = [0, *breaks.tolist(), n]
    out: list[tuple[int, int]] = []
    for a, b in itertools.pairwise(edges):
        out.extend((s, min(s + window_events, b)) for s in range(a, b, window_events))
    return out


def movement_bounds(events: EventColumns) -> list[tuple[int, int]]:
    """Index ranges of the movements in ``events``: from the previous button release (or the
    start) to each release that follows a press with at least one move in between."""
    ups = np.flatnonzero(events.kind == EventKind.UP)
    out: list[tuple[int, int]] = []
    previous = 0
    for up in ups.tolist():
        window = events.kind[previous : up + 1]
        if np.any(window == EventKind.DOWN) and np.count_nonzero(window == EventKind.MOVE) >= 1:
            out.append((previous, up + 1))
        previous = up + 1
    return out
