"""The server's error tree. Expected failures carry data and map to one gRPC status each;
anything else is a bug and surfaces as ``INTERNAL``.

::

    BotSiftError
    ├── ConfigError                 bad settings: the server refuses to start
    ├── StoreUnavailableError       the database cannot be reached          → UNAVAILABLE
    └── ApiError                    a caller's request cannot be served
        ├── InvalidArgumentError    bad input, with field violations         → INVALID_ARGUMENT
        ├── UnauthenticatedError    missing, unknown or revoked key          → UNAUTHENTICATED
        ├── PermissionDeniedError   the key may not do this                  → PERMISSION_DENIED
        ├── NotFoundError           no such session verdict, key, ...        → NOT_FOUND
        ├── AlreadyExistsError      the session id is taken                  → ALREADY_EXISTS
        ├── FailedPreconditionError not now (for example: revoke own key)    → FAILED_PRECONDITION
        └── ResourceExhaustedError  a limit was reached                      → RESOURCE_EXHAUSTED

The translation to gRPC statuses lives in one place: :mod:`botsift_server.status`.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc


class BotSiftError(Exception):
    """Base of every error the server raises on purpose."""


class ConfigError(BotSiftError):
    """The settings are invalid; the message names the setting."""


class StoreUnavailableError(BotSiftError):
    """The database cannot be reached or did not answer in time."""


@dataclass(frozen=True, slots=True)
class FieldViolation:
    """One invalid field: its path (``events.t_ms[3]``) and what is wrong with it."""

    field: str
    description: str


class ApiError(BotSiftError):
    """A request that cannot be served, with the status to answer it with."""

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgumentError(ApiError):
    """Bad input; ``violations`` says which fields and why."""

    code = grpc.StatusCode.INVALID_ARGUMENT

    def __init__(self, violations: list[FieldViolation] | tuple[FieldViolation, ...]) -> None:
        self.violations = tuple(violations)
        first = self.violations[0] if self.violations else FieldViolation("", "invalid request")
        more = f" (and {len(self.violations) - 1} more)" if len(self.violations) > 1 else ""
        prefix = f"{first.field}: " if first.field else ""
        super().__init__(f"{prefix}{first.description}{more}")


class UnauthenticatedError(ApiError):
    """The call carries no key, or one that is unknown or revoked."""

    code = grpc.StatusCode.UNAUTHENTICATED


class PermissionDeniedError(ApiError):
    """The key is valid but may not do this."""

    code = grpc.StatusCode.PERMISSION_DENIED


class NotFoundError(ApiError):
    """The thing asked for does not exist for this tenant."""

    code = grpc.StatusCode.NOT_FOUND


class AlreadyExistsError(ApiError):
    """The thing to create exists already."""

    code = grpc.StatusCode.ALREADY_EXISTS


class FailedPreconditionError(ApiError):
    """The request is valid but cannot be done in the current state."""

    code = grpc.StatusCode.FAILED_PRECONDITION


class ResourceExhaustedError(ApiError):
    """A limit was reached (sessions per stream, events per session, ...)."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED
