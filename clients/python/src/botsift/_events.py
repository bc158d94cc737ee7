"""Events in the columnar form the contract uses, built one event at a time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from botsift.v1 import events_pb2

EVENT_TYPES: dict[str, int] = {
    "move": events_pb2.EVENT_KIND_MOVE,
    "down": events_pb2.EVENT_KIND_DOWN,
    "up": events_pb2.EVENT_KIND_UP,
    "wheel": events_pb2.EVENT_KIND_WHEEL,
    "keydown": events_pb2.EVENT_KIND_KEY_DOWN,
    "keyup": events_pb2.EVENT_KIND_KEY_UP,
    "touchstart": events_pb2.EVENT_KIND_TOUCH_START,
    "touchmove": events_pb2.EVENT_KIND_TOUCH_MOVE,
    "touchend": events_pb2.EVENT_KIND_TOUCH_END,
    "scroll": events_pb2.EVENT_KIND_SCROLL,
    "focus": events_pb2.EVENT_KIND_FOCUS,
    "blur": events_pb2.EVENT_KIND_BLUR,
    "visibility": events_pb2.EVENT_KIND_VISIBILITY,
}
"""Trace-format ``type`` names -> ``EventKind`` values."""

KEY_CLASSES: dict[str, int] = {
    "letter": events_pb2.KEY_CLASS_LETTER,
    "digit": events_pb2.KEY_CLASS_DIGIT,
    "space": events_pb2.KEY_CLASS_SPACE,
    "punctuation": events_pb2.KEY_CLASS_PUNCTUATION,
    "modifier": events_pb2.KEY_CLASS_MODIFIER,
    "backspace": events_pb2.KEY_CLASS_BACKSPACE,
    "enter": events_pb2.KEY_CLASS_ENTER,
    "navigation": events_pb2.KEY_CLASS_NAVIGATION,
    "other": events_pb2.KEY_CLASS_OTHER,
}
"""Trace-format ``key_class`` names -> ``KeyClass`` values."""

CAPITAL_WITHOUT_SHIFT = 1
"""Flag of a key press (``Events.buttons`` of a key-down event): it typed a capital letter while
neither Shift nor Caps Lock was on."""

KeyClassLike = str | int
"""A key class by name (``"letter"``) or ``KeyClass`` value (``events_pb2.KEY_CLASS_LETTER``)."""


def key_class_value(key_class: KeyClassLike) -> int:
    """The ``KeyClass`` value of a name or value; raises ``ValueError`` for anything else."""
    if isinstance(key_class, str):
        try:
            return KEY_CLASSES[key_class.lower()]
        except KeyError:
            raise ValueError(f"unknown key class {key_class!r}; one of {sorted(KEY_CLASSES)}") from None
    if key_class not in KEY_CLASSES.values():
        raise ValueError(f"unknown key class value {key_class!r}")
    return key_class


def device_signals(device: events_pb2.DeviceSignals | Mapping[str, Any] | None) -> events_pb2.DeviceSignals:
    """``DeviceSignals`` from a message or a dict with its field names (unknown keys ignored,
    ``None`` values skipped), such as the ``device`` object of a trace."""
    if device is None:
        return events_pb2.DeviceSignals()
    if isinstance(device, events_pb2.DeviceSignals):
        return device
    fields = events_pb2.DeviceSignals.DESCRIPTOR.fields_by_name
    known = {k: v for k, v in device.items() if k in fields and v is not None}
    return events_pb2.DeviceSignals(**known)


class EventColumns:
    """A growing batch of events as parallel columns (what one ``Events`` message holds)."""

    __slots__ = ("buttons", "key_classes", "kinds", "t_ms", "x", "y")

    def __init__(self) -> None:
        self.t_ms: list[float] = []
        self.kinds: list[int] = []
        self.x: list[float] = []
        self.y: list[float] = []
        self.buttons: list[int] = []
        self.key_classes: list[int] = []

    def __len__(self) -> int:
        return len(self.t_ms)

    def append(
        self, t_ms: float, kind: int, x: float = 0.0, y: float = 0.0, button: int = 0, key_class: int = 0
    ) -> None:
        """Add one event."""
        self.t_ms.append(t_ms)
        self.kinds.append(kind)
        self.x.append(x)
        self.y.append(y)
        self.buttons.append(button)
        self.key_classes.append(key_class)

    def to_message(self) -> events_pb2.Events:
        """The ``Events`` message; empty columns are left out, as the contract allows."""
        return events_pb2.Events(
            t_ms=self.t_ms,
            kinds=cast("list[events_pb2.EventKind]", self.kinds),
            x=self.x if any(self.x) else [],
            y=self.y if any(self.y) else [],
            buttons=self.buttons if any(self.buttons) else [],
            key_classes=cast("list[events_pb2.KeyClass]", self.key_classes if any(self.key_classes) else []),
        )


def slice_events(events: events_pb2.Events, start: int, stop: int) -> events_pb2.Events:
    """Events ``start:stop`` of a message (columns that are empty stay empty)."""
    return events_pb2.Events(
        t_ms=events.t_ms[start:stop],
        kinds=events.kinds[start:stop],
        x=events.x[start:stop],
        y=events.y[start:stop],
        buttons=events.buttons[start:stop],
        key_classes=events.key_classes[start:stop],
    )
