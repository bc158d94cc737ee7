import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RiskLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RISK_LEVEL_UNSPECIFIED: _ClassVar[RiskLevel]
    RISK_LEVEL_LOW: _ClassVar[RiskLevel]
    RISK_LEVEL_MEDIUM: _ClassVar[RiskLevel]
    RISK_LEVEL_HIGH: _ClassVar[RiskLevel]
    RISK_LEVEL_CRITICAL: _ClassVar[RiskLevel]
RISK_LEVEL_UNSPECIFIED: RiskLevel
RISK_LEVEL_LOW: RiskLevel
RISK_LEVEL_MEDIUM: RiskLevel
RISK_LEVEL_HIGH: RiskLevel
RISK_LEVEL_CRITICAL: RiskLevel

class Reason(_message.Message):
    __slots__ = ("code", "message", "weight", "detector")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    DETECTOR_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    weight: float
    detector: str
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ..., weight: _Optional[float] = ..., detector: _Optional[str] = ...) -> None: ...

class DetectorContribution(_message.Message):
    __slots__ = ("detector", "log_odds", "confidence")
    DETECTOR_FIELD_NUMBER: _ClassVar[int]
    LOG_ODDS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    detector: str
    log_odds: float
    confidence: float
    def __init__(self, detector: _Optional[str] = ..., log_odds: _Optional[float] = ..., confidence: _Optional[float] = ...) -> None: ...

class EventCounts(_message.Message):
    __slots__ = ("total", "pointer", "keys", "touches", "scrolls", "focus")
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    POINTER_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    TOUCHES_FIELD_NUMBER: _ClassVar[int]
    SCROLLS_FIELD_NUMBER: _ClassVar[int]
    FOCUS_FIELD_NUMBER: _ClassVar[int]
    total: int
    pointer: int
    keys: int
    touches: int
    scrolls: int
    focus: int
    def __init__(self, total: _Optional[int] = ..., pointer: _Optional[int] = ..., keys: _Optional[int] = ..., touches: _Optional[int] = ..., scrolls: _Optional[int] = ..., focus: _Optional[int] = ...) -> None: ...

class Verdict(_message.Message):
    __slots__ = ("session_id", "score", "risk_level", "reasons", "contributions", "event_counts", "engine_version", "final", "processing_time_us", "decide_time", "action", "confidence")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    RISK_LEVEL_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTIONS_FIELD_NUMBER: _ClassVar[int]
    EVENT_COUNTS_FIELD_NUMBER: _ClassVar[int]
    ENGINE_VERSION_FIELD_NUMBER: _ClassVar[int]
    FINAL_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_TIME_US_FIELD_NUMBER: _ClassVar[int]
    DECIDE_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    score: float
    risk_level: RiskLevel
    reasons: _containers.RepeatedCompositeFieldContainer[Reason]
    contributions: _containers.RepeatedCompositeFieldContainer[DetectorContribution]
    event_counts: EventCounts
    engine_version: str
    final: bool
    processing_time_us: int
    decide_time: _timestamp_pb2.Timestamp
    action: str
    confidence: float
    def __init__(self, session_id: _Optional[str] = ..., score: _Optional[float] = ..., risk_level: _Optional[_Union[RiskLevel, str]] = ..., reasons: _Optional[_Iterable[_Union[Reason, _Mapping]]] = ..., contributions: _Optional[_Iterable[_Union[DetectorContribution, _Mapping]]] = ..., event_counts: _Optional[_Union[EventCounts, _Mapping]] = ..., engine_version: _Optional[str] = ..., final: _Optional[bool] = ..., processing_time_us: _Optional[int] = ..., decide_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., action: _Optional[str] = ..., confidence: _Optional[float] = ...) -> None: ...
