import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_KIND_UNSPECIFIED: _ClassVar[EventKind]
    EVENT_KIND_MOVE: _ClassVar[EventKind]
    EVENT_KIND_DOWN: _ClassVar[EventKind]
    EVENT_KIND_UP: _ClassVar[EventKind]
    EVENT_KIND_WHEEL: _ClassVar[EventKind]
    EVENT_KIND_KEY_DOWN: _ClassVar[EventKind]
    EVENT_KIND_KEY_UP: _ClassVar[EventKind]
    EVENT_KIND_TOUCH_START: _ClassVar[EventKind]
    EVENT_KIND_TOUCH_MOVE: _ClassVar[EventKind]
    EVENT_KIND_TOUCH_END: _ClassVar[EventKind]
    EVENT_KIND_SCROLL: _ClassVar[EventKind]
    EVENT_KIND_FOCUS: _ClassVar[EventKind]
    EVENT_KIND_BLUR: _ClassVar[EventKind]
    EVENT_KIND_VISIBILITY: _ClassVar[EventKind]

class KeyClass(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    KEY_CLASS_UNSPECIFIED: _ClassVar[KeyClass]
    KEY_CLASS_LETTER: _ClassVar[KeyClass]
    KEY_CLASS_DIGIT: _ClassVar[KeyClass]
    KEY_CLASS_SPACE: _ClassVar[KeyClass]
    KEY_CLASS_PUNCTUATION: _ClassVar[KeyClass]
    KEY_CLASS_MODIFIER: _ClassVar[KeyClass]
    KEY_CLASS_BACKSPACE: _ClassVar[KeyClass]
    KEY_CLASS_ENTER: _ClassVar[KeyClass]
    KEY_CLASS_NAVIGATION: _ClassVar[KeyClass]
    KEY_CLASS_OTHER: _ClassVar[KeyClass]
EVENT_KIND_UNSPECIFIED: EventKind
EVENT_KIND_MOVE: EventKind
EVENT_KIND_DOWN: EventKind
EVENT_KIND_UP: EventKind
EVENT_KIND_WHEEL: EventKind
EVENT_KIND_KEY_DOWN: EventKind
EVENT_KIND_KEY_UP: EventKind
EVENT_KIND_TOUCH_START: EventKind
EVENT_KIND_TOUCH_MOVE: EventKind
EVENT_KIND_TOUCH_END: EventKind
EVENT_KIND_SCROLL: EventKind
EVENT_KIND_FOCUS: EventKind
EVENT_KIND_BLUR: EventKind
EVENT_KIND_VISIBILITY: EventKind
KEY_CLASS_UNSPECIFIED: KeyClass
KEY_CLASS_LETTER: KeyClass
KEY_CLASS_DIGIT: KeyClass
KEY_CLASS_SPACE: KeyClass
KEY_CLASS_PUNCTUATION: KeyClass
KEY_CLASS_MODIFIER: KeyClass
KEY_CLASS_BACKSPACE: KeyClass
KEY_CLASS_ENTER: KeyClass
KEY_CLASS_NAVIGATION: KeyClass
KEY_CLASS_OTHER: KeyClass

class Events(_message.Message):
    __slots__ = ("t_ms", "kinds", "x", "y", "buttons", "key_classes")
    T_MS_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    BUTTONS_FIELD_NUMBER: _ClassVar[int]
    KEY_CLASSES_FIELD_NUMBER: _ClassVar[int]
    t_ms: _containers.RepeatedScalarFieldContainer[float]
    kinds: _containers.RepeatedScalarFieldContainer[EventKind]
    x: _containers.RepeatedScalarFieldContainer[float]
    y: _containers.RepeatedScalarFieldContainer[float]
    buttons: _containers.RepeatedScalarFieldContainer[int]
    key_classes: _containers.RepeatedScalarFieldContainer[KeyClass]
    def __init__(self, t_ms: _Optional[_Iterable[float]] = ..., kinds: _Optional[_Iterable[_Union[EventKind, str]]] = ..., x: _Optional[_Iterable[float]] = ..., y: _Optional[_Iterable[float]] = ..., buttons: _Optional[_Iterable[int]] = ..., key_classes: _Optional[_Iterable[_Union[KeyClass, str]]] = ...) -> None: ...

class DeviceSignals(_message.Message):
    __slots__ = ("user_agent", "platform", "languages", "webdriver", "plugins_count", "plugins_is_plugin_array", "hardware_concurrency", "device_memory_gib", "screen_width", "screen_height", "outer_width", "outer_height", "inner_width", "inner_height", "device_pixel_ratio", "color_depth", "timezone", "timezone_offset_minutes", "max_touch_points", "webgl_vendor", "webgl_renderer", "notification_permission", "notification_permission_query", "document_focused", "automation_markers", "eval_length", "product_sub", "app_version", "vendor", "pdf_viewer_enabled", "cookies_enabled", "has_chrome_object", "electron_process", "touch_support")
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    WEBDRIVER_FIELD_NUMBER: _ClassVar[int]
    PLUGINS_COUNT_FIELD_NUMBER: _ClassVar[int]
    PLUGINS_IS_PLUGIN_ARRAY_FIELD_NUMBER: _ClassVar[int]
    HARDWARE_CONCURRENCY_FIELD_NUMBER: _ClassVar[int]
    DEVICE_MEMORY_GIB_FIELD_NUMBER: _ClassVar[int]
    SCREEN_WIDTH_FIELD_NUMBER: _ClassVar[int]
    SCREEN_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    OUTER_WIDTH_FIELD_NUMBER: _ClassVar[int]
    OUTER_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    INNER_WIDTH_FIELD_NUMBER: _ClassVar[int]
    INNER_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    DEVICE_PIXEL_RATIO_FIELD_NUMBER: _ClassVar[int]
    COLOR_DEPTH_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_OFFSET_MINUTES_FIELD_NUMBER: _ClassVar[int]
    MAX_TOUCH_POINTS_FIELD_NUMBER: _ClassVar[int]
    WEBGL_VENDOR_FIELD_NUMBER: _ClassVar[int]
    WEBGL_RENDERER_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_PERMISSION_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_PERMISSION_QUERY_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FOCUSED_FIELD_NUMBER: _ClassVar[int]
    AUTOMATION_MARKERS_FIELD_NUMBER: _ClassVar[int]
    EVAL_LENGTH_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_SUB_FIELD_NUMBER: _ClassVar[int]
    APP_VERSION_FIELD_NUMBER: _ClassVar[int]
    VENDOR_FIELD_NUMBER: _ClassVar[int]
    PDF_VIEWER_ENABLED_FIELD_NUMBER: _ClassVar[int]
    COOKIES_ENABLED_FIELD_NUMBER: _ClassVar[int]
    HAS_CHROME_OBJECT_FIELD_NUMBER: _ClassVar[int]
    ELECTRON_PROCESS_FIELD_NUMBER: _ClassVar[int]
    TOUCH_SUPPORT_FIELD_NUMBER: _ClassVar[int]
    user_agent: str
    platform: str
    languages: _containers.RepeatedScalarFieldContainer[str]
    webdriver: bool
    plugins_count: int
    plugins_is_plugin_array: bool
    hardware_concurrency: int
    device_memory_gib: float
    screen_width: int
    screen_height: int
    outer_width: int
    outer_height: int
    inner_width: int
    inner_height: int
    device_pixel_ratio: float
    color_depth: int
    timezone: str
    timezone_offset_minutes: int
    max_touch_points: int
    webgl_vendor: str
    webgl_renderer: str
    notification_permission: str
    notification_permission_query: str
    document_focused: bool
    automation_markers: _containers.RepeatedScalarFieldContainer[str]
    eval_length: int
    product_sub: str
    app_version: str
    vendor: str
    pdf_viewer_enabled: bool
    cookies_enabled: bool
    has_chrome_object: bool
    electron_process: bool
    touch_support: bool
    def __init__(self, user_agent: _Optional[str] = ..., platform: _Optional[str] = ..., languages: _Optional[_Iterable[str]] = ..., webdriver: _Optional[bool] = ..., plugins_count: _Optional[int] = ..., plugins_is_plugin_array: _Optional[bool] = ..., hardware_concurrency: _Optional[int] = ..., device_memory_gib: _Optional[float] = ..., screen_width: _Optional[int] = ..., screen_height: _Optional[int] = ..., outer_width: _Optional[int] = ..., outer_height: _Optional[int] = ..., inner_width: _Optional[int] = ..., inner_height: _Optional[int] = ..., device_pixel_ratio: _Optional[float] = ..., color_depth: _Optional[int] = ..., timezone: _Optional[str] = ..., timezone_offset_minutes: _Optional[int] = ..., max_touch_points: _Optional[int] = ..., webgl_vendor: _Optional[str] = ..., webgl_renderer: _Optional[str] = ..., notification_permission: _Optional[str] = ..., notification_permission_query: _Optional[str] = ..., document_focused: _Optional[bool] = ..., automation_markers: _Optional[_Iterable[str]] = ..., eval_length: _Optional[int] = ..., product_sub: _Optional[str] = ..., app_version: _Optional[str] = ..., vendor: _Optional[str] = ..., pdf_viewer_enabled: _Optional[bool] = ..., cookies_enabled: _Optional[bool] = ..., has_chrome_object: _Optional[bool] = ..., electron_process: _Optional[bool] = ..., touch_support: _Optional[bool] = ...) -> None: ...

class SessionStart(_message.Message):
    __slots__ = ("session_id", "action", "device", "client_time", "recorded")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_TIME_FIELD_NUMBER: _ClassVar[int]
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    action: str
    device: DeviceSignals
    client_time: _timestamp_pb2.Timestamp
    recorded: bool
    def __init__(self, session_id: _Optional[str] = ..., action: _Optional[str] = ..., device: _Optional[_Union[DeviceSignals, _Mapping]] = ..., client_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recorded: _Optional[bool] = ...) -> None: ...
