"""Which failures mean "the database cannot be reached", and their translation to
:class:`StoreUnavailableError`. Everything else (constraint violations, SQL errors) is a bug
and propagates as is."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import asyncpg

from botsift_server.errors import StoreUnavailableError

__all__ = ["UNAVAILABLE", "as_unavailable", "unavailable"]

UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, no such socket
    TimeoutError,  # connect or command timeout (asyncio.TimeoutError is TimeoutError)
    asyncpg.PostgresConnectionError,  # class 08, including "closed in the middle of operation"
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.QueryCanceledError,  # statement_timeout
    asyncpg.InvalidCatalogNameError,  # the database in the DSN does not exist
    asyncpg.InvalidAuthorizationSpecificationError,  # unknown role, pg_hba refusal
)
"""Exceptions that mean the database cannot be reached or did not answer: retrying may work."""


def as_unavailable(exc: BaseException, what: str) -> StoreUnavailableError:
    """A new :class:`StoreUnavailableError` saying ``what`` failed, caused by ``exc``."""
    error = StoreUnavailableError(f"{what}: {type(exc).__name__}: {exc}")
    error.__cause__ = exc
    return error


@contextlib.contextmanager
def unavailable(what: str) -> Iterator[None]:
    """Turn connection failures inside the block into :class:`StoreUnavailableError`."""
    try:
        yield
    except UNAVAILABLE as exc:
        raise as_unavailable(exc, what) from exc
