"""``Client``: the blocking client, an :class:`AsyncClient` running on a private event loop in a
background thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar

from botsift._client import AsyncClient, DeviceLike
from botsift._config import ClientConfig
from botsift._events import KeyClassLike
from botsift._session import Session
from botsift._traces import Trace, replay_trace
from botsift.v1 import events_pb2, keys_pb2, verdict_pb2

T = TypeVar("T")


class Client:
    """The blocking client: the same calls as :class:`AsyncClient`, without ``await``.

    Example::

        with botsift.Client(api_key="sk_test_...") as client:
            verdict = client.get_verdict("s-42")
            with client.session(action="login") as s:
                s.pointer(10, 20)
                print(s.verdict().risk_level)
    """

    def __init__(
        self,
        api_key: str | None = None,
        target: str | None = None,
        *,
        config: ClientConfig | None = None,
        **options: Any,
    ) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="botsift-client", daemon=True)
        self._thread.start()
        self._async = AsyncClient(api_key, target, config=config, **options)
        self.config = self._async.config
        self._closed = False

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def session(
        self,
        *,
        session_id: str | None = None,
        action: str = "",
        device: DeviceLike = None,
        client_time: datetime | None = None,
        recorded: bool = False,
    ) -> SyncSession:
        """A session on the shared stream; use it with ``with`` (see :class:`SyncSession`)."""

        async def make() -> Session:
            return self._async.session(
                session_id=session_id,
                action=action,
                device=device,
                client_time=client_time,
                recorded=recorded,
            )

        return SyncSession(self, self._run(make()))

    def score_session(
        self,
        events: events_pb2.Events,
        *,
        session_id: str | None = None,
        action: str = "",
        device: DeviceLike = None,
        timeout_s: float | None = None,
    ) -> verdict_pb2.Verdict:
        """See :meth:`AsyncClient.score_session`."""
        return self._run(
            self._async.score_session(
                events, session_id=session_id, action=action, device=device, timeout_s=timeout_s
            )
        )

    def get_verdict(self, session_id: str, *, timeout_s: float | None = None) -> verdict_pb2.Verdict:
        """See :meth:`AsyncClient.get_verdict`."""
        return self._run(self._async.get_verdict(session_id, timeout_s=timeout_s))

    def create_key(
        self,
        kind: keys_pb2.KeyKind,
        *,
        mode: keys_pb2.KeyMode = keys_pb2.KEY_MODE_UNSPECIFIED,
        name: str = "",
        timeout_s: float | None = None,
    ) -> keys_pb2.CreateKeyResponse:
        """See :meth:`AsyncClient.create_key`."""
        return self._run(self._async.create_key(kind, mode=mode, name=name, timeout_s=timeout_s))

    def list_keys(
        self, *, include_revoked: bool = False, timeout_s: float | None = None
    ) -> list[keys_pb2.ApiKey]:
        """See :meth:`AsyncClient.list_keys`."""
        return self._run(self._async.list_keys(include_revoked=include_revoked, timeout_s=timeout_s))

    def revoke_key(self, key_id: str, *, timeout_s: float | None = None) -> keys_pb2.ApiKey:
        """See :meth:`AsyncClient.revoke_key`."""
        return self._run(self._async.revoke_key(key_id, timeout_s=timeout_s))

    def replay(self, trace: Trace, *, session_id: str | None = None) -> verdict_pb2.Verdict:
        """Stream a recorded session and return its final verdict (see :func:`replay_trace`)."""
        return self._run(replay_trace(self._async, trace, session_id=session_id))

    def close(self) -> None:
        """Finish the shared stream, close the connection and stop the background thread."""
        if self._closed:
            return
        self._closed = True
        try:
            self._run(self._async.close())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class SyncSession:
    """A blocking view of a :class:`Session`. Each recording call hands the event to the
    client's loop and, when too much is unsent, waits (back-pressure without ``drain``)."""

    def __init__(self, client: Client, session: Session) -> None:
        self._client = client
        self._session = session

    @property
    def session_id(self) -> str:
        """The session id."""
        return self._session.session_id

    def _call(self, record: Callable[[Session], None]) -> None:
        async def apply() -> None:
            record(self._session)
            await self._session.drain()

        self._client._run(apply())

    def pointer(self, x: float, y: float, *, t_ms: float | None = None) -> None:
        """The pointer moved to (x, y) in CSS pixels."""
        self._call(lambda s: s.pointer(x, y, t_ms=t_ms))

    def pointer_down(self, x: float, y: float, button: int = 0, *, t_ms: float | None = None) -> None:
        """A pointer button went down at (x, y)."""
        self._call(lambda s: s.pointer_down(x, y, button, t_ms=t_ms))

    def pointer_up(self, x: float, y: float, button: int = 0, *, t_ms: float | None = None) -> None:
        """A pointer button went up at (x, y)."""
        self._call(lambda s: s.pointer_up(x, y, button, t_ms=t_ms))

    def wheel(self, dx: float, dy: float, *, t_ms: float | None = None) -> None:
        """A wheel turned by (dx, dy) pixels."""
        self._call(lambda s: s.wheel(dx, dy, t_ms=t_ms))

    def key_down(
        self, key_class: KeyClassLike, *, t_ms: float | None = None, capital_without_shift: bool = False
    ) -> None:
        """A key of class ``key_class`` went down (never which key); see :meth:`Session.key_down`."""
        self._call(lambda s: s.key_down(key_class, t_ms=t_ms, capital_without_shift=capital_without_shift))

    def key_up(self, key_class: KeyClassLike, *, t_ms: float | None = None) -> None:
        """A key of class ``key_class`` went up."""
        self._call(lambda s: s.key_up(key_class, t_ms=t_ms))

    def touch_start(self, x: float, y: float, *, t_ms: float | None = None) -> None:
        """A finger touched the screen at (x, y)."""
        self._call(lambda s: s.touch_start(x, y, t_ms=t_ms))

    def touch_move(self, x: float, y: float, *, t_ms: float | None = None) -> None:
        """A finger moved to (x, y)."""
        self._call(lambda s: s.touch_move(x, y, t_ms=t_ms))

    def touch_end(self, x: float, y: float, *, t_ms: float | None = None) -> None:
        """A finger left the screen at (x, y)."""
        self._call(lambda s: s.touch_end(x, y, t_ms=t_ms))

    def scroll(self, x: float, y: float, *, t_ms: float | None = None) -> None:
        """The page scrolled to offsets (x, y)."""
        self._call(lambda s: s.scroll(x, y, t_ms=t_ms))

    def focus(self, *, t_ms: float | None = None) -> None:
        """The page gained focus."""
        self._call(lambda s: s.focus(t_ms=t_ms))

    def blur(self, *, t_ms: float | None = None) -> None:
        """The page lost focus."""
        self._call(lambda s: s.blur(t_ms=t_ms))

    def visibility(self, visible: bool, *, t_ms: float | None = None) -> None:
        """The page became visible or hidden."""
        self._call(lambda s: s.visibility(visible, t_ms=t_ms))

    def add(self, events: events_pb2.Events) -> None:
        """Record many events at once (columnar)."""

        async def apply() -> None:
            self._session.add(events)
            await self._session.drain()

        self._client._run(apply())

    def interim_verdict(self) -> verdict_pb2.Verdict:
        """The verdict on what was recorded so far (not stored)."""
        return self._client._run(self._session.interim_verdict())

    def verdict(self) -> verdict_pb2.Verdict:
        """End the session and return its final verdict once stored."""
        return self._client._run(self._session.verdict())

    def __enter__(self) -> SyncSession:
        self._client._run(self._session.__aenter__())
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._client._run(self._session.__aexit__(exc_type, exc, tb))
