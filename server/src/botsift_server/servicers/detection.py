"""``botsift.v1.DetectionService``: protobuf in, session manager calls, protobuf out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import grpc
from google.rpc import status_pb2

from botsift.v1 import detection_pb2, detection_pb2_grpc, verdict_pb2
from botsift_server import convert, validation
from botsift_server.auth import Principal, current_principal
from botsift_server.errors import (
    ApiError,
    FieldViolation,
    InvalidArgumentError,
    NotFoundError,
    StoreUnavailableError,
)
from botsift_server.sessions import Outcome, Parking, Session, SessionManager, StreamSessions
from botsift_server.status import status_of

_log = logging.getLogger("botsift.detection")
Context = grpc.aio.ServicerContext[Any, Any]
_OUTBOX_SIZE = 256
_SWEEP_INTERVAL_S = 5.0
_CANCEL_SETTLE_STEPS = 5
_CANCEL_SETTLE_STEP_S = 0.01


def _verdict(outcome: Outcome) -> verdict_pb2.Verdict:
    return convert.verdict(
        outcome.session_id,
        outcome.action,
        outcome.assessment,
        final=outcome.final,
        decide_time=outcome.decide_time,
        processing_time_us=outcome.processing_time_us,
    )


class DetectionServicer(detection_pb2_grpc.DetectionServiceServicer):
    """Scores sessions streamed or sent whole, and serves stored verdicts."""

    def __init__(self, sessions: SessionManager) -> None:
        self._sessions = sessions
        self._streams: set[_AnalyzeStream] = set()
        self._parking = Parking(sessions)
        self._draining = False

    async def ScoreSession(
        self, request: detection_pb2.ScoreSessionRequest, context: Context
    ) -> verdict_pb2.Verdict:
        principal = current_principal()
        manager = self._sessions
        session_id = validation.session_id(request.start.session_id, "start.session_id")
        session_context = validation.session_context(request.start)
        columns = validation.events(
            request.events,
            field="events",
            after_t_ms=0.0,
            events_so_far=0,
            max_events_per_batch=manager.limits.max_events_per_session,
            max_events_per_session=manager.limits.max_events_per_session,
        )
        table = StreamSessions()
        await manager.prepare(principal)
        session = manager.start(table, principal, session_id, session_context)
        try:
            manager.add(session, columns, 0)
            outcome = manager.assess(session, final=True)
            await manager.persist(principal, outcome, len(columns))
        finally:
            manager.close(table, session)
        return _verdict(outcome)

    async def GetVerdict(
        self, request: detection_pb2.GetVerdictRequest, context: Context
    ) -> verdict_pb2.Verdict:
        principal = current_principal()
        session_id = validation.session_id(request.session_id)
        record = await self._sessions.store.get_verdict(principal.tenant_id, session_id)
        if record is None:
            raise NotFoundError(f"no final verdict for session {session_id!r}")
        return convert.stored_verdict(record)

    async def Analyze(
        self, request_iterator: AsyncIterator[detection_pb2.AnalyzeRequest], context: Context
    ) -> AsyncIterator[detection_pb2.AnalyzeResponse]:
        if self._draining:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "the server is shutting down; reconnect")
        stream = _AnalyzeStream(self._sessions, current_principal(), self._parking)
        self._streams.add(stream)
        self._sessions.metrics.streams_open.inc()
        reader = asyncio.create_task(stream.read(request_iterator, context))
        try:
            while (response := await stream.outbox.get()) is not None:
                yield response
            if stream.failure is not None:
                raise stream.failure
            if stream.drained:
                await context.abort(grpc.StatusCode.UNAVAILABLE, "the server is shutting down; reconnect")
        finally:
            reader.cancel()
            stream.close()
            self._streams.discard(stream)
            self._sessions.metrics.streams_open.dec()
            # Sessions the client left open when it went away wait for it to reconnect; if it
            # does not, they are judged and stored, so GetVerdict still finds them.
            await asyncio.shield(stream.leave(self._parking, draining=self._draining))

    async def drain(self) -> None:
        """Refuse new streams; finish every open session (stored, final verdicts sent) and end
        the open streams with UNAVAILABLE so clients reconnect elsewhere."""
        self._draining = True
        await asyncio.gather(*(stream.drain() for stream in list(self._streams)), self._parking.finish_all())


class _AnalyzeStream:
    """One ``Analyze`` call: reads requests, answers through a bounded outbox."""

    def __init__(self, manager: SessionManager, principal: Principal, parking: Parking) -> None:
        self._manager = manager
        self._principal = principal
        self._parking = parking
        self._table = StreamSessions()
        # A slow reader fills the outbox; then this stream stops reading requests and gRPC flow
        # control pushes back on the client.
        self.outbox: asyncio.Queue[detection_pb2.AnalyzeResponse | None] = asyncio.Queue(_OUTBOX_SIZE)
        self._pending: set[asyncio.Task[None]] = set()
        self._last_sweep = manager.clock()
        self.drained = False
        self.closed = False
        self.failure: Exception | None = None

    async def read(self, requests: AsyncIterator[detection_pb2.AnalyzeRequest], context: Context) -> None:
        try:
            async for request in requests:
                await self._handle(request)
                await self._sweep_idle()
            # A cancelled call also ends the request iterator, and gRPC may say so a moment
            # later (or cancel this task): only a client that half-closed asked for its open
            # sessions to be finished now; a dropped one gets them parked for resumption.
            for _ in range(_CANCEL_SETTLE_STEPS):
                if context.cancelled() or context.done():
                    break
                await asyncio.sleep(_CANCEL_SETTLE_STEP_S)
            if not (context.cancelled() or context.done()):
                await self.finish_all(send=True)
        except asyncio.CancelledError:
            raise
        except grpc.RpcError:
            # The client went away mid-message; the servicer's `finally` stores what was open.
            pass
        except Exception as exc:
            # A bug: end the stream (INTERNAL) instead of leaving the client waiting forever.
            self.failure = exc
        await self.outbox.put(None)

    async def drain(self) -> None:
        self.drained = True
        await self.finish_all(send=True)
        await self.outbox.put(None)

    async def leave(self, parking: Parking, *, draining: bool) -> None:
        """The client is gone: park its open sessions (or finish them when there is no grace
        period or the server is draining), and let pending final verdicts land."""
        for session in list(self._table.sessions.values()):
            if session.ending:
                continue
            if draining or self._manager.limits.resume_grace_s <= 0:
                self._end(session, send=False)
            else:
                parking.park(self._table, session)
        if self._pending:
            # wait(), not gather(): cancelling this caller must not cancel verdicts being stored.
            await asyncio.wait(set(self._pending))

    async def finish_all(self, *, send: bool) -> None:
        """End every open session of the stream with a stored final verdict."""
        for session in list(self._table.sessions.values()):
            if not session.ending:
                self._end(session, send=send)
        if self._pending:
            # wait(), not gather(): cancelling this caller must not cancel verdicts being stored.
            await asyncio.wait(set(self._pending))

    async def _handle(self, request: detection_pb2.AnalyzeRequest) -> None:
        which = request.WhichOneof("message")
        session_id = ""
        try:
            if which == "start":
                session_id = request.start.session_id
                validation.session_id(session_id, "start.session_id")
                context = validation.session_context(request.start)
                if session_id not in self._table.sessions:
                    parked = self._parking.claim(self._principal.tenant_id, session_id)
                    if parked is not None:
                        try:
                            self._manager.attach(self._table, parked)
                        except ApiError:
                            self._parking.put_back(parked)
                            raise
                        return
                await self._manager.prepare(self._principal)
                self._manager.start(self._table, self._principal, session_id, context)
            elif which == "events":
                session_id = request.events.session_id
                session = self._open(session_id, "events.session_id")
                if not self._manager.check_sequence(session, request.events.sequence):
                    return
                columns = validation.events(
                    request.events.events,
                    field="events.events",
                    after_t_ms=session.state.last_t_ms,
                    events_so_far=session.state.event_count,
                    max_events_per_batch=self._manager.limits.max_events_per_batch,
                    max_events_per_session=self._manager.limits.max_events_per_session,
                )
                self._manager.add(session, columns, request.events.sequence, streamed=True)
            elif which == "verdict_request":
                session_id = request.verdict_request.session_id
                session = self._open(session_id, "verdict_request.session_id")
                outcome = self._manager.assess(session, final=False)
                await self._send(
                    detection_pb2.AnalyzeResponse(session_id=session_id, verdict=_verdict(outcome))
                )
            elif which == "end":
                session_id = request.end.session_id
                session = self._open(session_id, "end.session_id")
                if not session.ending:
                    self._end(session, send=True)
            else:
                raise InvalidArgumentError(
                    [FieldViolation("message", "must be one of start, events, verdict_request, end")]
                )
        except ApiError as exc:
            failed = self._table.sessions.get(session_id)
            if failed is not None and not failed.ending:
                self._manager.close(self._table, failed)
            await self._error(session_id, exc)

    def _open(self, session_id: str, field: str) -> Session:
        session = self._table.sessions.get(session_id)
        if session is None:
            validation.session_id(session_id, field)
            raise NotFoundError(f"no open session {session_id!r} on this stream; send SessionStart first")
        return session

    def _end(self, session: Session, *, send: bool) -> None:
        session.ending = True
        task = asyncio.create_task(self._finalise(session, send=send))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _finalise(self, session: Session, *, send: bool) -> None:
        outcome = self._manager.assess(session, final=True)
        try:
            await self._manager.persist(self._principal, outcome, session.state.event_count)
        except StoreUnavailableError as exc:
            # The session stays open so that the client can send SessionEnd again.
            session.ending = False
            if send:
                await self._error(session.session_id, exc)
            return
        except ApiError as exc:
            self._manager.close(self._table, session)
            if send:
                await self._error(session.session_id, exc)
            return
        self._manager.close(self._table, session)
        if send:
            await self._send(
                detection_pb2.AnalyzeResponse(session_id=session.session_id, verdict=_verdict(outcome))
            )

    async def _sweep_idle(self) -> None:
        now = self._manager.clock()
        if now - self._last_sweep < _SWEEP_INTERVAL_S:
            return
        self._last_sweep = now
        idle_s = self._manager.limits.session_idle_timeout_s
        for session in self._manager.idle(self._table):
            self._manager.close(self._table, session)
            await self._send(
                detection_pb2.AnalyzeResponse(
                    session_id=session.session_id,
                    error=status_pb2.Status(
                        code=grpc.StatusCode.DEADLINE_EXCEEDED.value[0],
                        message=f"session closed after {idle_s:g} s without a message",
                    ),
                )
            )

    async def _error(self, session_id: str, exc: ApiError | StoreUnavailableError) -> None:
        status = status_of(exc)
        self._manager.metrics.session_errors.labels(
            grpc.StatusCode(exc.code).name if isinstance(exc, ApiError) else "UNAVAILABLE"
        ).inc()
        await self._send(detection_pb2.AnalyzeResponse(session_id=session_id[:128], error=status))

    async def _send(self, response: detection_pb2.AnalyzeResponse) -> None:
        if not self.closed:
            await self.outbox.put(response)

    def close(self) -> None:
        """The client is gone: drop what was queued for it and queue nothing more."""
        self.closed = True
        while not self.outbox.empty():
            self.outbox.get_nowait()
