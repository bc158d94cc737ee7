"""BotSift Python SDK: stream what visitors do, get explainable bot verdicts.

Example::

    import asyncio, botsift

    async def main() -> None:
        async with botsift.AsyncClient(api_key="pk_test_...", target="localhost:50051") as client:
            async with client.session(action="login", device={"user_agent": "Mozilla/5.0 ..."}) as s:
                s.pointer(10, 20)
                s.key_down("letter")
                verdict = await s.verdict()
            print(botsift.RiskLevel.Name(verdict.risk_level), [r.code for r in verdict.reasons])

    asyncio.run(main())

The generated contracts live in :mod:`botsift.v1`, regenerated from ``proto/`` by ``make proto``.
"""

__version__ = "1.1.0"

from botsift._client import AsyncClient, DeviceLike
from botsift._config import ClientConfig, RetryPolicy, SessionOptions
from botsift._errors import (
    AlreadyExistsError,
    ApiError,
    AuthenticationError,
    BotSiftError,
    ConfigurationError,
    ConnectionError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    ResourceExhaustedError,
    SessionBufferFullError,
    SessionClosedError,
    SessionInterruptedError,
    TimeoutError,
)
from botsift._events import CAPITAL_WITHOUT_SHIFT, EVENT_TYPES, KEY_CLASSES, KeyClassLike, device_signals
from botsift._session import Session
from botsift._sync import Client, SyncSession
from botsift._traces import Trace, TraceFormatError, read_traces, replay_trace, replay_traces, trace_from_dict
from botsift.v1.detection_pb2 import AnalyzeRequest, AnalyzeResponse
from botsift.v1.events_pb2 import DeviceSignals, EventKind, Events, KeyClass
from botsift.v1.keys_pb2 import ApiKey, KeyKind, KeyMode
from botsift.v1.verdict_pb2 import Reason, RiskLevel, Verdict

__all__ = [
    "CAPITAL_WITHOUT_SHIFT",
    "EVENT_TYPES",
    "KEY_CLASSES",
    "AlreadyExistsError",
    "AnalyzeRequest",
    "AnalyzeResponse",
    "ApiError",
    "ApiKey",
    "AsyncClient",
    "AuthenticationError",
    "BotSiftError",
    "Client",
    "ClientConfig",
    "ConfigurationError",
    "ConnectionError",
    "DeviceLike",
    "DeviceSignals",
    "EventKind",
    "Events",
    "FailedPreconditionError",
    "InvalidArgumentError",
    "KeyClass",
    "KeyClassLike",
    "KeyKind",
    "KeyMode",
    "NotFoundError",
    "PermissionDeniedError",
    "Reason",
    "ResourceExhaustedError",
    "RetryPolicy",
    "RiskLevel",
    "Session",
    "SessionBufferFullError",
    "SessionClosedError",
    "SessionInterruptedError",
    "SessionOptions",
    "SyncSession",
    "TimeoutError",
    "Trace",
    "TraceFormatError",
    "Verdict",
    "__version__",
    "device_signals",
    "read_traces",
    "replay_trace",
    "replay_traces",
    "trace_from_dict",
]
