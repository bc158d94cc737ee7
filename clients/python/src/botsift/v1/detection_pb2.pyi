from botsift.v1 import events_pb2 as _events_pb2
from botsift.v1 import verdict_pb2 as _verdict_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.rpc import status_pb2 as _status_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AnalyzeRequest(_message.Message):
    __slots__ = ("start", "events", "verdict_request", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    VERDICT_REQUEST_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: _events_pb2.SessionStart
    events: EventBatch
    verdict_request: VerdictRequest
    end: SessionEnd
    def __init__(self, start: _Optional[_Union[_events_pb2.SessionStart, _Mapping]] = ..., events: _Optional[_Union[EventBatch, _Mapping]] = ..., verdict_request: _Optional[_Union[VerdictRequest, _Mapping]] = ..., end: _Optional[_Union[SessionEnd, _Mapping]] = ...) -> None: ...

class EventBatch(_message.Message):
    __slots__ = ("session_id", "sequence", "events")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    sequence: int
    events: _events_pb2.Events
    def __init__(self, session_id: _Optional[str] = ..., sequence: _Optional[int] = ..., events: _Optional[_Union[_events_pb2.Events, _Mapping]] = ...) -> None: ...

class VerdictRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class SessionEnd(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class AnalyzeResponse(_message.Message):
    __slots__ = ("session_id", "verdict", "error")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    verdict: _verdict_pb2.Verdict
    error: _status_pb2.Status
    def __init__(self, session_id: _Optional[str] = ..., verdict: _Optional[_Union[_verdict_pb2.Verdict, _Mapping]] = ..., error: _Optional[_Union[_status_pb2.Status, _Mapping]] = ...) -> None: ...

class ScoreSessionRequest(_message.Message):
    __slots__ = ("start", "events")
    START_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    start: _events_pb2.SessionStart
    events: _events_pb2.Events
    def __init__(self, start: _Optional[_Union[_events_pb2.SessionStart, _Mapping]] = ..., events: _Optional[_Union[_events_pb2.Events, _Mapping]] = ...) -> None: ...

class GetVerdictRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...
