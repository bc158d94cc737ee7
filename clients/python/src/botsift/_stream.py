"""The one ``Analyze`` stream a client shares between all its sessions: a writer task, a reader
task, and re-opening the stream (resending open sessions) when it drops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence

import grpc

from botsift._config import ClientConfig
from botsift._errors import BotSiftError, ConnectionError, error_from_rpc, error_from_status
from botsift._retry import backoff_s
from botsift._session import Session
from botsift.v1 import detection_pb2, detection_pb2_grpc

_log = logging.getLogger("botsift")
AnalyzeCall = grpc.aio.StreamStreamCall[detection_pb2.AnalyzeRequest, detection_pb2.AnalyzeResponse]
# (generation, session, request, events in it); a None request half-closes the stream.
_Item = tuple[int, Session | None, detection_pb2.AnalyzeRequest | None, int]
# What gRPC core reports, as INTERNAL or UNKNOWN, when the connection itself broke (a reset, a
# proxy cut) rather than the server ending the call: such a stream is re-opened like UNAVAILABLE.
_TRANSPORT_FAILURES = ("Internal error from Core", "Stream removed", "Socket closed", "Connection reset")


def _dropped(code: grpc.StatusCode) -> bool:
    """Whether a call that ended this way should be re-opened (not: failed for good)."""
    return code in (grpc.StatusCode.OK, grpc.StatusCode.UNAVAILABLE)


class AnalyzeStream:
    """Multiplexes sessions over one ``Analyze`` call and keeps it alive.

    Every queued message carries the generation of the stream it was meant for. When the
    stream drops, the generation moves on only once a new stream is open, at the same moment
    every open session queues its ``SessionStart`` and all its batches again: messages queued
    while disconnected are skipped (the resend covers them), so each session's messages stay
    in order and none is sent twice on the same stream.
    """

    def __init__(
        self,
        stub: detection_pb2_grpc.DetectionServiceAsyncStub,
        metadata: Sequence[tuple[str, str]],
        config: ClientConfig,
        on_dead: Callable[[AnalyzeStream], None],
    ) -> None:
        self._stub = stub
        self._metadata = tuple(metadata)
        self._config = config
        self._on_dead = on_dead
        self._sessions: dict[str, Session] = {}
        self._queue: asyncio.Queue[_Item] = asyncio.Queue()
        self._generation = 0
        self._slots = asyncio.Semaphore(config.session.max_sessions_per_stream)
        self._closing = False
        self._connected_before = False
        self.dead = False
        self.request_id = ""
        """``x-request-id`` of the current underlying call."""
        self.reconnects = 0
        """How many times the stream was re-opened after dropping."""
        self._task = asyncio.create_task(self._run())

    async def register(self, session: Session) -> None:
        """Open a session on the stream (waits for a free slot)."""
        if self.dead or self._closing:
            raise ConnectionError("this stream is closed")
        if session.session_id in self._sessions:
            raise ValueError(f"session {session.session_id!r} is already open on this client")
        await self._slots.acquire()
        self._sessions[session.session_id] = session
        self.send(session, detection_pb2.AnalyzeRequest(start=session._start), 0)

    def send(self, session: Session, request: detection_pb2.AnalyzeRequest, n_events: int) -> None:
        """Queue a message of a registered session for the current stream."""
        self._queue.put_nowait((self._generation, session, request, n_events))

    async def close(self, timeout_s: float) -> None:
        """Half-close: the server ends the sessions still open (stored; final verdicts sent)."""
        if self._closing:
            return
        self._closing = True
        self._queue.put_nowait((self._generation, None, None, 0))
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout_s)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._fail_all(ConnectionError("the client was closed before the session's verdict arrived"))

    # -- the loop -------------------------------------------------------------------------------

    async def _run(self) -> None:
        retry = self._config.retry
        attempt = 0
        deadline: float | None = None
        try:
            while True:
                call: AnalyzeCall = self._stub.Analyze(metadata=self._metadata)  # type: ignore[call-arg]
                try:
                    # initial_metadata() alone answers empty metadata for a call that never
                    # connected; wait_for_connection() raises.
                    await call.wait_for_connection()
                    metadata = await call.initial_metadata()
                except grpc.aio.AioRpcError as exc:
                    if exc.code() is not grpc.StatusCode.UNAVAILABLE:
                        self._fail_all(error_from_rpc(exc))
                        return
                    now = time.monotonic()
                    deadline = deadline or now + retry.reconnect_timeout_s
                    if now >= deadline:
                        self._fail_all(ConnectionError(f"could not open the Analyze stream: {exc.details()}"))
                        return
                    await asyncio.sleep(backoff_s(retry, attempt))
                    attempt += 1
                    continue
                attempt, deadline = 0, None
                self.request_id = str(dict(metadata or ()).get("x-request-id", ""))
                if self._connected_before:
                    self._resume()
                self._connected_before = True
                code, error = await self._pump(call)
                if self._closing and code is grpc.StatusCode.OK:
                    return
                if not _dropped(code):
                    self._fail_all(error)
                    return
                self.reconnects += 1
                _log.info(
                    "the Analyze stream dropped; re-opening it", extra={"sessions": len(self._sessions)}
                )
                deadline = time.monotonic() + retry.reconnect_timeout_s
                await asyncio.sleep(backoff_s(retry, 0))
        finally:
            self.dead = True
            self._on_dead(self)

    async def _pump(self, call: AnalyzeCall) -> tuple[grpc.StatusCode, BotSiftError]:
        """Run one call until it ends; how it ended."""
        writer = asyncio.create_task(self._write(call, self._generation))
        try:
            while True:
                response = await call.read()
                if response is grpc.aio.EOF:  # type: ignore[attr-defined]
                    break
                assert isinstance(response, detection_pb2.AnalyzeResponse)
                self._dispatch(response)
        except grpc.aio.AioRpcError as exc:
            error = error_from_rpc(exc)
            if exc.code() in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN) and any(
                marker in (exc.details() or "") for marker in _TRANSPORT_FAILURES
            ):
                return grpc.StatusCode.UNAVAILABLE, error
            return exc.code(), error
        finally:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        code = await call.code()
        return code, ConnectionError(f"the stream ended ({code.name}: {await call.details()})")

    async def _write(self, call: AnalyzeCall, generation: int) -> None:
        try:
            while True:
                item_generation, session, request, n_events = await self._queue.get()
                if item_generation != generation:
                    continue
                if request is None:
                    await call.done_writing()
                    return
                await call.write(request)
                if session is not None and n_events:
                    session._written(n_events)
        except (grpc.aio.AioRpcError, asyncio.InvalidStateError) as exc:
            # The call ended under us; the reader sees why and decides what happens next.
            _log.debug("writer stopped: %s", exc)

    def _resume(self) -> None:
        self._generation += 1
        for session in list(self._sessions.values()):
            try:
                requests = session._resume_requests()
            except BotSiftError as exc:
                self._finish(session, exc)
                continue
            for request, n_events in requests:
                self.send(session, request, n_events)

    def _dispatch(self, response: detection_pb2.AnalyzeResponse) -> None:
        session = self._sessions.get(response.session_id)
        if session is None:
            return
        which = response.WhichOneof("result")
        if which == "verdict":
            if response.verdict.final:
                self._release(session)
            session._on_verdict(response.verdict)
        elif which == "error":
            self._finish(
                session,
                error_from_status(response.error, request_id=self.request_id, session_id=session.session_id),
            )

    def _finish(self, session: Session, error: BotSiftError) -> None:
        self._release(session)
        session._on_error(error)

    def _release(self, session: Session) -> None:
        if self._sessions.pop(session.session_id, None) is not None:
            self._slots.release()

    def _fail_all(self, error: BotSiftError) -> None:
        for session in list(self._sessions.values()):
            self._finish(session, error)
