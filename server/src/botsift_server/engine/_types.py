"""Value types the engine reads and returns. Plain data: no I/O, no clock, no globals."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import numpy.typing as npt


class EventKind(IntEnum):
    """What happened; the values are those of ``botsift.v1.EventKind``."""

    MOVE = 1
    DOWN = 2
    UP = 3
    WHEEL = 4
    KEY_DOWN = 5
    KEY_UP = 6
    TOUCH_START = 7
    TOUCH_MOVE = 8
    TOUCH_END = 9
    SCROLL = 10
    FOCUS = 11
    BLUR = 12
    VISIBILITY = 13


class KeyClass(IntEnum):
    """The class of a key (never the key); the values are those of ``botsift.v1.KeyClass``."""

    UNSPECIFIED = 0
    LETTER = 1
    DIGIT = 2
    SPACE = 3
    PUNCTUATION = 4
    MODIFIER = 5
    BACKSPACE = 6
    ENTER = 7
    NAVIGATION = 8
    OTHER = 9


KEY_FLAG_CAPITAL_WITHOUT_SHIFT = 1
"""Bit of a key-down event's ``button`` (``Events.buttons``): the key typed a capital letter while
neither Shift nor Caps Lock was on, as a program's ``keyboard.type`` sends it; a physical keyboard
cannot. Other bits are reserved and ignored."""


class RiskLevel(IntEnum):
    """How worried a site should be; the values are those of ``botsift.v1.RiskLevel``."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


MOBILE_WORDS = ("mobile", "android", "iphone", "ipad", "ipod")
"""User-agent words of phones and tablets."""


@dataclass(frozen=True, slots=True)
class Device:
    """Browser and device signals of a session. ``None`` (or empty) means "not reported"."""

    user_agent: str = ""
    platform: str = ""
    languages: tuple[str, ...] = ()
    webdriver: bool | None = None
    plugins_count: int | None = None
    plugins_is_plugin_array: bool | None = None
    hardware_concurrency: int | None = None
    device_memory_gib: float | None = None
    screen_width: int | None = None
    screen_height: int | None = None
    outer_width: int | None = None
    outer_height: int | None = None
    inner_width: int | None = None
    inner_height: int | None = None
    device_pixel_ratio: float | None = None
    color_depth: int | None = None
    timezone: str = ""
    timezone_offset_minutes: int | None = None
    max_touch_points: int | None = None
    webgl_vendor: str = ""
    webgl_renderer: str = ""
    notification_permission: str = ""
    notification_permission_query: str = ""
    document_focused: bool | None = None
    automation_markers: tuple[str, ...] = ()
    eval_length: int | None = None
    product_sub: str = ""
    app_version: str = ""
    vendor: str = ""
    pdf_viewer_enabled: bool | None = None
    cookies_enabled: bool | None = None
    has_chrome_object: bool | None = None
    electron_process: bool | None = None
    touch_support: bool | None = None

    @property
    def is_desktop(self) -> bool:
        """Whether the device says it is a desktop: a user agent that is not a phone's or a
        tablet's, and no touch points (a mouse and a physical keyboard, most likely)."""
        ua = self.user_agent.lower()
        if not ua or any(word in ua for word in MOBILE_WORDS):
            return False
        return not self.max_touch_points and self.touch_support is not True

    @property
    def types_on_screen(self) -> bool:
        """Whether the device is a phone or tablet, typed on with an on-screen keyboard: a mobile
        user agent, or a Mac's with touch points (iPadOS Safari reports a Mac)."""
        ua = self.user_agent.lower()
        if any(word in ua for word in MOBILE_WORDS):
            return True
        return "macintosh" in ua and (self.max_touch_points or 0) > 1

    @property
    def has_touch_screen(self) -> bool:
        """Whether the device may be used by touch: a phone or tablet, or touch points or touch
        support reported (a Windows tablet or a laptop with a touch screen, whose on-screen
        keyboard and taps make input no mouse or physical keyboard does)."""
        return self.types_on_screen or bool(self.max_touch_points) or self.touch_support is True


@dataclass(frozen=True, slots=True)
class SessionContext:
    """What a session starts with: the action it is for, its device signals, and whether its
    events are a recording sent faster than they happened (no live-clock check then)."""

    action: str = "default"
    device: Device = field(default_factory=Device)
    recorded: bool = False


@dataclass(frozen=True, slots=True)
class EventColumns:
    """A batch of events in columnar form, already validated by the caller.

    All arrays have the same length. ``t_ms`` is non-decreasing (also across batches of a
    session), finite and >= 0; ``x``/``y`` are finite (0 where an event has no position);
    ``kind`` holds :class:`EventKind` values, ``key_class`` :class:`KeyClass` values;
    ``button`` the button of a press or release, visibility (1 visible) of a visibility event and
    flags (:data:`KEY_FLAG_CAPITAL_WITHOUT_SHIFT`) of a key press.
    """

    t_ms: npt.NDArray[np.float64]
    kind: npt.NDArray[np.uint8]
    x: npt.NDArray[np.float32]
    y: npt.NDArray[np.float32]
    button: npt.NDArray[np.uint8]
    key_class: npt.NDArray[np.uint8]

    def __len__(self) -> int:
        return int(self.t_ms.shape[0])

    def take(self, rows: npt.NDArray[np.bool_] | npt.NDArray[np.intp]) -> EventColumns:
        """The events that ``rows`` selects (a mask, or positions in the order wanted)."""
        return EventColumns(
            t_ms=self.t_ms[rows],
            kind=self.kind[rows],
            x=self.x[rows],
            y=self.y[rows],
            button=self.button[rows],
            key_class=self.key_class[rows],
        )

    @staticmethod
    def empty() -> EventColumns:
        """A batch with no events."""
        return EventColumns(
            t_ms=np.zeros(0, np.float64),
            kind=np.zeros(0, np.uint8),
            x=np.zeros(0, np.float32),
            y=np.zeros(0, np.float32),
            button=np.zeros(0, np.uint8),
            key_class=np.zeros(0, np.uint8),
        )


@dataclass(frozen=True, slots=True)
class Reason:
    """One explanation: a stable code, a sentence, and its log-odds weight (positive: bot)."""

    code: str
    message: str
    weight: float
    detector: str


@dataclass(frozen=True, slots=True)
class Contribution:
    """The total evidence of one detector: log-odds after weighting, and how sure it is (0-1)."""

    detector: str
    log_odds: float
    confidence: float


@dataclass(frozen=True, slots=True)
class EventCounts:
    """How many events of each family a session carried."""

    total: int = 0
    pointer: int = 0
    keys: int = 0
    touches: int = 0
    scrolls: int = 0
    focus: int = 0


@dataclass(frozen=True, slots=True)
class Assessment:
    """The engine's answer about a session at one moment."""

    score: float
    risk_level: RiskLevel
    reasons: tuple[Reason, ...]
    contributions: tuple[Contribution, ...]
    counts: EventCounts
    confidence: float
    engine_version: str
