"""One session on the shared ``Analyze`` stream: records events, batches them, keeps what it
needs to be resent after the stream drops, and hands back verdicts."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from types import TracebackType
from typing import TYPE_CHECKING

from botsift._config import SessionOptions
from botsift._errors import (
    AlreadyExistsError,
    BotSiftError,
    ConnectionError,
    SessionBufferFullError,
    SessionClosedError,
    SessionInterruptedError,
)
from botsift._events import CAPITAL_WITHOUT_SHIFT, EventColumns, KeyClassLike, key_class_value
from botsift.v1 import detection_pb2, events_pb2, verdict_pb2

if TYPE_CHECKING:
    from botsift._stream import AnalyzeStream

_log = logging.getLogger("botsift")
_K = events_pb2


def _retrieve(future: asyncio.Future[verdict_pb2.Verdict]) -> None:
    # Nobody may await an abandoned session's verdict; reading the exception here keeps asyncio
    # from reporting it as "never retrieved".
    if not future.cancelled():
        future.exception()


class Session:
    """A session on the client's shared ``Analyze`` stream. Made by ``AsyncClient.session()``.

    Recording methods (:meth:`pointer`, :meth:`key_down`, ...) never block: events are batched
    (``SessionOptions.max_batch_events`` / ``max_batch_delay_ms``) and written in the
    background. Like ``asyncio.StreamWriter.write``, they are paired with :meth:`drain`, which
    waits while too much is unsent: call it in loops that produce events faster than the
    server takes them. Times default to milliseconds since the session was created; pass
    ``t_ms`` to replay recorded times (never decreasing).

    Example::

        async with client.session(action="login", device={"user_agent": ua}) as s:
            s.pointer(10, 20)
            s.pointer_down(10, 20)
            s.key_down("letter")
            verdict = await s.verdict()   # the final verdict, stored by the server
        print(verdict.risk_level, [r.code for r in verdict.reasons])

    If the stream drops, the session is re-opened on a new stream and its events resent
    (numbered from 1 again), as long as it recorded at most
    ``SessionOptions.resume_buffer_events`` events; past that a drop fails it with
    :class:`~botsift.ConnectionError`.
    """

    def __init__(
        self, stream: AnalyzeStream, start: events_pb2.SessionStart, options: SessionOptions
    ) -> None:
        self._stream = stream
        self._start = start
        self._options = options
        self._t0 = time.monotonic()
        self._last_t = 0.0
        self._pending = EventColumns()
        self._timer: asyncio.TimerHandle | None = None
        self._batches: list[events_pb2.Events] = []
        self._batch_count = 0
        self._buffered = 0
        self._resumable = True
        self._unsent = 0
        self._writable = asyncio.Event()
        self._writable.set()
        self._final: asyncio.Future[verdict_pb2.Verdict] = asyncio.get_running_loop().create_future()
        self._final.add_done_callback(_retrieve)
        self._interims: deque[asyncio.Future[verdict_pb2.Verdict]] = deque()
        self._ended = False
        self._resumes = 0
        self.events_dropped = 0
        """Events recorded after the server had already finished the session (for example
        while it shut down): they are not sent."""

    @property
    def session_id(self) -> str:
        """The session id (give it to your backend to call ``get_verdict``)."""
        return self._start.session_id

    @property
    def done(self) -> bool:
        """Whether the final verdict (or the session's error) has arrived."""
        return self._final.done()

    # -- recording ---------------------------------------------------------------------------

    def record(
        self,
        kind: int,
        *,
        x: float = 0.0,
        y: float = 0.0,
        button: int = 0,
        key_class: KeyClassLike = 0,
        t_ms: float | None = None,
    ) -> None:
        """Record one event of any ``EventKind``; the named methods below are shorthands."""
        if not self._accepting():
            self.events_dropped += 1
            return
        if t_ms is None:
            t_ms = max((time.monotonic() - self._t0) * 1000.0, self._last_t)
        elif t_ms < self._last_t:
            raise ValueError(
                f"t_ms {t_ms} is before the previous event ({self._last_t}); times never go back"
            )
        self._check_room(1)
        self._last_t = t_ms
        self._pending.append(t_ms, kind, x, y, button, key_class_value(key_class) if key_class else 0)
        self._after_append()

    def add(self, events: events_pb2.Events) -> None:
        """Record many events at once (columnar, as in the contract)."""
        if not self._accepting():
            self.events_dropped += len(events.t_ms)
            return
        n = len(events.t_ms)
        self._check_room(n)
        if n and events.t_ms[0] < self._last_t:
            raise ValueError("events start before the previous event; times never go back")
        for i in range(n):
            self._pending.append(
                events.t_ms[i],
                events.kinds[i],
                events.x[i] if events.x else 0.0,
                events.y[i] if events.y else 0.0,
                events.buttons[i] if events.buttons else 0,
                events.key_classes[i] if events.key_classes else 0,
            )
            if len(self._pending) >= self._options.max_batch_events:
                self._cut()
        if n:
            self._last_t = events.t_ms[n - 1]
        self._after_append()

    def pointer(self, x: float, y: float, *, t_ms: float | None = None) -> None:
        """The pointer moved to (x, y) in CSS pixels."""
        self.record(_K.EVENT_KIND_MOVE, x=x, y=y, t_ms=t_ms)

    def pointer_down(self, x: float, y: float, button: int = 0, *, t_ms: float | None = None) -> None:
        """A pointer button went down at (x, y)."""
        self.record(_K.EVENT_KIND_DOWN, x=x, y=y, button=button, t_ms=t_ms)

    def pointer_up(self, x: float, y: float, button: int = 0, *, t_ms: float | None = None) -> None:
        """A pointer button went up at (x, y)."""
        self.record(_K.EVENT_KIND_UP, x=x, y=y, button=button, t_ms=t_ms)

    def wheel(self, dx: float, dy: float, *, t_ms: float | None = None) -> None:
        """A wheel turned by (dx, dy) pixels."""
        self.record(_K.EVENT_KIND_WHEEL, x=dx, y=dy, t_ms=t_ms)

    def key_down(
        self, key_class: KeyClassLike, *, t_ms: float | None = None, capital_without_shift: bool = False
    ) -> None:
        """A key of class ``key_class`` (``"letter"``, ``"digit"``, ...) went down. Never pass
        which key: BotSift only ever learns classes. ``capital_without_shift``: the key typed a
        capital letter while neither Shift nor Caps Lock was on (as programs type text; a physical
        keyboard cannot)."""
        self.record(
            _K.EVENT_KIND_KEY_DOWN,
            key_class=key_class,
            t_ms=t_ms,
            button=CAPITAL_WITHOUT_SHIFT if capital_without_shift else 0,
        )

    def key_up(self, key_class: KeyClassLike, *, t_ms: float | None = None) -> None:
        """A key of class ``key_class`` went up."""
        self.record(_K.EVENT_KIND_KEY_UP, key_class=key_class, t_ms=t_ms)

    def touch_start(self, x: float, y: float, *, t_ms: float | None = None) -> None:
        """A finger touched the screen at (x, y)."""
        self.record(_K.EVENT_KIND_TOUCH_START, x=x, y=y, t_ms=t_ms)

    def touch_move(self, x: float, y: float, *, t_ms: float | None = None) -> None:
        """A finger moved to (x, y)."""
        self.record(_K.EVENT_KIND_TOUCH_MOVE, x=x, y=y, t_ms=t_ms)

    def touch_end(self, x: float, y: float, *, t_ms: float | None = None) -> None:
        """A finger left the screen at (x, y)."""
        self.record(_K.EVENT_KIND_TOUCH_END, x=x, y=y, t_ms=t_ms)

    def scroll(self, x: float, y: float, *, t_ms: float | None = None) -> None:
        """The page scrolled to offsets (x, y)."""
        self.record(_K.EVENT_KIND_SCROLL, x=x, y=y, t_ms=t_ms)

    def focus(self, *, t_ms: float | None = None) -> None:
        """The page gained focus."""
        self.record(_K.EVENT_KIND_FOCUS, t_ms=t_ms)

    def blur(self, *, t_ms: float | None = None) -> None:
        """The page lost focus."""
        self.record(_K.EVENT_KIND_BLUR, t_ms=t_ms)

    def visibility(self, visible: bool, *, t_ms: float | None = None) -> None:
        """The page became visible or hidden."""
        self.record(_K.EVENT_KIND_VISIBILITY, button=1 if visible else 0, t_ms=t_ms)

    # -- flow control and verdicts --------------------------------------------------------------

    async def drain(self) -> None:
        """Wait until at most ``SessionOptions.high_water_events`` events are unsent (the
        back-pressure of a server slower than the producer). Raises the session's error."""
        self._raise_if_failed()
        await self._writable.wait()
        self._raise_if_failed()

    async def interim_verdict(self) -> verdict_pb2.Verdict:
        """The verdict on what was recorded so far (``final`` false; not stored)."""
        self._raise_if_failed()
        if self._ended:
            raise SessionClosedError(f"session {self.session_id!r} has ended; await verdict()")
        self._cut()
        future: asyncio.Future[verdict_pb2.Verdict] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_retrieve)
        self._interims.append(future)
        request = detection_pb2.VerdictRequest(session_id=self.session_id)
        self._stream.send(self, detection_pb2.AnalyzeRequest(verdict_request=request), 0)
        return await future

    async def verdict(self) -> verdict_pb2.Verdict:
        """End the session and return its final verdict, once the server has stored it.
        Raises the session's :class:`~botsift.BotSiftError` if it failed."""
        self.end()
        return await asyncio.shield(self._final)

    def end(self) -> None:
        """End the session without waiting (the final verdict is still stored; await
        :meth:`verdict` for it). Ending twice does nothing."""
        if self._ended or self._final.done():
            return
        self._cut()
        self._ended = True
        end = detection_pb2.SessionEnd(session_id=self.session_id)
        self._stream.send(self, detection_pb2.AnalyzeRequest(end=end), 0)

    async def __aenter__(self) -> Session:
        await self._stream.register(self)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # A session left without end() is ended here and its verdict awaited, so that errors
        # surface; one the body ended itself was already the body's business.
        if exc is not None or self._ended:
            self.end()
            return
        await self.verdict()

    # -- called by the stream ----------------------------------------------------------------

    def _accepting(self) -> bool:
        self._raise_if_failed()
        if self._ended:
            raise SessionClosedError(f"session {self.session_id!r} has ended; no more events")
        return not self._final.done()

    def _raise_if_failed(self) -> None:
        if self._final.done() and not self._final.cancelled():
            error = self._final.exception()
            if error is not None:
                raise error

    def _check_room(self, n: int) -> None:
        if self._unsent + len(self._pending) + n > self._options.max_unsent_events:
            raise SessionBufferFullError(
                f"session {self.session_id!r} has {self._unsent + len(self._pending)} unsent events; "
                "await session.drain() while producing"
            )

    def _after_append(self) -> None:
        if len(self._pending) >= self._options.max_batch_events:
            self._cut()
        elif self._pending and self._timer is None:
            delay = self._options.max_batch_delay_ms / 1000.0
            self._timer = asyncio.get_running_loop().call_later(delay, self._cut)

    def _cut(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        n = len(self._pending)
        if not n or self._final.done():
            return
        events = self._pending.to_message()
        self._pending = EventColumns()
        self._batch_count += 1
        if self._resumable:
            if self._buffered + n > self._options.resume_buffer_events:
                self._resumable = False
                self._batches.clear()
            else:
                self._batches.append(events)
                self._buffered += n
        self._unsent += n
        if self._unsent > self._options.high_water_events:
            self._writable.clear()
        batch = detection_pb2.EventBatch(
            session_id=self.session_id, sequence=self._batch_count, events=events
        )
        self._stream.send(self, detection_pb2.AnalyzeRequest(events=batch), n)

    def _written(self, n: int) -> None:
        self._unsent -= n
        if self._unsent <= self._options.high_water_events:
            self._writable.set()

    def _resume_requests(self) -> list[tuple[detection_pb2.AnalyzeRequest, int]]:
        """What re-opens this session on a new stream, or raises when it cannot be."""
        if not self._resumable:
            raise ConnectionError(
                f"the stream dropped and session {self.session_id!r} recorded more than "
                f"{self._options.resume_buffer_events} events, too many to resend"
            )
        self._resumes += 1
        out = [(detection_pb2.AnalyzeRequest(start=self._start), 0)]
        for sequence, events in enumerate(self._batches, start=1):
            batch = detection_pb2.EventBatch(session_id=self.session_id, sequence=sequence, events=events)
            out.append((detection_pb2.AnalyzeRequest(events=batch), len(events.t_ms)))
        request = detection_pb2.VerdictRequest(session_id=self.session_id)
        out.extend((detection_pb2.AnalyzeRequest(verdict_request=request), 0) for _ in self._interims)
        if self._ended:
            out.append(
                (detection_pb2.AnalyzeRequest(end=detection_pb2.SessionEnd(session_id=self.session_id)), 0)
            )
        self._unsent = self._buffered
        return out

    def _on_verdict(self, verdict: verdict_pb2.Verdict) -> None:
        if not verdict.final:
            if self._interims:
                self._interims.popleft().set_result(verdict)
            return
        if not self._ended:
            _log.warning("the server finished session %s before it was ended", self.session_id)
        while self._interims:
            self._interims.popleft().set_result(verdict)
        self._settle()
        self._final.set_result(verdict)

    def _on_error(self, error: BotSiftError) -> None:
        if isinstance(error, AlreadyExistsError) and self._resumes:
            error = SessionInterruptedError(
                error.status,
                "the stream dropped while the session was open and the server stored its verdict "
                f"from the events received until then ({error.message})",
                details=error.details,
                request_id=error.request_id,
                session_id=error.session_id,
            )
        while self._interims:
            self._interims.popleft().set_exception(error)
        self._settle()
        if not self._final.done():
            self._final.set_exception(error)

    def _settle(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._batches.clear()
        self._pending = EventColumns()
        self._writable.set()
