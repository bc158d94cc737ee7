"""``AsyncClient``: the asyncio client of BotSift."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TypeVar

import grpc

from botsift import __version__
from botsift._config import ClientConfig
from botsift._errors import ConfigurationError, error_from_rpc
from botsift._events import device_signals
from botsift._retry import call_with_retry
from botsift._session import Session
from botsift._stream import AnalyzeStream
from botsift.v1 import detection_pb2, detection_pb2_grpc, events_pb2, keys_pb2, keys_pb2_grpc, verdict_pb2

T = TypeVar("T")
DeviceLike = events_pb2.DeviceSignals | Mapping[str, Any] | None
"""Device signals as a message or a dict of its field names (``{"user_agent": ..., ...}``)."""


def _channel_options(config: ClientConfig) -> list[tuple[str, Any]]:
    agent = f"botsift-python/{__version__}" + (f" {config.user_agent}" if config.user_agent else "")
    return [
        ("grpc.primary_user_agent", agent),
        ("grpc.keepalive_time_ms", int(config.keepalive_time_s * 1000)),
        ("grpc.keepalive_timeout_ms", int(config.keepalive_timeout_s * 1000)),
        # Re-dial a restarted server within the retry policy's waits, not gRPC's default of up
        # to two minutes, so a dropped stream comes back as soon as the server does.
        ("grpc.initial_reconnect_backoff_ms", max(int(config.retry.initial_backoff_s * 1000), 50)),
        ("grpc.min_reconnect_backoff_ms", max(int(config.retry.initial_backoff_s * 1000), 50)),
        ("grpc.max_reconnect_backoff_ms", max(int(config.retry.max_backoff_s * 1000), 100)),
    ]


class AsyncClient:
    """The asyncio client. Configure it with arguments or the environment
    (``BOTSIFT_API_KEY``, ``BOTSIFT_TARGET``, ``BOTSIFT_TLS``); use it as an async context
    manager, or call :meth:`close`.

    Example::

        async with botsift.AsyncClient(api_key="pk_test_...", target="localhost:50051") as client:
            async with client.session(action="login") as s:
                s.pointer(10, 20)
                verdict = await s.verdict()

    Sessions opened with :meth:`session` share one multiplexed ``Analyze`` stream, opened on
    first use and re-opened when it drops.
    """

    def __init__(
        self,
        api_key: str | None = None,
        target: str | None = None,
        *,
        config: ClientConfig | None = None,
        **options: Any,
    ) -> None:
        if config is not None and (api_key is not None or target is not None or options):
            raise ConfigurationError("pass either config=... or individual options, not both")
        self.config = config or ClientConfig.from_env(api_key=api_key, target=target, **options)
        self._channel: grpc.aio.Channel | None = None
        self._detection: detection_pb2_grpc.DetectionServiceAsyncStub | None = None
        self._keys: keys_pb2_grpc.KeyServiceAsyncStub | None = None
        self._stream: AnalyzeStream | None = None
        self._metadata = (("authorization", f"Bearer {self.config.api_key}"),)

    # -- plumbing -------------------------------------------------------------------------------

    def _open(self) -> grpc.aio.Channel:
        # Channels bind to the running event loop, so they are made on first use, not in __init__.
        if self._channel is None:
            options = _channel_options(self.config)
            if self.config.use_tls:
                creds = grpc.ssl_channel_credentials(root_certificates=self.config.root_certificates)
                self._channel = grpc.aio.secure_channel(self.config.target, creds, options=options)
            else:
                self._channel = grpc.aio.insecure_channel(self.config.target, options=options)
            self._detection = detection_pb2_grpc.DetectionServiceStub(self._channel)
            self._keys = keys_pb2_grpc.KeyServiceStub(self._channel)
        return self._channel

    @property
    def _detection_stub(self) -> detection_pb2_grpc.DetectionServiceAsyncStub:
        self._open()
        assert self._detection is not None
        return self._detection

    @property
    def _keys_stub(self) -> keys_pb2_grpc.KeyServiceAsyncStub:
        self._open()
        assert self._keys is not None
        return self._keys

    async def _unary(
        self, call: Callable[[float], Awaitable[T]], *, idempotent: bool, timeout_s: float | None
    ) -> T:
        deadline = self.config.timeout_s if timeout_s is None else timeout_s
        try:
            return await call_with_retry(self.config.retry, lambda: call(deadline), idempotent=idempotent)
        except grpc.aio.AioRpcError as exc:
            raise error_from_rpc(exc) from None

    def _stream_dead(self, stream: AnalyzeStream) -> None:
        if self._stream is stream:
            self._stream = None

    # -- sessions -------------------------------------------------------------------------------

    def session(
        self,
        *,
        session_id: str | None = None,
        action: str = "",
        device: DeviceLike = None,
        client_time: datetime | None = None,
        recorded: bool = False,
    ) -> Session:
        """A session on the shared stream; use it with ``async with`` (see :class:`Session`).

        ``session_id`` defaults to a random id; ``action`` names what the visitor does
        (``login``, ``checkout``, ...); ``device`` carries the browser/device signals.
        ``recorded=True`` says the events were captured earlier and are sent faster than they
        happened (a backfill): the server then skips its check that a live session's clock does
        not run ahead of real time. Leave it false for live traffic.
        """
        if self._stream is None or self._stream.dead:
            self._stream = AnalyzeStream(self._detection_stub, self._metadata, self.config, self._stream_dead)
        start = events_pb2.SessionStart(
            session_id=session_id or uuid.uuid4().hex,
            action=action,
            device=device_signals(device),
            recorded=recorded,
        )
        start.client_time.FromDatetime(client_time or datetime.now(UTC))
        return Session(self._stream, start, self.config.session)

    @property
    def stream_reconnects(self) -> int:
        """How many times the shared stream was re-opened after dropping (0 before it opens)."""
        return self._stream.reconnects if self._stream is not None else 0

    # -- unary calls ----------------------------------------------------------------------------

    async def score_session(
        self,
        events: events_pb2.Events,
        *,
        session_id: str | None = None,
        action: str = "",
        device: DeviceLike = None,
        timeout_s: float | None = None,
    ) -> verdict_pb2.Verdict:
        """Score a whole session in one call; the verdict is final and stored. Not retried: a
        retry after a lost answer would meet ALREADY_EXISTS.

        Example::

            verdict = await client.score_session(events, session_id="s-42", action="login")
        """
        start = events_pb2.SessionStart(
            session_id=session_id or uuid.uuid4().hex, action=action, device=device_signals(device)
        )
        request = detection_pb2.ScoreSessionRequest(start=start, events=events)
        stub = self._detection_stub
        return await self._unary(
            lambda t: stub.ScoreSession(request, metadata=self._metadata, timeout=t),
            idempotent=False,
            timeout_s=timeout_s,
        )

    async def get_verdict(self, session_id: str, *, timeout_s: float | None = None) -> verdict_pb2.Verdict:
        """The stored final verdict of a session (secret keys only), the way a backend checks
        what its page's session was judged. Raises :class:`~botsift.NotFoundError` when the
        session has no final verdict (yet)."""
        request = detection_pb2.GetVerdictRequest(session_id=session_id)
        stub = self._detection_stub
        return await self._unary(
            lambda t: stub.GetVerdict(request, metadata=self._metadata, timeout=t),
            idempotent=True,
            timeout_s=timeout_s,
        )

    async def create_key(
        self,
        kind: keys_pb2.KeyKind,
        *,
        mode: keys_pb2.KeyMode = keys_pb2.KEY_MODE_UNSPECIFIED,
        name: str = "",
        timeout_s: float | None = None,
    ) -> keys_pb2.CreateKeyResponse:
        """Create a key of the caller's tenant; ``response.secret`` is its value, shown once."""
        request = keys_pb2.CreateKeyRequest(kind=kind, mode=mode, name=name)
        stub = self._keys_stub
        return await self._unary(
            lambda t: stub.CreateKey(request, metadata=self._metadata, timeout=t),
            idempotent=False,
            timeout_s=timeout_s,
        )

    async def list_keys(
        self, *, include_revoked: bool = False, timeout_s: float | None = None
    ) -> list[keys_pb2.ApiKey]:
        """Every key of the caller's tenant, newest first (all pages)."""
        stub = self._keys_stub
        keys: list[keys_pb2.ApiKey] = []
        token = ""
        while True:
            request = keys_pb2.ListKeysRequest(
                page_size=1000, page_token=token, include_revoked=include_revoked
            )
            page: keys_pb2.ListKeysResponse = await self._unary(
                lambda t, r=request: stub.ListKeys(r, metadata=self._metadata, timeout=t),  # type: ignore[misc]
                idempotent=True,
                timeout_s=timeout_s,
            )
            keys.extend(page.keys)
            token = page.next_page_token
            if not token:
                return keys

    async def revoke_key(self, key_id: str, *, timeout_s: float | None = None) -> keys_pb2.ApiKey:
        """Revoke a key; calls with it fail with :class:`~botsift.AuthenticationError` afterwards."""
        request = keys_pb2.RevokeKeyRequest(key_id=key_id)
        stub = self._keys_stub
        response: keys_pb2.RevokeKeyResponse = await self._unary(
            lambda t: stub.RevokeKey(request, metadata=self._metadata, timeout=t),
            idempotent=False,
            timeout_s=timeout_s,
        )
        return response.key

    # -- lifetime -------------------------------------------------------------------------------

    async def close(self, *, timeout_s: float = 10.0) -> None:
        """Finish the shared stream (sessions still open get their final verdicts) and close
        the connection."""
        if self._stream is not None:
            await self._stream.close(timeout_s)
            self._stream = None
        if self._channel is not None:
            await self._channel.close(None)
            self._channel = None

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
