"""Traces as another browser or device would have delivered them: the evaluation's ``--as``.

The datasets were recorded with their own tools: Balabit's logger, DELBOT's web page, the bot
generators' own clocks. In production the same hands reach the engine through a browser and
our collector, which change what arrives: Chrome dispatches pointer moves once per display
frame (coalescing the rest), privacy browsers round event times, page zoom and hi-DPI screens
scale coordinates, and the web collector keeps at most one move per ``moveIntervalMs`` and
rounds to 0.1 ms and 0.1 px. Scoring the data as delivered that way measures whether the
engine's verdicts survive the trip, for people (false positives) and for bots (misses).

A delivery is a comma-separated list of steps, applied in order:

- ``frames:HZ`` — pointer moves dispatched on a display refreshing at HZ: the moves within one
  frame collapse into the last one, dispatched when the next frame starts (plus up to 1 ms);
  a button, key or wheel event dispatches the pending move first, at its own time. Each move is
  timed by its dispatch, as a collector that reads the clock in its handler records it (the web
  collector before 1.1.0).
- ``coalesced:HZ`` — the same moves, each timed by when it happened: the ``Event.timeStamp`` of
  the last input coalesced into it, which the web collector records since 1.1.0.
- ``paced:HZ`` — pointer moves sent by a script that awaits each one (Puppeteer/Playwright
  ``mouse.move`` point by point, as ghost-cursor's driver does): the browser acknowledges a move
  with the next frame, so each goes out at the first frame at least one frame after the last,
  and every later event waits as long. The path is walked one point per frame, stretched in
  time, where ``frames`` would coalesce it. People's devices never wait for the page: this is a
  bots' delivery (``eval --bots-as``, ``train --bots-as``). Each move is timed by the frame that
  dispatched it (a collector before 1.1.0).
- ``awaited:HZ`` — the same script, its moves timed as the web collector records them since
  1.1.0: by their ``Event.timeStamp``, which the browser sets when the script's command reaches
  it. A move is sent when it is due or when the last one was acknowledged (the frame after it
  was sent), whichever is later: a script stepping faster than the frames is held to one move a
  frame, and one stepping slower keeps its own timer's rhythm (``paced`` puts it on the frames).
- ``collector[:MS]`` — our web collector (``clients/web/src/recorder.js``): a move is kept only
  ``MS`` (default 16) after the last kept one; times and positions rounded to 0.1.
- ``clock:MS`` — every event time rounded down to a multiple of ``MS``.
- ``logger:MS`` — pointer moves as a desktop logger that writes the pointer's position about
  every ``MS`` records them (seven of Balabit's ten users have a move about every 110 ms): after
  each kept move the next is the first at least a wait later, each wait drawn from 0.75-1.25 x
  ``MS``; the move right before a press, release, key or wheel event is kept too. Not a page's
  delivery: the shipped model trains on bots' sessions so (``train --bots-as``), so that moves
  as sparse as most of its people's are no sign of a person.
- ``scale:F`` — coordinates multiplied by ``F`` (page zoom, a hi-DPI screen).
- ``keys-only`` — no pointer or touch events (a keyboard user).

Random parts (the frame phase, dispatch delays) are seeded by the session id, so a run is
repeatable.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import math
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from botsift_server.engine import EventColumns, EventKind
from botsift_server.evaluation._traces import Trace

_MOVE = int(EventKind.MOVE)
_POINTER_KINDS = np.array(
    [
        EventKind.MOVE,
        EventKind.DOWN,
        EventKind.UP,
        EventKind.WHEEL,
        EventKind.TOUCH_START,
        EventKind.TOUCH_MOVE,
        EventKind.TOUCH_END,
    ],
    np.uint8,
)
COLLECTOR_MOVE_INTERVAL_MS = 16.0
"""The web collector's default ``moveIntervalMs``."""

Step = Callable[[EventColumns, np.random.Generator], EventColumns]


@dataclasses.dataclass(frozen=True, slots=True)
class Delivery:
    """A parsed ``--as`` value: its text (for reports) and its steps."""

    spec: str
    steps: tuple[Step, ...]

    def __call__(self, trace: Trace) -> Trace:
        """``trace`` as this delivery would have brought it."""
        seed = int.from_bytes(hashlib.sha256(trace.session_id.encode()).digest()[:8], "big")
        rng = np.random.default_rng(seed)
        events = trace.events
        for step in self.steps:
            events = step(events, rng)
        return dataclasses.replace(trace, events=events)

    def apply(self, traces: Iterable[Trace]) -> Iterator[Trace]:
        """Every trace of ``traces`` as delivered."""
        return (self(trace) for trace in traces)


def parse_delivery(spec: str) -> Delivery:
    """A :class:`Delivery` from its text; :class:`ValueError` names a bad step."""
    steps: list[Step] = []
    for part in spec.split(","):
        name, _, arg = part.strip().partition(":")
        try:
            steps.append(_step(name, arg))
        except ValueError as exc:
            raise ValueError(f"--as {part.strip()!r}: {exc}") from None
    return Delivery(spec, tuple(steps))


def delivery_argument(text: str) -> Delivery:
    """:func:`parse_delivery` as an ``argparse`` type: a bad value is a usage error."""
    try:
        return parse_delivery(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(arg: str, what: str) -> float:
    try:
        value = float(arg)
    except ValueError:
        raise ValueError(f"{what} must be a number") from None
    if not value > 0.0 or value == float("inf"):
        raise ValueError(f"{what} must be a positive number")
    return value


def _step(name: str, arg: str) -> Step:
    if name == "frames":
        period = 1000.0 / _positive(arg, "the refresh rate (Hz)")
        return lambda ev, rng: on_frames(ev, period, float(rng.uniform(0.0, period)), rng)
    if name == "coalesced":
        period = 1000.0 / _positive(arg, "the refresh rate (Hz)")
        return lambda ev, rng: on_frames(ev, period, float(rng.uniform(0.0, period)), rng, stamped=True)
    if name == "paced":
        period = 1000.0 / _positive(arg, "the refresh rate (Hz)")
        return lambda ev, rng: paced(ev, period, float(rng.uniform(0.0, period)))
    if name == "awaited":
        period = 1000.0 / _positive(arg, "the refresh rate (Hz)")
        return lambda ev, rng: paced(ev, period, float(rng.uniform(0.0, period)), stamped=True)
    if name == "collector":
        interval = _positive(arg, "the move interval (ms)") if arg else COLLECTOR_MOVE_INTERVAL_MS
        return lambda ev, rng: collected(ev, interval)
    if name == "clock":
        step_ms = _positive(arg, "the clock step (ms)")
        return lambda ev, rng: dataclasses.replace(ev, t_ms=np.floor(ev.t_ms / step_ms) * step_ms)
    if name == "logger":
        every = _positive(arg, "the logging interval (ms)")
        return lambda ev, rng: logged(ev, every, rng)
    if name == "scale":
        factor = np.float32(_positive(arg, "the scale factor"))
        return lambda ev, rng: dataclasses.replace(ev, x=ev.x * factor, y=ev.y * factor)
    if name == "keys-only" and not arg:
        return lambda ev, rng: ev.take(~np.isin(ev.kind, _POINTER_KINDS))
    raise ValueError(
        "unknown step (frames:HZ, coalesced:HZ, paced:HZ, awaited:HZ, collector[:MS], clock:MS, logger:MS, "
        "scale:F, keys-only)"
    )


def on_frames(
    ev: EventColumns, period_ms: float, phase_ms: float, rng: np.random.Generator, *, stamped: bool = False
) -> EventColumns:
    """Pointer moves as a browser dispatching them once per display frame delivers them.

    Moves in one frame collapse into the frame's last, dispatched at the start of the next
    frame plus a delay of up to 1 ms; a non-move event dispatches the pending move first, at its
    own time. Other events keep their times. ``stamped``: each kept move keeps its own time (when
    the last input coalesced into it happened) instead of its dispatch time.
    """
    t, kind = ev.t_ms, ev.kind
    n = t.shape[0]
    if n == 0:
        return ev
    is_move = kind == _MOVE
    frame = np.floor((t - phase_ms) / period_ms)
    # A move is delivered unless the next event is a move of the same frame (which replaces it).
    nxt_same = np.zeros(n, np.bool_)
    nxt_same[:-1] = is_move[1:] & (frame[1:] == frame[:-1])
    keep = ~is_move | ~nxt_same
    if stamped:
        return ev.take(keep)
    when = t.copy()
    moves = (is_move & keep).nonzero()[0]
    dispatch = (frame[moves] + 1.0) * period_ms + phase_ms + rng.uniform(0.0, 1.0, moves.shape[0])
    # Flushed by the event after it (a press, a key) when that comes before the frame's end.
    following = np.minimum(moves + 1, n - 1)
    flushed = (following != moves) & ~is_move[following]
    when[moves] = np.where(flushed, np.minimum(dispatch, t[following]), dispatch)
    out = dataclasses.replace(ev, t_ms=when).take(keep)
    return out.take(np.argsort(out.t_ms, kind="stable"))


def paced(ev: EventColumns, period_ms: float, phase_ms: float, *, stamped: bool = False) -> EventColumns:
    """Pointer moves as a script that awaits each one gets them dispatched: one per display frame.

    Each move goes out at the first frame start (frames at ``phase_ms`` + k x ``period_ms``) that
    is at or after its own time plus the wait so far, and at least one frame after the previous
    move; every event after it is delayed by the wait (the script sends nothing meanwhile).
    ``stamped``: each move is timed when the script sends it instead, at its own time plus the
    wait or when the previous move was acknowledged (the first frame start after it was sent),
    whichever is later.
    """
    t = ev.t_ms.astype(np.float64)
    out = np.empty_like(t)
    wait, last_move, previous = 0.0, -np.inf, -np.inf
    acked = -np.inf
    for i, (ti, moved) in enumerate(zip(t.tolist(), (ev.kind == _MOVE).tolist(), strict=True)):
        when = ti + wait
        if moved and stamped:
            when = max(when, acked)
            acked = phase_ms + (math.floor((when - phase_ms) / period_ms + 1e-9) + 1) * period_ms
        elif moved:
            when = max(when, last_move + period_ms)
            when = phase_ms + math.ceil((when - phase_ms) / period_ms - 1e-9) * period_ms
            last_move = when
        when = max(when, previous)
        wait = when - ti
        out[i] = previous = when
    return dataclasses.replace(ev, t_ms=out)


def logged(ev: EventColumns, every_ms: float, rng: np.random.Generator) -> EventColumns:
    """The pointer moves of ``ev`` as a logger writing about every ``every_ms`` records them (see
    ``logger:MS``): the first move, then the first one at least a wait (0.75-1.25 x ``every_ms``)
    after the last kept, and every move followed directly by another kind of event."""
    is_move = ev.kind == _MOVE
    moves = is_move.nonzero()[0]
    if moves.shape[0] == 0:
        return ev
    keep = ~is_move
    keep[:-1] |= is_move[:-1] & ~is_move[1:]
    times = ev.t_ms[moves]
    at = 0
    while at < moves.shape[0]:
        keep[moves[at]] = True
        due = times[at] + every_ms * float(rng.uniform(0.75, 1.25))
        at = max(at + 1, int(np.searchsorted(times, due, side="left")))
    return ev.take(keep)


def collected(ev: EventColumns, move_interval_ms: float = COLLECTOR_MOVE_INTERVAL_MS) -> EventColumns:
    """What the web collector records of ``ev``: times and positions to 0.1 (positions at least
    0, the page's edge), moves throttled."""
    t = np.maximum.accumulate(np.round(ev.t_ms, 1))
    keep = np.ones(t.shape[0], np.bool_)
    last_move = -np.inf
    for i in (ev.kind == _MOVE).nonzero()[0].tolist():
        if t[i] - last_move < move_interval_ms:
            keep[i] = False
        else:
            last_move = t[i]
    rounded = dataclasses.replace(
        ev,
        t_ms=t,
        x=np.round(np.maximum(ev.x, 0.0), 1).astype(np.float32),
        y=np.round(np.maximum(ev.y, 0.0), 1).astype(np.float32),
    )
    return rounded.take(keep)
