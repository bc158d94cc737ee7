"""Open sessions: their engine state, limits, and how they end in a stored verdict.

Protobuf-free: the servicer translates messages to these calls and back.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botsift_server.auth import Principal
from botsift_server.config import LimitSettings
from botsift_server.engine import Assessment, Engine, EventColumns, SessionContext, SessionState
from botsift_server.errors import (
    AlreadyExistsError,
    FailedPreconditionError,
    FieldViolation,
    InvalidArgumentError,
    ResourceExhaustedError,
    StoreUnavailableError,
)
from botsift_server.metrics import Metrics
from botsift_server.store import Store, VerdictRecord
from botsift_server.tenant_engines import TenantEngines

_log = logging.getLogger("botsift.sessions")


@dataclass(frozen=True, slots=True)
class Outcome:
    """An assessment with what the answer needs around it."""

    session_id: str
    action: str
    assessment: Assessment
    final: bool
    decide_time: datetime
    processing_time_us: int


@dataclass(slots=True)
class Session:
    """One open session of a stream."""

    session_id: str
    tenant: Principal
    context: SessionContext
    state: SessionState
    last_sequence: int = 0
    last_seen: float = 0.0
    engine_ns: int = 0
    ending: bool = False


@dataclass(slots=True)
class SessionManager:
    """Runs sessions through the engine and into the store, within the configured limits.

    One per server; streams keep their own :class:`StreamSessions` tables and share the
    process-wide count of open sessions kept here.
    """

    engine: Engine
    store: Store
    limits: LimitSettings
    metrics: Metrics
    clock: Callable[[], float] = time.monotonic
    wall_clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    open_sessions: int = 0
    tenants: TenantEngines | None = None
    """Per-tenant configurations and replay indexes; without it every session uses ``engine``."""

    async def prepare(self, principal: Principal) -> None:
        """Load what a tenant's sessions need from the store (its engine overrides, cached)."""
        if self.tenants is not None:
            await self.tenants.load(principal.tenant_id)

    def start(
        self, table: StreamSessions, principal: Principal, session_id: str, context: SessionContext
    ) -> Session:
        """Open a session on a stream's table."""
        if session_id in table.sessions:
            raise AlreadyExistsError(f"session {session_id!r} is already open on this stream")
        if len(table.sessions) >= self.limits.max_sessions_per_stream:
            raise ResourceExhaustedError(
                f"this stream has {self.limits.max_sessions_per_stream} open sessions; end some first"
            )
        if self.open_sessions >= self.limits.max_open_sessions:
            raise ResourceExhaustedError("the server has too many open sessions; retry later")
        started = time.perf_counter_ns()
        state = self.engine.start(context)
        session = Session(
            session_id=session_id,
            tenant=principal,
            context=context,
            state=state,
            last_seen=self.clock(),
            engine_ns=time.perf_counter_ns() - started,
        )
        table.sessions[session_id] = session
        self.open_sessions += 1
        self.metrics.sessions_open.inc()
        return session

    def close(self, table: StreamSessions, session: Session) -> None:
        """Forget an open session without a verdict."""
        if self.detach(table, session):
            self.release(session)

    def detach(self, table: StreamSessions, session: Session) -> bool:
        """Take a session off a stream's table; it stays open (and counted) until released."""
        return table.sessions.pop(session.session_id, None) is not None

    def attach(self, table: StreamSessions, session: Session) -> None:
        """Put a detached session on a stream's table (a client resuming it)."""
        if session.session_id in table.sessions:
            raise AlreadyExistsError(f"session {session.session_id!r} is already open on this stream")
        if len(table.sessions) >= self.limits.max_sessions_per_stream:
            raise ResourceExhaustedError(
                f"this stream has {self.limits.max_sessions_per_stream} open sessions; end some first"
            )
        session.last_seen = self.clock()
        table.sessions[session.session_id] = session

    def release(self, session: Session) -> None:
        """Count a detached session as closed."""
        self.open_sessions -= 1
        self.metrics.sessions_open.dec()

    @staticmethod
    def check_sequence(session: Session, sequence: int) -> bool:
        """Whether a batch numbered ``sequence`` should be applied (``False``: a resend to skip)."""
        if session.ending:
            raise FailedPreconditionError(f"session {session.session_id!r} is ending; no more events")
        if sequence == 0:
            return True
        if sequence <= session.last_sequence:
            return False
        if sequence != session.last_sequence + 1:
            raise InvalidArgumentError(
                [
                    FieldViolation(
                        "events.sequence",
                        f"expected {session.last_sequence + 1} (batches {session.last_sequence + 1}"
                        f" to {sequence - 1} are missing)",
                    )
                ]
            )
        return True

    def add(self, session: Session, columns: EventColumns, sequence: int, *, streamed: bool = False) -> None:
        """Feed a validated batch to the session's engine state; a ``streamed`` batch is one that
        arrived live on a stream (its arrival time lets the engine check the session's clock)."""
        started = time.perf_counter_ns()
        self.engine.add(session.state, columns, 1000.0 * self.clock() if streamed else None)
        session.engine_ns += time.perf_counter_ns() - started
        if sequence:
            session.last_sequence = sequence
        session.last_seen = self.clock()
        self.metrics.events.inc(len(columns))

    def assess(self, session: Session, *, final: bool) -> Outcome:
        """The session's verdict now."""
        started = time.perf_counter_ns()
        engine, replay = self.engine, None
        if self.tenants is not None:
            engine = self.tenants.engine_for(session.tenant.tenant_id, session.context.action)
            replay = self.tenants.replay(session.tenant.tenant_id)
        # Replays are looked up for the final verdict only (interim ones stay cheap).
        # A final verdict is also remembered: later sessions of the tenant are compared with it.
        assessment = engine.assess(
            session.state, replay=replay if final else None, session_id=session.session_id, remember=final
        )
        session.engine_ns += time.perf_counter_ns() - started
        session.last_seen = self.clock()
        self.metrics.verdicts.labels("final" if final else "interim", assessment.risk_level.name).inc()
        return Outcome(
            session_id=session.session_id,
            action=session.context.action,
            assessment=assessment,
            final=final,
            decide_time=self.wall_clock(),
            processing_time_us=session.engine_ns // 1000,
        )

    async def persist(self, principal: Principal, outcome: Outcome, event_count: int) -> None:
        """Store a final verdict and its usage; raises :class:`AlreadyExistsError` when the
        tenant already has a final verdict for that session id."""
        record = VerdictRecord(
            tenant_id=principal.tenant_id,
            session_id=outcome.session_id,
            action=outcome.action,
            mode=principal.mode,
            assessment=outcome.assessment,
            decide_time=outcome.decide_time,
            processing_time_us=outcome.processing_time_us,
        )
        if not await self.store.save_verdict(record, event_count=event_count):
            raise AlreadyExistsError(
                f"session {outcome.session_id!r} already has a final verdict; use a new session id"
            )

    def idle(self, table: StreamSessions) -> list[Session]:
        """Sessions of a table with no message for longer than the idle timeout."""
        deadline = self.clock() - self.limits.session_idle_timeout_s
        return [s for s in table.sessions.values() if s.last_seen < deadline and not s.ending]


@dataclass(slots=True)
class StreamSessions:
    """The open sessions of one ``Analyze`` stream, by session id."""

    sessions: dict[str, Session] = field(default_factory=dict)


class Parking:
    """Sessions whose stream dropped while they were open.

    A client that reconnects within ``limits.resume_grace_s`` and starts the session again
    gets it back with its events (batches it resends with their original ``sequence`` numbers
    are skipped); otherwise the session is judged on what it received and its final verdict is
    stored, so a backend can still fetch it with ``GetVerdict``.
    """

    def __init__(self, manager: SessionManager) -> None:
        self._manager = manager
        self._sessions: dict[tuple[uuid.UUID, str], Session] = {}
        self._timers: dict[tuple[uuid.UUID, str], asyncio.Task[None]] = {}
        self._finishing: set[asyncio.Task[None]] = set()

    def park(self, table: StreamSessions, session: Session) -> None:
        """Keep a session of a dropped stream for the grace period."""
        if not self._manager.detach(table, session):
            return
        key = (session.tenant.tenant_id, session.session_id)
        previous = self._sessions.pop(key, None)
        if previous is not None:
            # The same session id was parked by an earlier dropped stream: finish that one now.
            self._cancel_timer(key)
            self._spawn(self._finish(previous))
        self._sessions[key] = session
        self._timers[key] = asyncio.get_running_loop().create_task(self._expire(key, session))

    def claim(self, tenant_id: uuid.UUID, session_id: str) -> Session | None:
        """The parked session a reconnecting client starts again, or ``None``."""
        key = (tenant_id, session_id)
        session = self._sessions.pop(key, None)
        if session is not None:
            self._cancel_timer(key)
        return session

    def put_back(self, session: Session) -> None:
        """Return a claimed session that could not be attached (keeps its grace period going)."""
        key = (session.tenant.tenant_id, session.session_id)
        self._sessions[key] = session
        self._timers[key] = asyncio.get_running_loop().create_task(self._expire(key, session))

    async def finish_all(self) -> None:
        """Finish every parked session now (server shutdown)."""
        for key, session in list(self._sessions.items()):
            del self._sessions[key]
            self._cancel_timer(key)
            self._spawn(self._finish(session))
        if self._finishing:
            await asyncio.wait(set(self._finishing))

    async def _expire(self, key: tuple[uuid.UUID, str], session: Session) -> None:
        await asyncio.sleep(self._manager.limits.resume_grace_s)
        if self._sessions.get(key) is session:
            del self._sessions[key]
            self._timers.pop(key, None)
            await self._finish(session)

    async def _finish(self, session: Session) -> None:
        try:
            outcome = self._manager.assess(session, final=True)
            await self._manager.persist(session.tenant, outcome, session.state.event_count)
        except (AlreadyExistsError, StoreUnavailableError) as exc:
            _log.warning(
                "a parked session could not be stored",
                extra={"session_id": session.session_id, "error": str(exc)},
            )
        finally:
            self._manager.release(session)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._finishing.add(task)
        task.add_done_callback(self._finishing.discard)

    def _cancel_timer(self, key: tuple[uuid.UUID, str]) -> None:
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()
