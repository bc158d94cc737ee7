"""Turns protobuf requests into engine values, or into field violations.

Checks are vectorised (numpy) because they run on every event batch.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import numpy.typing as npt

from botsift.v1 import events_pb2
from botsift_server.engine import Device, EventColumns, EventKind, KeyClass, SessionContext
from botsift_server.errors import FieldViolation, InvalidArgumentError, ResourceExhaustedError

SESSION_ID_RE = re.compile(r"^[A-Za-z0-9_\-.:]{1,128}$")
ACTION_RE = re.compile(r"^[a-z0-9_\-.]{0,64}$")
MAX_COORDINATE = 1_000_000.0
MAX_BUTTON = 31
_POSITIONED_KINDS = np.array(
    [
        EventKind.MOVE,
        EventKind.DOWN,
        EventKind.UP,
        EventKind.TOUCH_START,
        EventKind.TOUCH_MOVE,
        EventKind.TOUCH_END,
    ],
    dtype=np.uint8,
)
_MAX_KIND = max(EventKind)
_MAX_KEY_CLASS = max(KeyClass)
_STRING_LIMITS = {
    "user_agent": 1024,
    "platform": 128,
    "timezone": 64,
    "webgl_vendor": 256,
    "webgl_renderer": 256,
    "notification_permission": 32,
    "notification_permission_query": 32,
    "product_sub": 32,
    "app_version": 1024,
    "vendor": 128,
}
_MAX_LIST_ITEMS = 64
_MAX_LIST_ITEM_CHARS = 128
_MAX_DIMENSION = 100_000


def session_id(value: str, field: str = "session_id") -> str:
    """A valid session id, or :class:`InvalidArgumentError`."""
    if not value:
        raise InvalidArgumentError([FieldViolation(field, "is required")])
    if not SESSION_ID_RE.match(value):
        raise InvalidArgumentError(
            [FieldViolation(field, "must be 1 to 128 characters of A-Z a-z 0-9 _ - . :")]
        )
    return value


def session_context(start: events_pb2.SessionStart, field: str = "start") -> SessionContext:
    """The engine's view of a ``SessionStart`` (whose ``session_id`` is checked separately)."""
    violations: list[FieldViolation] = []
    if not ACTION_RE.match(start.action):
        violations.append(FieldViolation(f"{field}.action", "must be 0 to 64 characters of a-z 0-9 _ - ."))
    device = _device(start.device, f"{field}.device", violations)
    if start.HasField("client_time") and not (0 <= start.client_time.nanos < 1_000_000_000):
        violations.append(FieldViolation(f"{field}.client_time", "nanos must be in [0, 1e9)"))
    if violations:
        raise InvalidArgumentError(violations)
    return SessionContext(action=start.action or "default", device=device, recorded=start.recorded)


def _device(msg: events_pb2.DeviceSignals, field: str, violations: list[FieldViolation]) -> Device:
    for name, limit in _STRING_LIMITS.items():
        if len(getattr(msg, name)) > limit:
            violations.append(FieldViolation(f"{field}.{name}", f"must be at most {limit} characters"))
    for name in ("languages", "automation_markers"):
        items = getattr(msg, name)
        if len(items) > _MAX_LIST_ITEMS:
            violations.append(FieldViolation(f"{field}.{name}", f"must have at most {_MAX_LIST_ITEMS} items"))
        elif any(len(item) > _MAX_LIST_ITEM_CHARS for item in items):
            violations.append(
                FieldViolation(f"{field}.{name}", f"items must be at most {_MAX_LIST_ITEM_CHARS} characters")
            )
    for name in (
        "screen_width",
        "screen_height",
        "outer_width",
        "outer_height",
        "inner_width",
        "inner_height",
    ):
        if msg.HasField(name) and getattr(msg, name) > _MAX_DIMENSION:
            violations.append(FieldViolation(f"{field}.{name}", f"must be at most {_MAX_DIMENSION}"))
    for name, low, high in (("device_pixel_ratio", 0.0, 64.0), ("device_memory_gib", 0.0, 65536.0)):
        if msg.HasField(name):
            value = getattr(msg, name)
            if not (math.isfinite(value) and low <= value <= high):
                violations.append(
                    FieldViolation(f"{field}.{name}", f"must be a number in [{low:g}, {high:g}]")
                )

    def opt(name: str) -> object:
        return getattr(msg, name) if msg.HasField(name) else None

    return Device(
        user_agent=msg.user_agent,
        platform=msg.platform,
        languages=tuple(msg.languages),
        webdriver=opt("webdriver"),  # type: ignore[arg-type]
        plugins_count=opt("plugins_count"),  # type: ignore[arg-type]
        plugins_is_plugin_array=opt("plugins_is_plugin_array"),  # type: ignore[arg-type]
        hardware_concurrency=opt("hardware_concurrency"),  # type: ignore[arg-type]
        device_memory_gib=opt("device_memory_gib"),  # type: ignore[arg-type]
        screen_width=opt("screen_width"),  # type: ignore[arg-type]
        screen_height=opt("screen_height"),  # type: ignore[arg-type]
        outer_width=opt("outer_width"),  # type: ignore[arg-type]
        outer_height=opt("outer_height"),  # type: ignore[arg-type]
        inner_width=opt("inner_width"),  # type: ignore[arg-type]
        inner_height=opt("inner_height"),  # type: ignore[arg-type]
        device_pixel_ratio=opt("device_pixel_ratio"),  # type: ignore[arg-type]
        color_depth=opt("color_depth"),  # type: ignore[arg-type]
        timezone=msg.timezone,
        timezone_offset_minutes=opt("timezone_offset_minutes"),  # type: ignore[arg-type]
        max_touch_points=opt("max_touch_points"),  # type: ignore[arg-type]
        webgl_vendor=msg.webgl_vendor,
        webgl_renderer=msg.webgl_renderer,
        notification_permission=msg.notification_permission,
        notification_permission_query=msg.notification_permission_query,
        document_focused=opt("document_focused"),  # type: ignore[arg-type]
        automation_markers=tuple(msg.automation_markers),
        eval_length=opt("eval_length"),  # type: ignore[arg-type]
        product_sub=msg.product_sub,
        app_version=msg.app_version,
        vendor=msg.vendor,
        pdf_viewer_enabled=opt("pdf_viewer_enabled"),  # type: ignore[arg-type]
        cookies_enabled=opt("cookies_enabled"),  # type: ignore[arg-type]
        has_chrome_object=opt("has_chrome_object"),  # type: ignore[arg-type]
        electron_process=opt("electron_process"),  # type: ignore[arg-type]
        touch_support=opt("touch_support"),  # type: ignore[arg-type]
    )


def events(
    msg: events_pb2.Events,
    *,
    field: str,
    after_t_ms: float,
    events_so_far: int,
    max_events_per_batch: int,
    max_events_per_session: int,
) -> EventColumns:
    """Validated columns of a batch that follows a session's ``events_so_far`` events, the last
    at ``after_t_ms``. Raises :class:`InvalidArgumentError` (listing every bad column) or
    :class:`ResourceExhaustedError` (limits)."""
    n = len(msg.t_ms)
    if n > max_events_per_batch:
        raise ResourceExhaustedError(
            f"{field} has {n} events; at most {max_events_per_batch} are allowed in one batch"
        )
    if events_so_far + n > max_events_per_session:
        raise ResourceExhaustedError(
            f"the session would exceed {max_events_per_session} events; end it and start a new one"
        )
    violations: list[FieldViolation] = []
    if len(msg.kinds) != n:
        violations.append(FieldViolation(f"{field}.kinds", f"has {len(msg.kinds)} elements, t_ms has {n}"))
    for name in ("x", "y", "buttons", "key_classes"):
        size = len(getattr(msg, name))
        if size not in (0, n):
            violations.append(FieldViolation(f"{field}.{name}", f"has {size} elements; must be 0 or {n}"))
    if violations:
        raise InvalidArgumentError(violations)

    t = np.asarray(msg.t_ms, dtype=np.float64)
    kind64 = np.asarray(msg.kinds, dtype=np.int64)
    x = _column(msg.x, n, np.float32)
    y = _column(msg.y, n, np.float32)
    buttons = _column(msg.buttons, n, np.int64)
    key_classes = _column(msg.key_classes, n, np.int64)

    _check(violations, f"{field}.t_ms", ~np.isfinite(t) | (t < 0), "must be finite and >= 0")
    if n:
        previous = np.concatenate(([after_t_ms], t[:-1]))
        _check(violations, f"{field}.t_ms", t < previous, "must not go back in time")
    _check(violations, f"{field}.kinds", (kind64 < 1) | (kind64 > _MAX_KIND), "must be a known event kind")
    positioned = np.isin(kind64, _POSITIONED_KINDS)
    for name, column in (("x", x), ("y", y)):
        bad = ~np.isfinite(column) | (np.abs(column) > MAX_COORDINATE)
        _check(violations, f"{field}.{name}", bad, f"must be finite and within ±{MAX_COORDINATE:g}")
        _check(
            violations,
            f"{field}.{name}",
            positioned & (column < 0),
            "must be >= 0 for a pointer or touch position",
        )
    if len(msg.x) == 0 or len(msg.y) == 0:
        _check(
            violations,
            f"{field}.x",
            positioned,
            "x and y are required when the batch has pointer or touch events",
        )
    _check(
        violations,
        f"{field}.buttons",
        (buttons < 0) | (buttons > MAX_BUTTON),
        f"must be at most {MAX_BUTTON}",
    )
    _check(
        violations,
        f"{field}.key_classes",
        (key_classes < 0) | (key_classes > _MAX_KEY_CLASS),
        "must be a known key class",
    )
    if violations:
        raise InvalidArgumentError(violations)
    return EventColumns(
        t_ms=t,
        kind=kind64.astype(np.uint8),
        x=x,
        y=y,
        button=buttons.astype(np.uint8),
        key_class=key_classes.astype(np.uint8),
    )


def _column(values: object, n: int, dtype: type[np.generic]) -> npt.NDArray[Any]:
    array: npt.NDArray[Any] = np.asarray(values, dtype=dtype)
    return array if array.shape[0] == n else np.zeros(n, dtype=dtype)


def _check(
    violations: list[FieldViolation], field: str, bad: npt.NDArray[np.bool_], description: str
) -> None:
    if bad.any():
        index = int(np.argmax(bad))
        violations.append(FieldViolation(f"{field}[{index}]", description))
