"""The trace format: JSON Lines, one session per line, the shape the SDKs send.

::

    {"session_id": "s1", "label": "human", "source": "balabit/user7", "person": "balabit/user7",
     "action": "login", "device": {"user_agent": "...", "webdriver": false},
     "events": [{"t": 0.0, "type": "move", "x": 10, "y": 20},
                {"t": 12.5, "type": "down", "x": 10, "y": 20, "button": 0},
                {"t": 140.0, "type": "keydown", "key_class": "letter"}]}

``t`` is milliseconds from the session start. Unknown fields are ignored; ``label``,
``source``, ``person`` and ``action`` are optional. ``person`` names who produced the trace
(a user or a bot generator) so evaluation can split by person, never by event.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from botsift_server.engine import Device, EventColumns, EventKind, KeyClass, SessionContext

Label = Literal["human", "bot"]

EVENT_TYPES: dict[str, EventKind] = {
    "move": EventKind.MOVE,
    "down": EventKind.DOWN,
    "up": EventKind.UP,
    "wheel": EventKind.WHEEL,
    "keydown": EventKind.KEY_DOWN,
    "keyup": EventKind.KEY_UP,
    "touchstart": EventKind.TOUCH_START,
    "touchmove": EventKind.TOUCH_MOVE,
    "touchend": EventKind.TOUCH_END,
    "scroll": EventKind.SCROLL,
    "focus": EventKind.FOCUS,
    "blur": EventKind.BLUR,
    "visibility": EventKind.VISIBILITY,
}
KEY_CLASSES: dict[str, KeyClass] = {k.name.lower(): k for k in KeyClass if k is not KeyClass.UNSPECIFIED}
_TYPE_NAMES = {kind: name for name, kind in EVENT_TYPES.items()}
_KEY_NAMES = {kc: name for name, kc in KEY_CLASSES.items()}
_DEVICE_FIELDS = {f.name for f in dataclasses.fields(Device)}
_TUPLE_FIELDS = {"languages", "automation_markers"}


class TraceFormatError(ValueError):
    """A line is not a valid trace; the message names the line and the problem."""


@dataclass(frozen=True, slots=True)
class Trace:
    """One recorded session."""

    session_id: str
    events: EventColumns
    device: Device = field(default_factory=Device)
    action: str = "default"
    label: Label | None = None
    source: str = ""
    person: str = ""

    @property
    def context(self) -> SessionContext:
        """What the engine's ``start`` takes."""
        return SessionContext(action=self.action, device=self.device)


def columns_from_events(events: Iterable[Mapping[str, Any]]) -> EventColumns:
    """Columns of a list of event objects; events are sorted by time (stable)."""
    rows = list(events)
    n = len(rows)
    t = np.zeros(n, np.float64)
    kind = np.zeros(n, np.uint8)
    x = np.zeros(n, np.float32)
    y = np.zeros(n, np.float32)
    button = np.zeros(n, np.uint8)
    key_class = np.zeros(n, np.uint8)
    for i, event in enumerate(rows):
        try:
            kind[i] = EVENT_TYPES[event["type"]]
            t[i] = float(event["t"])
        except KeyError as exc:
            raise TraceFormatError(f"event {i}: missing or unknown {exc}") from None
        x[i] = float(event.get("x", 0.0))
        y[i] = float(event.get("y", 0.0))
        button[i] = int(event.get("button", 0))
        if "key_class" in event:
            try:
                key_class[i] = KEY_CLASSES[event["key_class"]]
            except KeyError:
                raise TraceFormatError(f"event {i}: unknown key_class {event['key_class']!r}") from None
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise TraceFormatError("non-finite time or coordinate")
    order = np.argsort(t, kind="stable")
    t = t[order]
    if n and t[0] < 0:
        t = t - t[0]
    return EventColumns(
        t_ms=t, kind=kind[order], x=x[order], y=y[order], button=button[order], key_class=key_class[order]
    )


def device_from_dict(data: Mapping[str, Any]) -> Device:
    """A :class:`Device` from the trace's ``device`` object (unknown keys ignored)."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in _DEVICE_FIELDS or value is None:
            continue
        values[key] = tuple(value) if key in _TUPLE_FIELDS else value
    return Device(**values)


def trace_from_dict(data: Mapping[str, Any]) -> Trace:
    """A :class:`Trace` from one parsed JSON line."""
    label = data.get("label")
    if label not in (None, "human", "bot"):
        raise TraceFormatError(f"label must be 'human' or 'bot', not {label!r}")
    session_id = str(data.get("session_id", ""))
    if not session_id:
        raise TraceFormatError("session_id is required")
    return Trace(
        session_id=session_id,
        events=columns_from_events(data.get("events", ())),
        device=device_from_dict(data.get("device") or {}),
        action=str(data.get("action") or "default"),
        label=label,
        source=str(data.get("source", "")),
        person=str(data.get("person") or data.get("source", "")),
    )


def trace_to_dict(trace: Trace) -> dict[str, Any]:
    """The JSON object of a trace (the inverse of :func:`trace_from_dict`)."""
    ev = trace.events
    events: list[dict[str, Any]] = []
    for i in range(len(ev)):
        kind = EventKind(int(ev.kind[i]))
        item: dict[str, Any] = {"t": _num(float(ev.t_ms[i])), "type": _TYPE_NAMES[kind]}
        if kind in (EventKind.KEY_DOWN, EventKind.KEY_UP):
            key_class = KeyClass(int(ev.key_class[i]))
            if key_class is not KeyClass.UNSPECIFIED:
                item["key_class"] = _KEY_NAMES[key_class]
        elif kind not in (EventKind.FOCUS, EventKind.BLUR):
            item["x"] = _num(float(ev.x[i]))
            item["y"] = _num(float(ev.y[i]))
        if kind in (EventKind.DOWN, EventKind.UP, EventKind.VISIBILITY):
            item["button"] = int(ev.button[i])
        elif kind is EventKind.KEY_DOWN and ev.button[i]:
            item["button"] = int(ev.button[i])  # the press's flags (a capital typed without Shift)
        events.append(item)
    device = {
        k: (list(v) if isinstance(v, tuple) else v)
        for k, v in dataclasses.asdict(trace.device).items()
        if v not in (None, "", ())
    }
    out: dict[str, Any] = {"session_id": trace.session_id}
    if trace.label is not None:
        out["label"] = trace.label
    if trace.source:
        out["source"] = trace.source
    if trace.person and trace.person != trace.source:
        out["person"] = trace.person
    if trace.action != "default":
        out["action"] = trace.action
    out["device"] = device
    out["events"] = events
    return out


def _num(value: float) -> float | int:
    rounded = round(value, 3)
    return int(rounded) if math.isfinite(rounded) and rounded.is_integer() else rounded


def read_traces(*paths: Path | str) -> Iterator[Trace]:
    """Every trace of the given JSON Lines files, in order. Blank lines are skipped."""
    for path in paths:
        with Path(path).open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    yield trace_from_dict(json.loads(line))
                except (json.JSONDecodeError, TraceFormatError, TypeError, ValueError) as exc:
                    raise TraceFormatError(f"{path}:{number}: {exc}") from None


def write_traces(path: Path | str, traces: Iterable[Trace]) -> int:
    """Write traces as JSON Lines (replacing the file); returns how many were written."""
    count = 0
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8") as handle:
        for trace in traces:
            handle.write(json.dumps(trace_to_dict(trace), separators=(",", ":")) + "\n")
            count += 1
    return count
