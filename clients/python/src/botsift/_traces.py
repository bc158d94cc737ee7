"""Recorded sessions in the trace format (JSON Lines), and replaying them against a server.

One session per line::

    {"session_id": "s1", "label": "human", "action": "login",
     "device": {"user_agent": "...", "webdriver": false},
     "events": [{"t": 0.0, "type": "move", "x": 10, "y": 20},
                {"t": 12.5, "type": "down", "x": 10, "y": 20, "button": 0},
                {"t": 140.0, "type": "keydown", "key_class": "letter"}]}

``t`` is milliseconds from the session start; unknown fields are ignored; ``label``,
``source`` and ``action`` are optional.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botsift._errors import BotSiftError
from botsift._events import EVENT_TYPES, KEY_CLASSES, device_signals, slice_events
from botsift.v1 import events_pb2, verdict_pb2

if TYPE_CHECKING:
    from botsift._client import AsyncClient


class TraceFormatError(BotSiftError, ValueError):
    """A line is not a valid trace; the message names the line and the problem."""


@dataclass(frozen=True, slots=True)
class Trace:
    """One recorded session, ready to send."""

    session_id: str
    events: events_pb2.Events
    device: events_pb2.DeviceSignals = field(default_factory=events_pb2.DeviceSignals)
    action: str = ""
    label: str | None = None
    source: str = ""


def _events(rows: Sequence[Mapping[str, Any]]) -> events_pb2.Events:
    parsed: list[tuple[float, int, float, float, int, int]] = []
    for i, event in enumerate(rows):
        try:
            kind = EVENT_TYPES[event["type"]]
            t = float(event["t"])
            key_class = KEY_CLASSES[event["key_class"]] if "key_class" in event else 0
            x, y = float(event.get("x", 0.0)), float(event.get("y", 0.0))
            button = int(event.get("button", 0))
        except KeyError as exc:
            raise TraceFormatError(f"event {i}: missing or unknown {exc}") from None
        except (TypeError, ValueError) as exc:
            raise TraceFormatError(f"event {i}: {exc}") from None
        parsed.append((t, kind, x, y, button, key_class))
    parsed.sort(key=lambda row: row[0])  # stable: equal times keep their order
    shift = parsed[0][0] if parsed and parsed[0][0] < 0 else 0.0
    return events_pb2.Events(
        t_ms=[row[0] - shift for row in parsed],
        kinds=[row[1] for row in parsed],  # type: ignore[misc]
        x=[row[2] for row in parsed],
        y=[row[3] for row in parsed],
        buttons=[row[4] for row in parsed],
        key_classes=[row[5] for row in parsed],  # type: ignore[misc]
    )


def trace_from_dict(data: Mapping[str, Any]) -> Trace:
    """A :class:`Trace` from one parsed JSON line."""
    session_id = str(data.get("session_id") or "")
    if not session_id:
        raise TraceFormatError("session_id is required")
    label = data.get("label")
    if label not in (None, "human", "bot"):
        raise TraceFormatError(f"label must be 'human' or 'bot', not {label!r}")
    try:
        device = device_signals(data.get("device") or {})
    except (TypeError, ValueError) as exc:
        raise TraceFormatError(f"device: {exc}") from None
    return Trace(
        session_id=session_id,
        events=_events(list(data.get("events") or ())),
        device=device,
        action=str(data.get("action") or ""),
        label=label,
        source=str(data.get("source") or ""),
    )


def read_traces(source: str | Path | Iterable[str]) -> Iterator[Trace]:
    """The traces of a JSON Lines file (a path) or of an iterable of lines; blank lines are
    skipped. Raises :class:`TraceFormatError` naming the bad line.

    Example::

        for trace in botsift.read_traces("recorded.jsonl"):
            print(trace.session_id, len(trace.events.t_ms))
    """
    if isinstance(source, str | Path):
        with Path(source).open(encoding="utf-8") as lines:
            yield from read_traces(lines)
        return
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            yield trace_from_dict(json.loads(line))
        except json.JSONDecodeError as exc:
            raise TraceFormatError(f"line {number}: not JSON ({exc.msg})") from None
        except TraceFormatError as exc:
            raise TraceFormatError(f"line {number}: {exc}") from None


async def replay_trace(
    client: AsyncClient, trace: Trace, *, session_id: str | None = None, batch_events: int = 200
) -> verdict_pb2.Verdict:
    """Stream a recorded session over the client's shared stream in batches of
    ``batch_events`` (recorded times kept, sent as fast as the stream takes them, so the
    session is declared ``recorded``) and return its final verdict. ``session_id`` overrides
    the trace's (a stored verdict exists once per id)."""
    async with client.session(
        session_id=session_id or trace.session_id, action=trace.action, device=trace.device, recorded=True
    ) as session:
        n = len(trace.events.t_ms)
        for start in range(0, n, batch_events):
            session.add(slice_events(trace.events, start, start + batch_events))
            await session.drain()
        return await session.verdict()


async def replay_traces(
    client: AsyncClient, traces: Iterable[Trace], *, concurrency: int = 50, batch_events: int = 200
) -> dict[str, verdict_pb2.Verdict | BotSiftError]:
    """Replay many traces, ``concurrency`` sessions at a time on one stream; session id ->
    final verdict, or the error that session met."""
    results: dict[str, verdict_pb2.Verdict | BotSiftError] = {}
    gate = asyncio.Semaphore(concurrency)

    async def one(trace: Trace) -> None:
        async with gate:
            try:
                results[trace.session_id] = await replay_trace(client, trace, batch_events=batch_events)
            except BotSiftError as exc:
                results[trace.session_id] = exc

    await asyncio.gather(*(one(trace) for trace in traces))
    return results
