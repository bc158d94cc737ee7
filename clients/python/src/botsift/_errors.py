"""The SDK's errors. Every error the SDK raises on purpose is a :class:`BotSiftError`::

    BotSiftError
    ├── ConfigurationError          no API key, a malformed target, bad options
    ├── ApiError                    the server answered with a gRPC status (status, message,
    │   │                           details, request_id; session_id for session errors)
    │   ├── InvalidArgumentError    INVALID_ARGUMENT (field_violations: field -> description)
    │   ├── AuthenticationError     UNAUTHENTICATED: missing, unknown or revoked key
    │   ├── PermissionDeniedError   PERMISSION_DENIED: a publishable key on a secret-key call
    │   ├── NotFoundError           NOT_FOUND
    │   ├── AlreadyExistsError      ALREADY_EXISTS: that session id already has a final verdict
    │   │   └── SessionInterruptedError  the stream dropped and the server stored the session
    │   │                                as it was; its resent copy cannot be stored again
    │   ├── ResourceExhaustedError  RESOURCE_EXHAUSTED: a limit of the server
    │   └── FailedPreconditionError FAILED_PRECONDITION
    ├── ConnectionError             the server could not be reached (UNAVAILABLE after retries,
    │                               or a stream that could not be re-opened in time)
    ├── TimeoutError                a deadline passed (DEADLINE_EXCEEDED)
    ├── SessionBufferFullError      a session recorded more events than it may hold unsent
    └── SessionClosedError          events recorded on a session after it ended

``ConnectionError`` and ``TimeoutError`` also derive from the built-ins of the same name, so
``except TimeoutError`` catches both kinds.
"""

from __future__ import annotations

import builtins

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2

_STATUS_DETAILS_KEY = "grpc-status-details-bin"


class BotSiftError(Exception):
    """Base of every error the SDK raises on purpose."""


class ConfigurationError(BotSiftError):
    """The client was configured wrongly (for example no API key anywhere)."""


class ApiError(BotSiftError):
    """The server answered with an error status.

    Attributes:
        status: the gRPC status code.
        message: the server's message.
        details: the rich status details (``google.rpc`` messages, unpacked where known).
        request_id: the server's ``x-request-id`` for the call (quote it in support tickets).
        session_id: the session the error is about, for errors on the ``Analyze`` stream.
    """

    def __init__(
        self,
        status: grpc.StatusCode,
        message: str,
        *,
        details: tuple[object, ...] = (),
        request_id: str = "",
        session_id: str = "",
    ) -> None:
        self.status = status
        self.message = message
        self.details = details
        self.request_id = request_id
        self.session_id = session_id
        where = f" (session {session_id})" if session_id else ""
        rid = f" [request id {request_id}]" if request_id else ""
        super().__init__(f"{status.name}: {message}{where}{rid}")

    @property
    def field_violations(self) -> dict[str, str]:
        """Field -> description, from ``google.rpc.BadRequest`` details (empty when none)."""
        out: dict[str, str] = {}
        for detail in self.details:
            if isinstance(detail, error_details_pb2.BadRequest):
                out.update({v.field: v.description for v in detail.field_violations})
        return out


class InvalidArgumentError(ApiError):
    """The request was malformed; :attr:`field_violations` says which fields and why."""


class AuthenticationError(ApiError):
    """The API key is missing, unknown or revoked."""


class PermissionDeniedError(ApiError):
    """The key may not make this call (a publishable key calling a secret-key RPC)."""


class NotFoundError(ApiError):
    """The thing asked for does not exist (for example no final verdict for that session)."""


class AlreadyExistsError(ApiError):
    """The session id already has a stored final verdict; use a new session id."""


class SessionInterruptedError(AlreadyExistsError):
    """The stream dropped while the session was open and the server stored its verdict from
    the events it had received then; the resent session could not be stored a second time.
    A backend can still read the stored verdict with ``get_verdict`` and a secret key."""


class ResourceExhaustedError(ApiError):
    """A server limit was reached (sessions per stream, events per session, message size)."""


class FailedPreconditionError(ApiError):
    """The call is not valid in the current state (for example events after ``SessionEnd``)."""


class ConnectionError(BotSiftError, builtins.ConnectionError):
    """The server could not be reached, or a dropped stream could not be re-opened in time."""


class TimeoutError(BotSiftError, builtins.TimeoutError):
    """A deadline passed before the server answered."""


class SessionBufferFullError(BotSiftError):
    """A session holds more unsent events than allowed: the producer ignored back-pressure
    (``await session.drain()``) while the server or network was slower than it."""


class SessionClosedError(BotSiftError):
    """Events were recorded on a session that was already ended."""


_BY_CODE: dict[grpc.StatusCode, type[ApiError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.UNAUTHENTICATED: AuthenticationError,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDeniedError,
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExistsError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhaustedError,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPreconditionError,
}
_CODES = {code.value[0]: code for code in grpc.StatusCode}
_KNOWN_DETAILS: tuple[type[object], ...] = (
    error_details_pb2.BadRequest,
    error_details_pb2.ErrorInfo,
    error_details_pb2.RetryInfo,
    error_details_pb2.QuotaFailure,
    error_details_pb2.PreconditionFailure,
    error_details_pb2.ResourceInfo,
    error_details_pb2.DebugInfo,
    error_details_pb2.Help,
    error_details_pb2.LocalizedMessage,
    error_details_pb2.RequestInfo,
)


def _unpack(details: list[any_pb2.Any]) -> tuple[object, ...]:
    out: list[object] = []
    for packed in details:
        for cls in _KNOWN_DETAILS:
            message = cls()
            if packed.Unpack(message):  # type: ignore[arg-type]
                out.append(message)
                break
        else:
            out.append(packed)
    return tuple(out)


def _metadata_value(metadata: object, key: str) -> str | bytes | None:
    if metadata is None:
        return None
    for item in metadata:  # type: ignore[attr-defined]
        k, v = item
        if k == key:
            return v  # type: ignore[no-any-return]
    return None


def error_from_status(
    status: status_pb2.Status, *, request_id: str = "", session_id: str = ""
) -> BotSiftError:
    """The SDK error for a ``google.rpc.Status`` (as sent for one session on the stream)."""
    code = _CODES.get(status.code, grpc.StatusCode.UNKNOWN)
    return _error(code, status.message, _unpack(list(status.details)), request_id, session_id)


def _error(
    code: grpc.StatusCode, message: str, details: tuple[object, ...], request_id: str, session_id: str
) -> BotSiftError:
    if code is grpc.StatusCode.UNAVAILABLE:
        return ConnectionError(f"UNAVAILABLE: {message}")
    if code is grpc.StatusCode.DEADLINE_EXCEEDED:
        return TimeoutError(f"DEADLINE_EXCEEDED: {message}")
    cls = _BY_CODE.get(code, ApiError)
    return cls(code, message, details=details, request_id=request_id, session_id=session_id)


def error_from_rpc(error: grpc.aio.AioRpcError, *, session_id: str = "") -> BotSiftError:
    """The SDK error for a failed gRPC call, with the rich details and the request id."""
    details: tuple[object, ...] = ()
    raw = _metadata_value(error.trailing_metadata(), _STATUS_DETAILS_KEY)
    if isinstance(raw, bytes):
        details = _unpack(list(status_pb2.Status.FromString(raw).details))
    request_id = _metadata_value(error.initial_metadata(), "x-request-id")
    return _error(
        error.code(),
        error.details() or "",
        details,
        request_id if isinstance(request_id, str) else "",
        session_id,
    )
