"""The one server interceptor: request ids, authentication, error mapping, logs and metrics
around every RPC.

It wraps the servicer's handler so that everything runs inside the RPC's own task: context
variables (request id, principal) set here are what the servicer sees.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, cast

import grpc

from botsift_server.auth import Authenticator, is_protected, principal_var
from botsift_server.errors import ApiError, StoreUnavailableError
from botsift_server.logs import request_id_var
from botsift_server.metrics import Metrics
from botsift_server.status import abort

_log = logging.getLogger("botsift.rpc")
_MAX_REQUEST_ID = 128

Context = grpc.aio.ServicerContext[Any, Any]


class ServerInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[type-arg]
    """Authenticates protected RPCs and observes all of them."""

    def __init__(self, authenticator: Authenticator, metrics: Metrics) -> None:
        self._auth = authenticator
        self._metrics = metrics

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Any]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Any:
        # Typed Any: grpc-stubs describes the synchronous handler types only.
        handler: Any = await continuation(handler_call_details)
        if handler is None:
            return handler
        method = handler_call_details.method
        metadata = {k: v for k, v in (handler_call_details.invocation_metadata or ()) if isinstance(v, str)}
        call = _Call(self, method, metadata)
        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(
                call.unary(handler.unary_unary),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream is not None:
            return grpc.unary_stream_rpc_method_handler(
                call.stream(handler.unary_stream),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.stream_stream is not None:
            return grpc.stream_stream_rpc_method_handler(
                call.stream(handler.stream_stream),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return grpc.stream_unary_rpc_method_handler(
            call.unary(handler.stream_unary),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


class _Call:
    """Book-keeping of one RPC."""

    def __init__(self, owner: ServerInterceptor, method: str, metadata: dict[str, str]) -> None:
        self._owner = owner
        self._method = method
        self._metadata = metadata
        given = metadata.get("x-request-id", "")
        self._request_id = given[:_MAX_REQUEST_ID] if given.isprintable() and given else uuid.uuid4().hex
        self._start = time.perf_counter()
        self._recorded = False

    def unary(
        self, behavior: Callable[[Any, Context], Awaitable[Any]]
    ) -> Callable[[Any, Context], Awaitable[Any]]:
        async def handle(request: Any, context: Context) -> Any:
            await self._begin(context)
            try:
                return await behavior(request, context)
            except (ApiError, StoreUnavailableError) as exc:
                await abort(context, exc)
            except Exception as exc:
                await self._internal(context, exc)
            finally:
                self._end(context)

        return handle

    def stream(
        self, behavior: Callable[[Any, Context], AsyncIterator[Any] | Awaitable[None]]
    ) -> Callable[[Any, Context], AsyncIterator[Any]]:
        async def handle(request: Any, context: Context) -> AsyncIterator[Any]:
            await self._begin(context)
            try:
                responses = behavior(request, context)
                if inspect.isawaitable(responses):
                    # A handler that streams with `context.write` (the health Watch does).
                    await responses
                else:
                    async for response in responses:
                        yield response
            except (ApiError, StoreUnavailableError) as exc:
                await abort(context, exc)
            except Exception as exc:
                await self._internal(context, exc)
            finally:
                self._end(context)

        return handle

    async def _begin(self, context: Context) -> None:
        request_id_var.set(self._request_id)
        await context.send_initial_metadata((("x-request-id", self._request_id),))
        if is_protected(self._method):
            try:
                principal = await self._owner._auth.authenticate(
                    self._method, self._metadata.get("authorization")
                )
            except (ApiError, StoreUnavailableError) as exc:
                self._end_early(exc)
                await abort(context, exc)
            principal_var.set(principal)

    async def _internal(self, context: Context, exc: Exception) -> None:
        if isinstance(exc, asyncio.CancelledError | grpc.aio.AbortError):
            raise exc
        _log.exception("unexpected error in %s", self._method)
        await context.abort(grpc.StatusCode.INTERNAL, f"internal error (request id {self._request_id})")

    def _end_early(self, exc: ApiError | StoreUnavailableError) -> None:
        code = exc.code if isinstance(exc, ApiError) else grpc.StatusCode.UNAVAILABLE
        self._record(code)
        self._recorded = True

    def _end(self, context: Context) -> None:
        if self._recorded:
            return
        # None until a handler sets a status (grpc-stubs does not say so).
        code = cast(grpc.StatusCode | None, context.code())
        if code is None:
            code = grpc.StatusCode.CANCELLED if context.cancelled() else grpc.StatusCode.OK
        self._record(code)

    def _record(self, code: grpc.StatusCode) -> None:
        name = code.name
        elapsed = time.perf_counter() - self._start
        metrics = self._owner._metrics
        method = self._method.rsplit("/", 1)[-1]
        metrics.rpcs.labels(method, name).inc()
        metrics.rpc_latency.labels(method).observe(elapsed)
        _log.log(
            logging.DEBUG if name == "OK" else logging.INFO,
            "rpc finished",
            extra={"method": self._method, "code": name, "duration_ms": round(elapsed * 1000, 3)},
        )
